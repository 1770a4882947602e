package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The degraded mode (no GC notifications, as where com.sun.management is missing): the heap
 * sampler polls the standard collector and pool MXBeans, and a real leak still fires growth.
 * Ticked by hand on the real clock; the waits are on the signal queue.
 */
class HeapSamplerPollingTest {
  private static final int MB = 1024 * 1024;

  @Test
  void pollingMxBeansFindsARealLeak() throws InterruptedException {
    BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    ArgosConfig config =
        ArgosConfig.builder()
            .sampleRate(Duration.ofMillis(20))
            .windowSize(Duration.ofSeconds(2))
            .build();
    HeapSampler sampler = new HeapSampler(config, GcMonitor.manual(), signals::add, true);
    List<byte[]> leak = new ArrayList<>();
    Signal growth = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
    while (growth == null && System.nanoTime() < deadline && leak.size() < 400) {
      leak.add(new byte[MB]);
      System.gc();
      sampler.tick(System.nanoTime());
      // waits for a signal; paces the loop at one leaked MB per 100 ms
      Signal s = signals.poll(100, TimeUnit.MILLISECONDS);
      if (s != null && "growth".equals(s.data().get("reason"))) {
        growth = s;
      }
    }
    assertThat(growth).as("growth within 25 s, leaked %d MB", leak.size()).isNotNull();
    assertThat((Double) growth.data().get("growth")).isGreaterThan(0.2);
    assertThat((Long) growth.data().get("heapMaxBytes")).isPositive();
    Map<String, Object> snap = new LinkedHashMap<>();
    sampler.snapshot(snap);
    assertThat(snap).containsEntry("gc.observed", true);
    assertThat((Long) snap.get("gc.events")).isPositive();
    assertThat((Long) snap.get("heap.liveSetBytes")).isGreaterThan(20L * MB);
  }
}
