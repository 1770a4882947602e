package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.core.Signal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One writer per registry file: shared inside a JVM, refused to a second process. */
class ProblemRegistryOneWriterTest {
  @TempDir Path dir;

  @Test
  void twoOpensInOneJvmShareTheWriterLoseNothingAndKeepTheSizeLimit() throws Exception {
    Path file = dir.resolve("p.jsonl");
    Files.createDirectories(dir.resolve("sub"));
    Path sameFile = dir.resolve("sub/../p.jsonl"); // another spelling of the same file
    long max = 32 * 1024;
    int threadsPerHandle = 2;
    int each = 1_500;
    List<Thread> threads = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    ProblemRegistry a = ProblemRegistry.builder(file).maxFileBytes(max).backups(100).open();
    ProblemRegistry b = ProblemRegistry.builder(sameFile).maxFileBytes(max).backups(100).open();
    try (a;
        b) {
      int base = 0;
      for (ProblemRegistry reg : List.of(a, b)) {
        for (int t = 0; t < threadsPerHandle; t++) {
          int from = base;
          base += each;
          Thread th =
              new Thread(
                  () -> {
                    try {
                      start.await();
                    } catch (InterruptedException e) {
                      return;
                    }
                    for (int i = 0; i < each; i++) {
                      reg.onSignal(ProblemRegistryTest.signal(from + i));
                    }
                  });
          th.start();
          threads.add(th);
        }
      }
      start.countDown();
      for (Thread th : threads) {
        th.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(th.isAlive()).isFalse();
      }
      assertThat(a.linesWritten() + b.linesWritten()).isEqualTo(2L * threadsPerHandle * each);
      assertThat(a.linesDropped() + b.linesDropped()).isZero();
    }
    int total = 2 * threadsPerHandle * each;
    Set<Object> seqs = new HashSet<>();
    int records = 0;
    int skipped = 0;
    List<Path> files = new ArrayList<>(List.of(file));
    for (int i = 1; Files.exists(dir.resolve("p.jsonl." + i)); i++) {
      files.add(dir.resolve("p.jsonl." + i));
    }
    assertThat(files.size()).isGreaterThan(10).isLessThan(100); // rotated, nothing deleted
    for (Path f : files) {
      assertThat(Files.size(f)).as("size of %s", f).isLessThanOrEqualTo(max);
      ProblemRegistry.ReadResult rr = ProblemRegistry.readAll(f);
      skipped += rr.skippedLines();
      records += rr.records().size();
      rr.records().forEach(r -> seqs.add(r.data().get("seq")));
    }
    assertThat(skipped).isZero();
    assertThat(records).isEqualTo(total);
    assertThat(seqs).hasSize(total);
  }

  @Test
  void closingOneOfTwoOpensKeepsTheOtherWriting() throws Exception {
    Path file = dir.resolve("p.jsonl");
    ProblemRegistry a = ProblemRegistry.open(file);
    try (ProblemRegistry b = ProblemRegistry.open(file)) {
      a.onSignal(ProblemRegistryTest.signal(0));
      a.close();
      a.onSignal(ProblemRegistryTest.signal(1)); // a is closed: dropped and counted
      b.onSignal(ProblemRegistryTest.signal(2));
      assertThat(a.linesWritten()).isEqualTo(1);
      assertThat(a.linesDropped()).isEqualTo(1);
      assertThat(b.linesWritten()).isEqualTo(1);
    }
    assertThat(ProblemRegistry.read(file))
        .extracting(r -> r.data().get("seq"))
        .containsExactly(0, 2);
    try (ProblemRegistry c = ProblemRegistry.open(file)) { // the last close released the file
      c.onSignal(ProblemRegistryTest.signal(3));
    }
    assertThat(ProblemRegistry.read(file)).hasSize(3);
  }

  @Test
  void theLowDiskReportReachesTheErrorSinkOfEveryRegistrySharingTheFile() {
    Path file = dir.resolve("p.jsonl");
    List<Signal> toA = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Signal> toB = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (ProblemRegistry a =
            ProblemRegistry.builder(file).minFreeBytes(Long.MAX_VALUE).errorSink(toA::add).open();
        ProblemRegistry b =
            ProblemRegistry.builder(file).minFreeBytes(Long.MAX_VALUE).errorSink(toB::add).open()) {
      b.onSignal(ProblemRegistryTest.signal(0));
      a.onSignal(ProblemRegistryTest.signal(1));
      assertThat(a.isStoppedForLowDisk()).isTrue();
      assertThat(b.isStoppedForLowDisk()).isTrue();
      assertThat(a.linesDropped()).isEqualTo(1);
      assertThat(b.linesDropped()).isEqualTo(1);
    }
    assertThat(toA).singleElement().extracting(Signal::type).isEqualTo(Signal.TYPE_ERROR);
    assertThat(toB).singleElement().extracting(Signal::type).isEqualTo(Signal.TYPE_ERROR);
  }

  @Test
  void aSecondOpenWithOtherWriterSettingsIsRefusedNamingThePath() {
    Path file = dir.resolve("p.jsonl");
    try (ProblemRegistry a = ProblemRegistry.builder(file).maxFileBytes(4096).open()) {
      assertThatThrownBy(() -> ProblemRegistry.builder(file).maxFileBytes(8192).open())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(file.getFileName().toString())
          .hasMessageContaining("maxFileBytes");
      a.onSignal(ProblemRegistryTest.signal(0));
      assertThat(a.linesWritten()).isEqualTo(1);
    }
  }

  /** A symbolic or hard link to an open registry file is that file: one writer, not two. */
  @Test
  void aLinkToAnOpenFileSharesItsWriter() throws Exception {
    Path file = dir.resolve("p.jsonl");
    try (ProblemRegistry a = ProblemRegistry.builder(file).maxFileBytes(4096).open()) {
      a.onSignal(ProblemRegistryTest.signal(0));
      Path sym = Files.createSymbolicLink(dir.resolve("sym.jsonl"), file);
      Path hard = Files.createLink(dir.resolve("hard.jsonl"), file);
      for (Path other : List.of(sym, hard)) {
        // shared: so a second open asking for other writer settings is refused
        assertThatThrownBy(() -> ProblemRegistry.builder(other).maxFileBytes(8192).open())
            .as(other.toString())
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("already open in this JVM");
        try (ProblemRegistry b = ProblemRegistry.builder(other).maxFileBytes(4096).open()) {
          b.onSignal(ProblemRegistryTest.signal(1));
        }
      }
      a.onSignal(ProblemRegistryTest.signal(2));
    }
    assertThat(ProblemRegistry.read(file)).hasSize(4);
  }

  @Test
  void anotherProcessCannotWriteWhileTheFileIsOpen() throws Exception {
    Path file = dir.resolve("p.jsonl");
    try (ProblemRegistry reg = ProblemRegistry.builder(file).minFreeBytes(0).open()) {
      reg.onSignal(ProblemRegistryTest.signal(0));
      Child refused = runChild(file);
      assertThat(refused.exit).as(refused.output).isEqualTo(ProblemRegistryLockChild.REFUSED);
      assertThat(refused.output)
          .startsWith("refused: ")
          .contains(file.getFileName().toString())
          .contains("another process")
          .contains("pid " + ProcessHandle.current().pid())
          .contains("p.jsonl.lock");
      reg.onSignal(ProblemRegistryTest.signal(1));
    }
    assertThat(ProblemRegistry.read(file))
        .extracting(ProblemRecord::app)
        .doesNotContain("lock-child");
    // once closed, the file is free for another process
    Child wrote = runChild(file);
    assertThat(wrote.exit).as(wrote.output).isZero();
    assertThat(wrote.output).isEqualTo("wrote");
    assertThat(ProblemRegistry.read(file))
        .extracting(ProblemRecord::app)
        .containsExactly("unknown", "unknown", "lock-child");
  }

  private record Child(int exit, String output) {}

  private Child runChild(Path file) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path out = Files.createTempFile(dir, "child", ".log");
    Process child =
        new ProcessBuilder(
                java,
                "-Xmx64m",
                "-cp",
                System.getProperty("java.class.path"),
                ProblemRegistryLockChild.class.getName(),
                file.toString())
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!child.waitFor(60, TimeUnit.SECONDS)) {
      child.destroyForcibly();
      throw new AssertionError("child JVM did not finish in 60 s");
    }
    return new Child(child.exitValue(), Files.readString(out, StandardCharsets.UTF_8).strip());
  }
}
