package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resource sampler inside a real Argos, ticked by hand (the engine is not started): its
 * snapshot figures follow real threads and real open files.
 */
class ResourceSamplerRealTest {
  @TempDir Path tmp;

  private long now = System.nanoTime();

  private ArgosSnapshot tick(Argos argos) {
    now += TimeUnit.SECONDS.toNanos(2); // past the resource interval
    argos.engine().runOnce(now);
    return argos.snapshot();
  }

  @Test
  void snapshotFollowsRealThreads() throws InterruptedException {
    try (Argos argos = Argos.createArgos()) {
      long base = tick(argos).getLong("threads.live", -1);
      assertThat(base).isPositive();
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch started = new CountDownLatch(25);
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        Thread t = new Thread(() -> {
          started.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "real-thread-" + i);
        t.start();
        threads.add(t);
      }
      try {
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(tick(argos).getLong("threads.live", -1)).isGreaterThanOrEqualTo(base + 25);
      } finally {
        release.countDown();
        for (Thread t : threads) {
          t.join(10_000);
        }
      }
      assertThat(tick(argos).getLong("threads.live", -1)).isLessThan(base + 25);
    }
  }

  @Test
  void snapshotFollowsRealDescriptors() throws Exception {
    try (Argos argos = Argos.createArgos()) {
      ArgosSnapshot before = tick(argos);
      long base = before.getLong("fd.open", -1);
      if (base < 0) {
        assertThat(before.get("fd.max")).isNull(); // platform without descriptors: nothing shown
        return;
      }
      assertThat(before.getLong("fd.max", -1)).isGreaterThan(base);
      Path f = Files.createFile(tmp.resolve("f"));
      List<FileChannel> files = new ArrayList<>();
      try {
        for (int i = 0; i < 50; i++) {
          files.add(FileChannel.open(f, StandardOpenOption.READ));
        }
        ArgosSnapshot during = tick(argos);
        assertThat(during.getLong("fd.open", -1) - base).isBetween(48L, 60L);
        assertThat(during.getDouble("fd.usage", -1)).isPositive();
      } finally {
        for (FileChannel c : files) {
          c.close();
        }
      }
    }
  }
}
