package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Measures what one tick of the heap sampler costs on the sampler thread (printed, not asserted:
 * the machine is shared). Quoted in docs/signals/memoryPressure.md.
 */
class HeapSamplerCostTest {
  @Test
  void measuresTickCost() {
    ManualClock clock = Clock.manual();
    GcMonitor gc = GcMonitor.manual();
    List<Object> signals = new ArrayList<>();
    HeapSampler s =
        new HeapSampler(
            ArgosConfig.builder().clock(clock).windowSize(Duration.ofSeconds(60)).build(),
            gc,
            signals::add);
    // 3 windows of history: one GC every 500 ms
    for (int k = 0; k < 1800; k++) {
      clock.advanceMillis(100);
      if (k % 5 == 0) {
        gc.record("G1 Young Generation", "end of minor GC", "G1 Evacuation Pause", clock.nanoTime(),
            5, false, 500L << 20, 200L << 20, 1L << 30);
      }
      s.tick(clock.nanoTime());
    }
    long quiet = measure(s, clock, gc, false);
    long withGc = measure(s, clock, gc, true);
    System.out.printf("argos-cost HeapSampler.tick: %.2f us without a new GC event, %.2f us with one%n",
        quiet / 1e3, withGc / 1e3);
    Map<String, Object> snap = new LinkedHashMap<>();
    s.snapshot(snap);
    assertThat(snap).containsKeys("heap.liveSetBytes", "gc.overhead");
    assertThat(signals).isEmpty();
  }

  private static long measure(HeapSampler s, ManualClock clock, GcMonitor gc, boolean withEvent) {
    int n = 200_000;
    long best = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      for (int k = 0; k < n; k++) {
        clock.advanceMillis(100);
        if (withEvent) {
          gc.record("G1 Young Generation", "end of minor GC", "G1 Evacuation Pause", clock.nanoTime(),
              5, false, 500L << 20, 200L << 20, 1L << 30);
        }
        s.tick(clock.nanoTime());
      }
      best = Math.min(best, (System.nanoTime() - t0) / n);
    }
    return best;
  }
}
