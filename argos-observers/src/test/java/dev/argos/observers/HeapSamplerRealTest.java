package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The heap sampler on the real JVM: real collections (System.gc() and young GCs), real GC
 * notifications, a short window (2 s) so that the warm-up window plus one judged window take
 * about 4 s. The waits are on the signal queue (GC notifications arrive asynchronously).
 */
class HeapSamplerRealTest {
  private static final int MB = 1024 * 1024;

  private static Argos argos(BlockingQueue<Signal> signals) {
    return Argos.createArgos(
        ArgosConfig.builder()
            .sampleRate(Duration.ofMillis(20))
            .windowSize(Duration.ofSeconds(2))
            .onAnomaly(signals::add)
            .build());
  }

  private static boolean isGrowth(Signal s) {
    return Signal.TYPE_MEMORY_PRESSURE.equals(s.type()) && "growth".equals(s.data().get("reason"));
  }

  @Test
  void retainedArraysAcrossCollectionsSignalGrowth() throws InterruptedException {
    BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    List<byte[]> leak = new ArrayList<>();
    Signal growth = null;
    try (Argos argos = argos(signals)) {
      assumeTrue(argos.gcMonitor().available(), "needs com.sun.management GC notifications");
      argos.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
      while (growth == null && System.nanoTime() < deadline && leak.size() < 400) {
        leak.add(new byte[MB]); // about 10 MB/s retained
        System.gc();
        // waits for a signal; paces the loop at one leaked MB per 100 ms
        Signal s = signals.poll(100, TimeUnit.MILLISECONDS);
        if (s != null && isGrowth(s)) {
          growth = s;
        }
      }
    }
    assertThat(growth).as("growth signal within 25 s, leaked %d MB", leak.size()).isNotNull();
    System.out.println("real leak: " + growth);
    assertThat(growth.key()).isEqualTo("heap");
    assertThat((Double) growth.data().get("growth")).isGreaterThan(0.2);
    assertThat((Double) growth.data().get("slopeBytesPerSecond")).isPositive();
    assertThat(growth.data().get("secondsToExhaustion")).isNotNull();
    assertThat((Long) growth.data().get("liveSetBytes")).isGreaterThan(20L * MB);
    assertThat(growth.data().get("heapMaxBytes")).isNotNull();
    assertThat(leak).isNotEmpty();
  }

  @Test
  void garbageChurnWithSteadyLiveSetDoesNotSignalGrowth() throws InterruptedException {
    BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    byte[][] steady = new byte[32][];
    for (int i = 0; i < steady.length; i++) {
      steady[i] = new byte[MB];
    }
    List<Signal> seen = new ArrayList<>();
    long judged = 0;
    long sink = 0;
    try (Argos argos = argos(signals)) {
      assumeTrue(argos.gcMonitor().available(), "needs com.sun.management GC notifications");
      argos.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
      long judgedSince = 0;
      while (System.nanoTime() < deadline) {
        // short-lived garbage: about 64 MB per step, dead at once; young GCs run on their own
        for (int i = 0; i < 64; i++) {
          byte[] garbage = new byte[MB];
          sink += garbage.length;
        }
        System.gc();
        // waits for a signal; paces the loop at about one step per 50 ms
        Signal s = signals.poll(50, TimeUnit.MILLISECONDS);
        if (s != null) {
          seen.add(s);
        }
        if (argos.snapshot().get("heap.growth") != null) {
          judged++;
          if (judgedSince == 0) {
            judgedSince = System.nanoTime();
          } else if (System.nanoTime() - judgedSince > TimeUnit.SECONDS.toNanos(3)) {
            break; // judged for 3 s (one and a half windows) of churn
          }
        }
      }
    }
    assertThat(judged).as("the sampler judged growth at all").isPositive();
    assertThat(seen).filteredOn(HeapSamplerRealTest::isGrowth).isEmpty();
    assertThat(steady[31]).hasSize(MB);
    assertThat(sink).isPositive();
  }
}
