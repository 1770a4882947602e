package dev.argos.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.observers.ArgosConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentSettingsTest {
  @TempDir Path tmp;

  private static Properties props(String... kv) {
    Properties p = new Properties();
    for (int i = 0; i < kv.length; i += 2) {
      p.setProperty(kv[i], kv[i + 1]);
    }
    return p;
  }

  private static ArgosConfig argos(AgentSettings s) {
    AgentSettings.Builders b = s.builders();
    return b.argos.thresholds(b.thresholds.build()).build();
  }

  @Test
  void everySettingOfTheTableIsAppliedToItsBuilder() {
    AgentSettings s =
        AgentSettings.parse(
            props(
                "argos.sampleRate", "250ms",
                "argos.windowSize", "PT2M",
                "argos.eventLoopLag", "20ms",
                "argos.memoryGrowth", "0.3",
                "argos.heapUsageAfterGc", "0.8",
                "argos.gcOverhead", "0.2",
                "argos.burstMultiplier", "4",
                "argos.burstMinRate", "50",
                "argos.keyBurstMinRate", "5",
                "argos.fileHandleUsage", "0.7",
                "argos.threadUsage", "0.6",
                "argos.dedupWindow", "30s",
                "argos.escalateAfter", "5",
                "argos.signalQueue", "2048",
                "argos.floodLimit", "100",
                "argos.app", "shop"),
            "test");
    assertThat(s.problems()).isEmpty();
    assertThat(s.values()).hasSize(AgentSettings.DESCRIPTIONS.size());
    ArgosConfig c = argos(s);
    assertThat(c.sampleRate()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.windowSize()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.thresholds().eventLoopLag()).isEqualTo(Duration.ofMillis(20));
    assertThat(c.thresholds().memoryGrowth()).isEqualTo(0.3);
    assertThat(c.thresholds().heapUsageAfterGc()).isEqualTo(0.8);
    assertThat(c.thresholds().gcOverhead()).isEqualTo(0.2);
    assertThat(c.thresholds().burstMultiplier()).isEqualTo(4);
    assertThat(c.thresholds().burstMinRate()).isEqualTo(50);
    assertThat(c.thresholds().keyBurstMinRate()).isEqualTo(5);
    assertThat(c.thresholds().fileHandleUsage()).isEqualTo(0.7);
    assertThat(c.thresholds().threadUsage()).isEqualTo(0.6);
    AgentSettings.Builders b = s.builders();
    assertThat(b.agent.build().signalQueueCapacity()).isEqualTo(2048);
    assertThat(b.agent.build().floodLimitPerMinute()).isEqualTo(100);
    assertThat(b.dedup.build().toString()).isEqualTo("Dedup[window=PT30S, escalateAfter=5]");
    assertThat(b.app).isEqualTo("shop");
  }

  @Test
  void aBadValueIsLeftOutWithTheLibrarysOwnMessageAndTheRestApplies() {
    AgentSettings s =
        AgentSettings.parse(
            props(
                "argos.sampleRate", "0ms",
                "argos.eventLoopLag", "fast",
                "argos.memoryGrowth", "1.5",
                "argos.burstMultiplier", "abc",
                "argos.escalateAfter", "-1",
                "argos.fileHandleUsage", "0.5",
                "argos.nope", "1"),
            "config file a.properties");
    assertThat(s.values()).containsOnlyKeys("argos.fileHandleUsage");
    assertThat(s.problems())
        .containsExactly(
            "config file a.properties: argos.burstMultiplier=abc ignored (argos.burstMultiplier"
                + " must be a number but was abc); its default is used",
            "config file a.properties: argos.escalateAfter=-1 ignored (escalateAfter must be"
                + " positive but was -1); its default is used",
            "config file a.properties: argos.eventLoopLag=fast ignored (argos.eventLoopLag must be"
                + " a duration such as 250ms, 2s, 5m, 1h or PT0.25S but was fast); its default is"
                + " used",
            "config file a.properties: argos.memoryGrowth=1.5 ignored (memoryGrowth must be in"
                + " (0, 1] but was 1.5); its default is used",
            "config file a.properties: unknown setting argos.nope ignored (known: "
                + String.join(", ", AgentSettings.DESCRIPTIONS.keySet())
                + ")",
            "config file a.properties: argos.sampleRate=0ms ignored (sampleRate must be in"
                + " [PT0.001S, PT1H] but was PT0S); its default is used");
    ArgosConfig c = argos(s);
    assertThat(c.sampleRate()).isEqualTo(ArgosConfig.DEFAULT_SAMPLE_RATE);
    assertThat(c.thresholds().fileHandleUsage()).isEqualTo(0.5);
  }

  @Test
  void aWindowShorterThanTheSampleRateDropsBothToTheirDefaults() {
    AgentSettings s =
        AgentSettings.parse(props("argos.sampleRate", "2s", "argos.windowSize", "1s"), "f");
    assertThat(s.values()).isEmpty();
    assertThat(s.problems())
        .containsExactly(
            "f: argos.sampleRate and argos.windowSize ignored (windowSize must be at least"
                + " sampleRate (PT2S) but was PT1S); their defaults are used");
    assertThat(argos(s).windowSize()).isEqualTo(ArgosConfig.DEFAULT_WINDOW_SIZE);
  }

  @Test
  void durationForms() {
    assertThat(AgentSettings.duration("d", "250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(AgentSettings.duration("d", "2S")).isEqualTo(Duration.ofSeconds(2));
    assertThat(AgentSettings.duration("d", "5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(AgentSettings.duration("d", "1h")).isEqualTo(Duration.ofHours(1));
    assertThat(AgentSettings.duration("d", "PT0.25S")).isEqualTo(Duration.ofMillis(250));
    assertThatThrownBy(() -> AgentSettings.duration("d", "100"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("d must be a duration");
    assertThatThrownBy(() -> AgentSettings.duration("d", "Pxyz"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aFileIsReadAsUtf8AndAnOversizedOneIsRefusedWhole() throws Exception {
    Path f = tmp.resolve("argos.properties");
    Files.writeString(f, "# comment\nargos.app=caf\u00e9\nargos.windowSize=10s\n",
        StandardCharsets.UTF_8);
    AgentSettings s = AgentSettings.read(f);
    assertThat(s.problems()).isEmpty();
    assertThat(s.builders().app).isEqualTo("caf\u00e9");
    Path big = tmp.resolve("big.properties");
    Files.writeString(big, "argos.app=x\n" + "#".repeat((int) AgentSettings.MAX_FILE_BYTES));
    AgentSettings b = AgentSettings.read(big);
    assertThat(b.values()).isEmpty();
    assertThat(b.problems()).singleElement().asString().contains("larger than 65536 bytes");
  }

  @Test
  void aFileWhoseReportedSizeLiesIsReadAtMostToTheLimit() {
    // /proc files report size 0 whatever they hold: kallsyms is megabytes of text (one unknown
    // key a line), which must not be read whole, nor make a WARN line per line
    Path lying = Path.of("/proc/kallsyms");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(lying), "Linux /proc");
    AgentSettings s =
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
            Duration.ofSeconds(20), () -> AgentSettings.read(lying));
    assertThat(s.values()).isEmpty();
    assertThat(s.problems()).singleElement().asString().contains("larger than 65536 bytes");
  }

  @Test
  void aWrongFileOfManyUnknownEntriesIsAFewProblemsNotOneAnEntry() throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 1_000; i++) {
      sb.append("key").append(i).append("=v\n");
    }
    Path wrong = tmp.resolve("wrong.properties");
    Files.writeString(wrong, sb.toString() + "argos.app=kept\n", StandardCharsets.UTF_8);
    AgentSettings s = AgentSettings.read(wrong);
    assertThat(s.builders().app).isEqualTo("kept");
    assertThat(s.problems()).hasSize(AgentSettings.MAX_UNKNOWN_SHOWN + 1);
    assertThat(s.problems().get(AgentSettings.MAX_UNKNOWN_SHOWN))
        .contains((1_000 - AgentSettings.MAX_UNKNOWN_SHOWN) + " more unknown settings ignored");
  }
}
