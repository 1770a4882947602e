package dev.argos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code argos tail}: one line per signal, colour only on a terminal, follows rotations. */
class TailCommandTest {
  @TempDir Path dir;

  @Test
  void oneLinePerSignalAndNoColourWithoutATerminal() {
    Path f = dir.resolve("r.jsonl");
    Registries.known(f);
    Run r = Run.of("tail", "--from-start", "--no-follow", f.toString());
    assertThat(r.status()).isZero();
    assertThat(r.err()).isEmpty();
    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSize(10);
    assertThat(lines.get(0))
        .isEqualTo("2026-11-01T10:05:00Z WARNING  burst \"" + Registries.SCRIPT_KEY
            + "\"  rate 500/s");
    assertThat(lines.get(8)).endsWith("[quarantineKey success]");
    // surefire: not a terminal (on JDK 22+ System.console() exists anyway), so auto means no colour
    assertThat(TailCommand.stdoutIsTerminal()).isFalse();
    assertThat(r.out()).doesNotContain("\u001b");
  }

  @Test
  void colourBySeverityWhenAsked() {
    Path f = dir.resolve("r.jsonl");
    Registries.known(f);
    List<String> lines =
        Run.of("tail", "--no-follow", "--color=always", f.toString()).out().lines().toList();
    assertThat(lines.get(0)).startsWith(TailCommand.YELLOW).endsWith(TailCommand.RESET);
    assertThat(lines.get(1)).startsWith(TailCommand.RED);
    assertThat(lines.get(7)).startsWith(TailCommand.CYAN);
    assertThat(Run.of("tail", "--no-follow", "--color=never", f.toString()).out())
        .doesNotContain("\u001b");
  }

  @Test
  void jsonIsOneObjectALine() throws Exception {
    Path f = dir.resolve("r.jsonl");
    Registries.known(f);
    Files.writeString(f, "not json\n", java.nio.file.StandardOpenOption.APPEND);
    List<String> lines =
        Run.of("tail", "--no-follow", "--format", "json", f.toString()).out().lines().toList();
    assertThat(lines).hasSize(11);
    ObjectMapper m = new ObjectMapper();
    for (String l : lines) {
      assertThat(m.readTree(l).isObject()).isTrue();
    }
    assertThat(m.readTree(lines.get(0)).get("key").asText()).isEqualTo(Registries.SCRIPT_KEY);
    assertThat(m.readTree(lines.get(10)).get("unparsed").asText()).isEqualTo("not json");
  }

  @Test
  void followsNewSignalsAcrossARotationUntilInterrupted() throws Exception {
    Path f = dir.resolve("r.jsonl");
    Registries.write(f, List.of(sig("09:00", "before")));
    StringWriter out = new StringWriter();
    AtomicInteger status = new AtomicInteger(-1);
    Thread t = new Thread(() -> status.set(ArgosCommand.execute(new PrintWriter(out, true),
        new PrintWriter(new StringWriter()), "tail", "--interval", "20", f.toString())),
        "tail-test");
    t.start();
    try {
      // the tail has started when the file it holds is known: wait until a first append shows
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        Registries.write(f, List.of(sig("10:00", "first")));
        assertThat(out.toString()).contains("first");
      });
      Files.move(f, dir.resolve("r.jsonl.1"));
      Registries.write(f, List.of(sig("11:00", "after rotation")));
      await().atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(out.toString()).contains("after rotation"));
      assertThat(out.toString()).doesNotContain("before");
    } finally {
      t.interrupt();
      t.join(10_000);
    }
    assertThat(t.isAlive()).isFalse();
    assertThat(status.get()).isZero();
  }

  private static Signal sig(String ts, String message) {
    return Registries.signal(Signal.TYPE_BURST, Severity.WARNING, ts, "k", message);
  }
}
