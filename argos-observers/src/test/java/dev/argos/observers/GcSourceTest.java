package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where GC figures come from is decided by the GC source handed to the samplers, not by the
 * clock's class: a manual source is fed by hand and never replaced by MXBean polling.
 */
class GcSourceTest {
  @Test
  void aManualSourceIsNeverPolledAndAStartedOneListens() {
    GcMonitor manual = GcMonitor.manual();
    assertThat(manual.available()).isFalse();
    assertThat(manual.pollsMxBeansInstead()).isFalse();
    try (GcMonitor live = GcMonitor.start()) {
      // a HotSpot JDK has com.sun.management: notifications, no polling
      assertThat(live.available()).isTrue();
      assertThat(live.pollsMxBeansInstead()).isFalse();
    }
  }

  private static java.util.Set<Thread> samplerThreads() {
    java.util.Set<Thread> out = new java.util.HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals(SamplerEngine.THREAD_NAME)) {
        out.add(t);
      }
    }
    return out;
  }

  @Test
  void anArgosOnAManualClockStartsNoThreadAndListensToNoCollector() {
    java.util.Set<Thread> before = samplerThreads();
    try (Argos argos = Argos.createArgos(ArgosConfig.builder().clock(Clock.manual()).build())) {
      argos.start();
      assertThat(samplerThreads()).isEqualTo(before);
      assertThat(argos.gcMonitor().available()).isFalse();
      assertThat(argos.gcMonitor().pollsMxBeansInstead()).isFalse();
    }
    try (Argos argos = Argos.createArgos(ArgosConfig.defaults())) {
      assertThat(argos.gcMonitor().available()).as("the system clock: the JVM's collectors").isTrue();
    }
  }

  @Test
  void aHeapSamplerOnAManualSourceSeesOnlyTheEventsRecordedByHand() {
    ManualClock clock = Clock.manual();
    GcMonitor gc = GcMonitor.manual();
    List<Signal> signals = new ArrayList<>();
    HeapSampler heap =
        new HeapSampler(
            ArgosConfig.builder().clock(clock).windowSize(Duration.ofSeconds(60)).build(),
            gc,
            signals::add);
    java.util.Map<String, Object> figures = new java.util.LinkedHashMap<>();
    heap.tick(clock.nanoTime());
    heap.snapshot(figures);
    assertThat(figures).containsEntry("gc.observed", false).containsEntry("gc.events", 0L);
    System.gc(); // a real collection is not seen through a manual source
    gc.record("G1 Young Generation", "end of minor GC", "G1 Evacuation Pause", clock.nanoTime(),
        3, false, 300L << 20, 100L << 20, 1L << 30);
    clock.advanceMillis(100);
    heap.tick(clock.nanoTime());
    heap.snapshot(figures);
    assertThat(figures).containsEntry("gc.events", 1L).containsEntry("heap.liveSetBytes", 100L << 20);
  }
}
