package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry file deleted or renamed away while open is noticed within a second and reopened. */
class ProblemRegistryDeletedFileTest {
  @TempDir Path dir;

  @Test
  void aDeletedFileIsRecreatedWithinASecondWithTheLaterRecords() throws Exception {
    Path file = dir.resolve("p.jsonl");
    ManualClock clock = Clock.manual();
    try (ProblemRegistry reg = ProblemRegistry.builder(file).minFreeBytes(0).clock(clock).open()) {
      reg.onSignal(ProblemRegistryTest.signal(0));
      Files.delete(file);
      clock.advance(Duration.ofMillis(999));
      reg.onSignal(ProblemRegistryTest.signal(1)); // within the second: not checked yet
      clock.advance(Duration.ofMillis(1));
      reg.onSignal(ProblemRegistryTest.signal(2)); // a second later: noticed, reopened
      reg.onSignal(ProblemRegistryTest.signal(3));
      assertThat(Files.exists(file)).isTrue();
      assertThat(ProblemRegistry.read(file))
          .extracting(r -> r.data().get("seq"))
          .containsExactly(2, 3);
      assertThat(reg.linesWritten()).isEqualTo(4);
    }
  }

  @Test
  void aFileRenamedAwayIsReplacedByANewOneWithinASecond() throws Exception {
    // what an external log rotator does (rename, expect the writer to create a new file)
    Path file = dir.resolve("p.jsonl");
    Path moved = dir.resolve("p.jsonl.old");
    ManualClock clock = Clock.manual();
    try (ProblemRegistry reg = ProblemRegistry.builder(file).minFreeBytes(0).clock(clock).open()) {
      reg.onSignal(ProblemRegistryTest.signal(0));
      Files.move(file, moved);
      reg.onSignal(ProblemRegistryTest.signal(1)); // still the renamed file, until the check
      clock.advance(Duration.ofSeconds(1));
      reg.onSignal(ProblemRegistryTest.signal(2));
    }
    assertThat(ProblemRegistry.read(moved))
        .extracting(r -> r.data().get("seq"))
        .containsExactly(0, 1);
    assertThat(ProblemRegistry.read(file)).extracting(r -> r.data().get("seq")).containsExactly(2);
  }

  @Test
  void aTruncatedFileIsMeasuredAgainSoRotationStaysOnTime() throws Exception {
    // copy-and-truncate rotation: the writer's idea of the size is corrected within a second
    Path file = dir.resolve("p.jsonl");
    ManualClock clock = Clock.manual();
    try (ProblemRegistry reg =
        ProblemRegistry.builder(file).maxFileBytes(4096).minFreeBytes(0).clock(clock).open()) {
      int seq = 0;
      while (Files.size(file) < 3000) {
        reg.onSignal(ProblemRegistryTest.signal(seq++));
      }
      try (var ch =
          java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
        ch.truncate(0);
      }
      clock.advance(Duration.ofSeconds(1));
      int after = seq;
      while (Files.size(file) < 3000) {
        reg.onSignal(ProblemRegistryTest.signal(seq++));
      }
      assertThat(reg.rotations()).isZero();
      assertThat(ProblemRegistry.read(file))
          .first()
          .extracting(r -> r.data().get("seq"))
          .isEqualTo(after);
    }
  }
}
