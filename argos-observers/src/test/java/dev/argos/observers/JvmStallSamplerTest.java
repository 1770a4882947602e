package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The JVM stall meter driven by a manual clock and direct onWake calls. */
class JvmStallSamplerTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long US = TimeUnit.MICROSECONDS.toNanos(1);

  private final ManualClock clock = Clock.manual();
  private final GcMonitor gc = GcMonitor.manual();
  private final List<Signal> signals = new ArrayList<>();
  private final JvmStallSampler meter =
      new JvmStallSampler(clock, signals::add, gc, 50 * MS, 10 * MS, 60_000 * MS);

  {
    // no quiet time: each stall is an episode of its own, its firing signal carries its own
    // figures (what these tests look at); JvmStallEpisodeTest groups repeated stalls
    meter.quietNanos(0);
  }

  /** One 10 ms park that wakes {@code overshoot} late; returns the park's start. */
  private long park(long overshoot) {
    long start = clock.nanoTime();
    long due = start + 10 * MS;
    clock.advance(java.time.Duration.ofNanos(10 * MS + overshoot));
    meter.onWake(start, due, clock.nanoTime());
    return start;
  }

  /** Normal wake-ups (100 us overshoot) for {@code ms} milliseconds. */
  private void quiet(long ms) {
    for (long t = 0; t < ms; t += 10) {
      park(100 * US);
    }
  }

  private List<Signal> firing() {
    return signals.stream().filter(s -> !s.isResolved()).toList();
  }

  @Test
  void baselineIsSubtractedAndTheThresholdIsStrict() {
    quiet(100); // baseline: 100 us
    park(50 * MS + 100 * US); // hiccup exactly 50 ms: not above the threshold
    quiet(300);
    assertThat(signals).isEmpty();
    park(50 * MS + 200 * US); // hiccup 50.1 ms
    quiet(300); // no GC comes within the grace
    assertThat(firing()).hasSize(1);
    Signal s = firing().get(0);
    assertThat(s.type()).isEqualTo(Signal.TYPE_EVENT_LOOP_LAG);
    assertThat(s.key()).isEqualTo("jvm");
    assertThat(s.source()).isEqualTo(Argos.SOURCE);
    assertThat(s.severity()).isEqualTo(Severity.WARNING);
    assertThat((Double) s.data().get("lagMs")).isCloseTo(50.1, within(0.001));
    assertThat(s.data()).containsEntry("cause", "unknown").containsEntry("inProgress", false)
        .containsEntry("gcPauseMs", 0L).containsEntry("thresholdMs", 50.0);
    assertThat((Double) s.data().get("baselineUs")).isEqualTo(100.0);
  }

  @Test
  void aBaselineOfOrdinaryTimerOvershootIsNotLag() {
    for (int i = 0; i < 50; i++) {
      park(3 * MS); // a coarse timer: always 3 ms late
    }
    park(52 * MS); // 49 ms beyond the usual
    quiet(300);
    assertThat(signals).isEmpty();
    meter.tick(clock.nanoTime());
    Map<String, Object> figures = new LinkedHashMap<>();
    meter.snapshot(figures);
    assertThat((Double) figures.get("lag.jvm.p50Ms")).isLessThan(1.0);
    assertThat((Double) figures.get("lag.jvm.maxMs")).isCloseTo(49.0, within(1.0));
  }

  /** GcMonitor's times run 94 ms behind this clock, as GcInfo's do on a real JDK 17. */
  private static final long GC_CLOCK_SKEW = -94 * MS;

  /** A park during which a GC pauses for {@code pauseMs}, starting 4 ms in; returns its start. */
  private long parkThroughGc(long pauseMs) {
    long start = clock.nanoTime();
    long due = start + 10 * MS;
    // the GC starts 4 ms into the park; the thread wakes 0.3 ms after it ends
    clock.advance(java.time.Duration.ofNanos(4 * MS + pauseMs * MS + 300 * US));
    meter.onWake(start, due, clock.nanoTime());
    assertThat(firing()).as("waits for the GC notification").isEmpty();
    gc.record("G1 Old Generation", "end of major GC", "System.gc()",
        start + 4 * MS + GC_CLOCK_SKEW, pauseMs, false, 0, 0, 0);
    park(100 * US);
    return start;
  }

  @Test
  void aStallWithAGcPauseIsBlamedOnTheGcAndOnceCalibratedMeasuredFromItsStart() {
    quiet(100);
    parkThroughGc(200);
    assertThat(firing()).hasSize(1);
    Signal first = firing().get(0);
    assertThat(first.data()).containsEntry("cause", "gc").containsEntry("gcPauseMs", 200L)
        .containsEntry("gcName", "G1 Old Generation").containsEntry("gcCause", "System.gc()");
    // not calibrated yet: the GC's own pause (200 ms), longer than the hiccup, which misses the
    // part of the pause before the timer was due (204.3 - 10 - 0.1 (baseline) = 194.2 ms)
    assertThat((Double) first.data().get("lagMs")).isCloseTo(200.0, within(0.001));
    assertThat(first.data()).containsEntry("measuredBy", "gcPause");
    Signal resolved = signals.get(1);
    assertThat(resolved.isResolved()).isTrue();
    assertThat(resolved.severity()).isEqualTo(Severity.INFO);
    assertThat((Double) resolved.data().get("durationMs")).isCloseTo(200.0, within(0.001));

    quiet(300);
    signals.clear();
    parkThroughGc(300);
    // calibrated by the first GC (its end was 0.3 ms before the wake-up): from the GC's start
    // (4 ms into the park, known to 0.3 ms) to the wake-up, less the baseline
    assertThat(firing()).singleElement().satisfies(s -> {
      assertThat(s.data()).containsEntry("cause", "gc").containsEntry("gcPauseMs", 300L)
          .containsEntry("measuredBy", "meterAndGcStart");
      assertThat((Double) s.data().get("lagMs")).isCloseTo(299.9, within(0.001));
    });
    assertThat(meter.stops().gcPauseNanos(0, clock.nanoTime())).isEqualTo(500 * MS);
  }

  /** One park of {@code sliceNanos} (as the engine asks the meter now) that wakes on time. */
  private void parkSlice(long sliceNanos) {
    long start = clock.nanoTime();
    clock.advance(java.time.Duration.ofNanos(sliceNanos + 100 * US));
    meter.onWake(start, start + sliceNanos, clock.nanoTime());
  }

  @Test
  void forAWhileAfterAStallTheMeterLooksAgainSoonerForItsGcNotification() {
    SamplerEngine engine = new SamplerEngine(clock, 100 * MS, 60_000 * MS, signals::add);
    engine.add(meter);
    quiet(100);
    assertThat(engine.sliceNanos()).isEqualTo(10 * MS);
    long start = clock.nanoTime();
    clock.advance(java.time.Duration.ofNanos(4 * MS + 200 * MS + 300 * US));
    meter.onWake(start, start + 10 * MS, clock.nanoTime());
    assertThat(firing()).as("waits for the GC notification").isEmpty();
    assertThat(engine.sliceNanos()).isEqualTo(JvmStallSampler.PENDING_SLICE_NANOS);
    parkSlice(engine.sliceNanos()); // no notification yet
    assertThat(firing()).isEmpty();
    long notified = clock.nanoTime();
    gc.record("G1 Old Generation", "end of major GC", "System.gc()",
        start + 4 * MS + GC_CLOCK_SKEW, 200, false, 0, 0, 0);
    parkSlice(engine.sliceNanos());
    assertThat(firing()).as("out at the first wake-up after the notification")
        .singleElement().satisfies(s -> assertThat(s.data()).containsEntry("cause", "gc"));
    assertThat(clock.nanoTime() - notified).isLessThanOrEqualTo(5 * MS + 100 * US);
    assertThat(engine.sliceNanos()).as("nothing waits any more").isEqualTo(10 * MS);

    // a stall no GC explains: short slices for PENDING_FAST_NANOS only, then the resolution until
    // the grace is over and it is reported
    signals.clear();
    park(120 * MS);
    int fast = 0;
    long waited = 0;
    while (firing().isEmpty()) {
      long slice = engine.sliceNanos();
      if (slice == JvmStallSampler.PENDING_SLICE_NANOS) {
        fast++;
      } else {
        assertThat(slice).isEqualTo(10 * MS);
      }
      parkSlice(slice);
      waited += slice + 100 * US;
      assertThat(waited).isLessThanOrEqualTo(JvmStallSampler.GRACE_NANOS + 10 * MS);
    }
    assertThat(fast).as("extra wake-ups for one stall").isBetween(9, 10);
    assertThat(firing()).singleElement()
        .satisfies(s -> assertThat(s.data()).containsEntry("cause", "unknown"));
    assertThat(engine.sliceNanos()).isEqualTo(10 * MS);
  }

  /**
   * Two full GCs back to back: the sampler thread wakes in the 1 ms between them (one stall each)
   * and both notifications arrive only after the second, as the JMX thread was stopped too.
   * Returns the two signals that fired.
   */
  private List<Signal> backToBack(long firstMs, long secondMs) {
    signals.clear();
    long start1 = clock.nanoTime();
    clock.advance(java.time.Duration.ofNanos(4 * MS + firstMs * MS + 300 * US));
    meter.onWake(start1, start1 + 10 * MS, clock.nanoTime());
    long start2 = clock.nanoTime();
    long gc2Start = start2 + 700 * US;
    clock.advance(java.time.Duration.ofNanos(700 * US + secondMs * MS + 300 * US));
    meter.onWake(start2, start2 + 10 * MS, clock.nanoTime());
    assertThat(firing()).as("both wait for their notifications").isEmpty();
    gc.record("G1 Old Generation", "end of major GC", "System.gc()",
        start1 + 4 * MS + GC_CLOCK_SKEW, firstMs, false, 0, 0, 0);
    gc.record("G1 Old Generation", "end of major GC", "System.gc()",
        gc2Start + GC_CLOCK_SKEW, secondMs, false, 0, 0, 0);
    quiet(300);
    return firing();
  }

  @Test
  void twoCollectionsBackToBackAreEachBlamedForTheirOwnStall() {
    quiet(100);
    // before the GC clock is calibrated: by arrival and size, in order
    assertThat(backToBack(130, 129)).extracting(s -> s.data().get("gcPauseMs"))
        .containsExactly(130L, 129L);
    assertThat(firing()).allSatisfy(s -> assertThat(s.data()).containsEntry("cause", "gc"));
    assertThat(meter.gcClockOffsetNanos()).as("calibrated by them").isNotNull();
    // once calibrated: by time, each pause to the stall it overlaps most, lagMs from its start
    List<Signal> calibrated = backToBack(140, 150);
    assertThat(calibrated).extracting(s -> s.data().get("gcPauseMs")).containsExactly(140L, 150L);
    assertThat((Double) calibrated.get(0).data().get("lagMs")).isCloseTo(139.9, within(0.5));
    assertThat((Double) calibrated.get(1).data().get("lagMs")).isCloseTo(149.9, within(0.5));
  }

  /**
   * Issue 12 §5: two full GCs back to back, the second longer than the grace (250 ms). Both
   * notifications come after the second (the JMX thread was stopped too), so the first stall must
   * still be waiting for its own: the grace counts only time the JVM ran. It was reported with
   * cause "unknown" when the second stall ended, and the second stall took the first pause.
   */
  @Test
  void aSecondCollectionLongerThanTheGraceDoesNotTakeTheFirstOnesPause() {
    quiet(100);
    assertThat(backToBack(130, 300)).extracting(s -> s.data().get("gcPauseMs"), s -> s.data().get("cause"))
        .containsExactly(tuple(130L, "gc"), tuple(300L, "gc"));
    assertThat(meter.gcClockOffsetNanos()).isNotNull();
    // once calibrated too
    assertThat(backToBack(140, 400)).extracting(s -> s.data().get("gcPauseMs"), s -> s.data().get("cause"))
        .containsExactly(tuple(140L, "gc"), tuple(400L, "gc"));
    assertThat(firing()).allSatisfy(s -> assertThat(((Long) s.data().get("gcPauseMs")).doubleValue())
        .isLessThanOrEqualTo((Double) s.data().get("lagMs") + 1.0));
  }

  @Test
  void aCollectionBegunWhileTheSamplerWorkedAfterAStallIsNotGivenToThatStall() {
    quiet(100);
    parkThroughGc(200); // calibrates
    quiet(300);
    signals.clear();
    long start1 = clock.nanoTime();
    clock.advance(java.time.Duration.ofNanos(4 * MS + 150 * MS + 300 * US));
    meter.onWake(start1, start1 + 10 * MS, clock.nanoTime());
    // the thread runs the samplers; a second collection begins 0.5 ms after its wake-up and
    // stops it there for 120 ms, so the meter never parks across it
    long gc2Start = clock.nanoTime() + 500 * US;
    clock.advance(java.time.Duration.ofNanos(500 * US + 120 * MS + 300 * US));
    gc.record("G1 Old Generation", "end of major GC", "System.gc()",
        start1 + 4 * MS + GC_CLOCK_SKEW, 150, false, 0, 0, 0);
    gc.record("G1 Old Generation", "end of major GC", "System.gc()",
        gc2Start + GC_CLOCK_SKEW, 120, false, 0, 0, 0);
    quiet(300);
    assertThat(firing()).extracting(f -> f.data().get("gcPauseMs"), f -> f.data().get("measuredBy"))
        .containsExactly(tuple(150L, "meterAndGcStart"), tuple(120L, "gcEvent"));
  }

  @Test
  void aConcurrentCycleIsNotAPause() {
    quiet(100);
    long start = clock.nanoTime();
    clock.advance(java.time.Duration.ofNanos(80 * MS));
    meter.onWake(start, start + 10 * MS, clock.nanoTime());
    gc.record("ZGC Major Cycles", "end of GC cycle", "Proactive", start, 500, true, 0, 0, 0);
    quiet(300);
    assertThat(firing()).hasSize(1);
    assertThat(firing().get(0).data()).containsEntry("cause", "unknown");
  }

  @Test
  void aLongStallIsCritical() {
    quiet(100);
    park(600 * MS);
    quiet(300);
    assertThat(firing()).singleElement().extracting(Signal::severity)
        .isEqualTo(Severity.CRITICAL);
    assertThat(signals).hasSize(2);
  }

  @Test
  void aGcPauseTheMeterDidNotSeeIsReportedFromTheGcFigures() {
    quiet(100);
    // the pause hit while the sampler thread was working, not parked: no late wake-up
    long now = clock.nanoTime();
    gc.record("G1 Young Generation", "end of minor GC", "G1 Evacuation Pause",
        now - 120 * MS + GC_CLOCK_SKEW,
        120, false, 0, 0, 0);
    quiet(200); // within the grace: a stall might still claim it
    assertThat(signals).isEmpty();
    quiet(100);
    assertThat(firing()).hasSize(1);
    assertThat(firing().get(0).data()).containsEntry("cause", "gc").containsEntry("gcPauseMs", 120L)
        .containsEntry("lagMs", 120.0);
    // a short pause is no stall
    gc.record("G1 Young Generation", "end of minor GC", "G1 Evacuation Pause", clock.nanoTime(),
        20, false, 0, 0, 0);
    quiet(300);
    assertThat(firing()).hasSize(1);
  }

  @Test
  void aGcMatchedToAStallIsNotReportedTwice() {
    quiet(100);
    long start = park(300 * MS);
    gc.record("G1 Old Generation", "end of major GC", "System.gc()",
        start + 2 * MS + GC_CLOCK_SKEW, 305, false, 0, 0, 0);
    quiet(300);
    assertThat(firing()).hasSize(1);
    // calibrated on this stall: the GC is placed on this clock (to the 2.3 ms its end was
    // before the wake-up, unknown to the meter)
    assertThat(meter.stops().gcPauseNanos(start, clock.nanoTime())).isEqualTo(305 * MS);
    assertThat(meter.stops().stoppedNanos(start, start + 100 * MS)).isEqualTo(100 * MS);
    // a later report of the same pause from GC figures would be a duplicate: none came
    quiet(300);
    assertThat(firing()).hasSize(1);
  }

  @Test
  void snapshotHasPercentilesOverTheWindow() {
    meter.tick(clock.nanoTime());
    quiet(1000);
    park(100 * MS);
    quiet(300);
    meter.tick(clock.nanoTime());
    Map<String, Object> figures = new LinkedHashMap<>();
    meter.snapshot(figures);
    assertThat((Double) figures.get("lag.jvm.p50Ms")).isLessThan(1.0);
    // coordinated-omission correction: the 100 ms stall also counts as 90, 80, ... ms lags
    assertThat((Double) figures.get("lag.jvm.p99Ms")).isGreaterThan(10.0);
    assertThat((Double) figures.get("lag.jvm.maxMs")).isCloseTo(100.0, within(1.0));
    assertThat(figures).containsEntry("lag.jvm.stalls", 1L).containsEntry("lag.jvm.gcStalls", 0L);
    // two windows later the stall has left the figures
    clock.advance(java.time.Duration.ofSeconds(61));
    meter.tick(clock.nanoTime());
    quiet(100);
    clock.advance(java.time.Duration.ofSeconds(61));
    meter.tick(clock.nanoTime());
    figures.clear();
    meter.snapshot(figures);
    assertThat((Double) figures.get("lag.jvm.maxMs")).isLessThan(1.0);
  }

  @Test
  void itsMemoryIsBounded() {
    int bytes = JvmStallSampler.newHistogram().getEstimatedFootprintInBytes(); // three of them
    System.out.println("JvmStallSamplerTest histogram footprint: " + bytes + " bytes");
    assertThat(bytes).isLessThan(64 * 1024);
  }

  @Test
  void aWakeUpAllocatesNothing() {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    quiet(100_000); // warm up
    long tid = Thread.currentThread().getId();
    long start = clock.nanoTime();
    long before = mx.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 100_000; i++) {
      long t = start + i * 10 * MS;
      meter.onWake(t, t + 10 * MS, t + 10 * MS + 100 * US);
    }
    long allocated = mx.getThreadAllocatedBytes(tid) - before;
    assertThat(allocated).as("bytes for 100 000 wake-ups").isLessThan(10_000);
  }
}
