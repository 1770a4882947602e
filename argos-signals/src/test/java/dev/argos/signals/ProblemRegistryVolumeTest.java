package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes a registry of 100 000 lines and reads it back; prints the write throughput and the read
 * time (the figures quoted in docs/registry.md). Run alone with {@code mvn -B -q -pl argos-signals
 * -am verify -Dtest=ProblemRegistryVolumeTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ProblemRegistryVolumeTest {
  @TempDir Path dir;

  @Test
  void writesAndReadsBackOneHundredThousandLines() throws Exception {
    Path file = dir.resolve("big.jsonl");
    int n = 100_000;
    Signal[] signals = new Signal[1000];
    Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
    for (int i = 0; i < signals.length; i++) {
      signals[i] =
          Signal.builder(i % 2 == 0 ? Signal.TYPE_BURST : Signal.TYPE_EVENT_LOOP_LAG)
              .severity(i % 5 == 0 ? Severity.CRITICAL : Severity.WARNING)
              .source("argos")
              .timestamp(t0.plusSeconds(i * 60L))
              .key("client-" + (i % 50))
              .message("rate " + (200 + i) + "/s, baseline 12.5/s")
              .data("rate", 200.0 + i)
              .data("baselineRate", 12.5)
              .data("multiplier", 16.0)
              .data("windowMs", 1000)
              .build();
    }
    long start = System.nanoTime();
    try (ProblemRegistry reg =
        ProblemRegistry.builder(file).maxFileBytes(1L << 30).app("volume").open()) {
      for (int i = 0; i < n; i++) {
        reg.onSignal(signals[i % signals.length]);
      }
      assertThat(reg.linesWritten()).isEqualTo(n);
    }
    long writeNanos = System.nanoTime() - start;

    start = System.nanoTime();
    ProblemRegistry.ReadResult rr = ProblemRegistry.readAll(file);
    long readNanos = System.nanoTime() - start;

    assertThat(rr.records()).hasSize(n);
    assertThat(rr.skippedLines()).isZero();

    start = System.nanoTime(); // again, with the reader's code compiled by the JIT
    assertThat(ProblemRegistry.readAll(file).records()).hasSize(n);
    long rereadNanos = System.nanoTime() - start;
    assertThat(rr.records().get(n - 1).key()).isEqualTo("client-49");
    System.out.printf(
        "registry volume: wrote %d lines (%d bytes) in %d ms = %.0f lines/s;"
            + " read back in %d ms (first read), %d ms (second read)%n",
        n,
        Files.size(file),
        writeNanos / 1_000_000,
        n / (writeNanos / 1e9),
        readNanos / 1_000_000,
        rereadNanos / 1_000_000);
  }
}
