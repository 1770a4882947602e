package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Every invalid setting of DESIGN §3 is refused when built, naming the setting and the value. */
class ArgosConfigTest {

  @Test
  void defaultsAreThoseOfTheDesign() {
    ArgosConfig c = ArgosConfig.defaults();
    assertThat(c.sampleRate()).isEqualTo(Duration.ofMillis(100));
    assertThat(c.windowSize()).isEqualTo(Duration.ofSeconds(60));
    Thresholds t = c.thresholds();
    assertThat(t.eventLoopLag()).isEqualTo(Duration.ofMillis(50));
    assertThat(t.memoryGrowth()).isEqualTo(0.20);
    assertThat(t.burstMultiplier()).isEqualTo(10);
    assertThat(t.fileHandleUsage()).isEqualTo(0.90);
    assertThat(c.onAnomaly()).isEmpty();
  }

  @Test
  void invalidDurationsAreRefused() {
    refused(b -> b.sampleRate(Duration.ZERO), "sampleRate", "PT0S");
    refused(b -> b.sampleRate(Duration.ofMillis(-5)), "sampleRate", "PT-0.005S");
    refused(b -> b.windowSize(Duration.ZERO), "windowSize", "PT0S");
    refused(b -> b.windowSize(Duration.ofSeconds(-1)), "windowSize", "PT-1S");
    assertThatThrownBy(
            () -> ArgosConfig.builder().sampleRate(Duration.ofSeconds(2)).windowSize(Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("windowSize")
        .hasMessageContaining("PT1S")
        .hasMessageContaining("sampleRate");
  }

  @Test
  void invalidThresholdsAreRefused() {
    thresholdRefused(b -> b.eventLoopLag(Duration.ZERO), "eventLoopLag", "PT0S");
    thresholdRefused(b -> b.eventLoopLag(Duration.ofMillis(-1)), "eventLoopLag", "PT-0.001S");
    for (String name : new String[] {"memoryGrowth", "heapUsageAfterGc", "gcOverhead", "fileHandleUsage", "threadUsage"}) {
      for (double bad : new double[] {0, -0.1, 1.5, Double.NaN, Double.POSITIVE_INFINITY}) {
        thresholdRefused(b -> share(b, name, bad), name, String.valueOf(bad));
      }
    }
    for (double bad : new double[] {1, 0.5, 0, -3, Double.NaN, Double.POSITIVE_INFINITY}) {
      thresholdRefused(b -> b.burstMultiplier(bad), "burstMultiplier", String.valueOf(bad));
    }
    for (double bad : new double[] {0, -1, Double.NaN}) {
      thresholdRefused(b -> b.burstMinRate(bad), "burstMinRate", String.valueOf(bad));
      thresholdRefused(b -> b.keyBurstMinRate(bad), "keyBurstMinRate", String.valueOf(bad));
    }
    // the bounds themselves are valid
    Thresholds ok = Thresholds.builder().memoryGrowth(1).fileHandleUsage(1).burstMultiplier(1.01).build();
    assertThat(ok.memoryGrowth()).isEqualTo(1);
  }

  @Test
  void nullsAreRefused() {
    assertThatThrownBy(() -> ArgosConfig.builder().thresholds(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> ArgosConfig.builder().onAnomaly(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> ArgosConfig.builder().sampleRate(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("sampleRate");
  }

  private static void share(Thresholds.Builder b, String name, double v) {
    switch (name) {
      case "memoryGrowth":
        b.memoryGrowth(v);
        break;
      case "heapUsageAfterGc":
        b.heapUsageAfterGc(v);
        break;
      case "gcOverhead":
        b.gcOverhead(v);
        break;
      case "fileHandleUsage":
        b.fileHandleUsage(v);
        break;
      default:
        b.threadUsage(v);
    }
  }

  private static void refused(Consumer<ArgosConfig.Builder> setter, String name, String value) {
    assertThatThrownBy(() -> setter.accept(ArgosConfig.builder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(name)
        .hasMessageContaining(value);
  }

  private static void thresholdRefused(Consumer<Thresholds.Builder> setter, String name, String value) {
    assertThatThrownBy(() -> setter.accept(Thresholds.builder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(name)
        .hasMessageContaining(value);
  }
}
