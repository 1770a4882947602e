package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A writer killed with SIGKILL mid-stream loses at most the line it was writing. */
class ProblemRegistryKillTest {
  @TempDir Path dir;

  @Test
  void sigkillLosesAtMostTheLineBeingWritten() throws Exception {
    Path file = dir.resolve("killed.jsonl");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-Xmx64m",
                "-cp",
                System.getProperty("java.class.path"),
                ProblemRegistryKillChild.class.getName(),
                file.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child.log").toFile())
            .start();
    try {
      // the child is another process writing asynchronously: poll its file (Awaitility),
      // generous bound for a loaded machine (JVM start-up included)
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(5))
          .until(() -> Files.exists(file) && Files.size(file) > 2 * 1024 * 1024);
    } finally {
      child.destroyForcibly(); // SIGKILL on Linux
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    if (File.separatorChar == '/') {
      assertThat(child.exitValue()).isEqualTo(137); // 128 + SIGKILL: killed, not exited
    }
    ProblemRegistry.ReadResult rr = ProblemRegistry.readAll(file);
    List<ProblemRecord> records = rr.records();
    long lines = Files.readAllLines(file).size();
    System.out.printf(
        "kill test: %d complete records, %d torn line(s) skipped, %d bytes%n",
        records.size(), rr.skippedLines(), Files.size(file));
    assertThat(records.size()).isGreaterThan(1_000);
    assertThat(rr.skippedLines()).isLessThanOrEqualTo(1);
    // every complete line is there: sequence numbers 0..n-1 without a gap
    for (int i = 0; i < records.size(); i++) {
      assertThat(((Number) records.get(i).data().get("seq")).longValue()).isEqualTo(i);
    }
    assertThat(lines).isBetween((long) records.size(), (long) records.size() + 1);
    assertThat(records.get(0).app()).isEqualTo("kill-child");
    assertThat(records.get(0).pid()).isEqualTo(child.pid());
  }
}
