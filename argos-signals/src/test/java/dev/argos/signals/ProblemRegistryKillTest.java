package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer killed with SIGKILL mid-stream keeps every record it acknowledged (every {@code
 * onSignal} that returned) and loses at most the line being written.
 */
class ProblemRegistryKillTest {
  @TempDir Path dir;

  @Test
  void sigkillKeepsEveryAcknowledgedRecordAndLosesAtMostTheLineBeingWritten() throws Exception {
    Path file = dir.resolve("killed.jsonl");
    Path acks = dir.resolve("acks.txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-Xmx64m",
                "-cp",
                System.getProperty("java.class.path"),
                ProblemRegistryKillChild.class.getName(),
                file.toString(),
                acks.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child.log").toFile())
            .start();
    try {
      // the child is another process writing asynchronously: poll its acknowledgements
      // (Awaitility), generous bound for a loaded machine (JVM start-up included)
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(5))
          .until(() -> Files.exists(acks) && Files.size(acks) > 40_000);
    } finally {
      child.destroyForcibly(); // SIGKILL on Linux
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    if (File.separatorChar == '/') {
      assertThat(child.exitValue()).isEqualTo(137); // 128 + SIGKILL: killed, not exited
    }
    long acknowledged = lastAcknowledged(acks) + 1; // records 0..acknowledged-1 were acknowledged
    ProblemRegistry.ReadResult rr = ProblemRegistry.readAll(file);
    List<ProblemRecord> records = rr.records();
    System.out.printf(
        Locale.ROOT,
        "kill test: %d acknowledged, %d complete records, %d torn line(s) skipped, %d bytes%n",
        acknowledged,
        records.size(),
        rr.skippedLines(),
        Files.size(file));
    assertThat(acknowledged).isGreaterThan(1_000);
    // every acknowledged record is in the file, in order, without a gap
    assertThat((long) records.size()).isGreaterThanOrEqualTo(acknowledged);
    for (int i = 0; i < records.size(); i++) {
      assertThat(((Number) records.get(i).data().get("seq")).longValue()).isEqualTo(i);
    }
    // beyond them, at most the one line being written (complete but not acknowledged, or torn)
    assertThat(records.size() - acknowledged + rr.skippedLines()).isLessThanOrEqualTo(1);
    assertThat(records.get(0).app()).isEqualTo("kill-child");
    assertThat(records.get(0).pid()).isEqualTo(child.pid());
  }

  /** The last complete acknowledgement line (a torn last line was not acknowledged yet). */
  private static long lastAcknowledged(Path acks) throws Exception {
    String text = Files.readString(acks, StandardCharsets.US_ASCII);
    String complete = text.substring(0, text.lastIndexOf('\n'));
    return Long.parseLong(complete.substring(complete.lastIndexOf('\n') + 1));
  }
}
