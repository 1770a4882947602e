package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The stop log on its own: wake-ups and GC events fed by hand, times in nanoseconds. */
class StopLogTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long US = TimeUnit.MICROSECONDS.toNanos(1);

  private final GcMonitor gc = GcMonitor.manual();
  private final StopLog log = new StopLog(gc, 50 * MS, 10 * MS);
  private long t = 1_000 * MS;

  /** One 10 ms park from now that wakes {@code late} after it was due; returns its start. */
  private long park(long late) {
    long start = t;
    t += 10 * MS + late;
    log.wake(start, start + 10 * MS, t);
    return start;
  }

  @Test
  void aWakeUpLateByMoreThanTheThresholdBeyondTheUsualOvershootIsAStop() {
    for (int i = 0; i < 10; i++) {
      park(200 * US); // the usual overshoot
    }
    assertThat(log.baselineNanos()).isEqualTo(200 * US);
    long from = t;
    park(50 * MS + 200 * US); // exactly the threshold beyond the usual: not a stop
    assertThat(log.stoppedNanos(from, t)).isZero();
    long start = park(80 * MS);
    assertThat(log.hiccupNanos()).isEqualTo(80 * MS - 200 * US);
    assertThat(log.stoppedNanos(from, t)).isEqualTo(t - start);
    assertThat(log.stoppedNanos(start + 20 * MS, start + 30 * MS)).isEqualTo(10 * MS);
  }

  @Test
  void anEarlyReturnFromParkDoesNotMoveTheBaseline() {
    park(300 * US);
    long start = t;
    t += 5 * MS; // woke 5 ms before it was due
    log.wake(start, start + 10 * MS, t);
    assertThat(log.baselineNanos()).isEqualTo(300 * US);
  }

  @Test
  void eachWakeUpIsRecordedOnceWhicheverSamplerHandsItInFirst() {
    park(100 * US);
    long start = t;
    t += 10 * MS + 300 * MS;
    log.wake(start, start + 10 * MS, t); // the watchdog, say
    log.wake(start, start + 10 * MS, t); // then the meter: the same wake-up
    assertThat(log.stoppedNanos(start - 100 * MS, t)).isEqualTo(t - start);
    // a tick (no park: parkStart == wake) records nothing
    log.wake(t, t, t);
    assertThat(log.stoppedNanos(start - 100 * MS, t)).isEqualTo(t - start);
  }

  @Test
  void theSamplersOwnWorkBetweenWakeUpsIsAnUnobservedWindow() {
    park(100 * US);
    long busyFrom = t;
    t += 30 * MS; // the samplers ran for 30 ms, longer than a resolution (10 ms)
    park(100 * US);
    assertThat(log.stoppedNanos(busyFrom, busyFrom + 30 * MS)).isEqualTo(30 * MS);
    assertThat(log.coveredByReported(busyFrom, busyFrom + 30 * MS))
        .as("unobserved, not a reported stall").isFalse();
    long shortFrom = t;
    t += 5 * MS; // under a resolution: not a window
    park(100 * US);
    assertThat(log.stoppedNanos(shortFrom, shortFrom + 5 * MS)).isZero();
  }

  @Test
  void gcPausesArePolledAtEachWakeUpAndNotAddedToTheWindowsThatOverlapThem() {
    park(100 * US);
    long start = t;
    t += 10 * MS + 200 * MS;
    log.wake(start, start + 10 * MS, t); // a stop window of 210 ms; the notification is late
    assertThat(log.gcCount()).isZero();
    gc.record("G1 Old Generation", "end of major GC", "System.gc()", start + 5 * MS, 200, false,
        0, 0, 0);
    gc.record("ZGC Cycles", "end of GC cycle", "Allocation Rate", start, 500, true, 0, 0, 0);
    assertThat(log.gcPauseNanos(start, t)).as("not polled before the next wake-up").isZero();
    log.wake(start, start + 10 * MS, t); // the second sampler hands in the same wake-up: polls
    assertThat(log.gcCount()).as("a concurrent cycle is not a pause").isEqualTo(1);
    assertThat(log.gcSeenAt(0)).isEqualTo(t);
    assertThat(log.gcName(0)).isEqualTo("G1 Old Generation");
    assertThat(log.gcPauseNanos(start, t)).isEqualTo(200 * MS);
    assertThat(log.stoppedNanos(start, t)).as("the larger of the two, not their sum")
        .isEqualTo(210 * MS);
  }

  @Test
  void aCalibratedOffsetMovesGcPausesOntoThisClock() {
    long pauseStart = t; // on this clock; the GC's own time base runs 94 ms behind
    gc.record("G1 Young Generation", "end of minor GC", "G1 Evacuation Pause",
        pauseStart - 94 * MS, 60, false, 0, 0, 0);
    park(100 * US);
    assertThat(log.gcPauseNanos(pauseStart - 94 * MS, pauseStart - 34 * MS)).isEqualTo(60 * MS);
    assertThat(log.calibrated()).isFalse();
    log.calibrate(-94 * MS);
    log.calibrate(-95 * MS); // a smaller sample: the largest is kept
    assertThat(log.calibrated()).isTrue();
    assertThat(log.gcOffsetNanos()).isEqualTo(-94 * MS);
    assertThat(log.gcStart(0)).isEqualTo(log.gcStartRaw(0) + 94 * MS);
    assertThat(log.gcPauseNanos(pauseStart, pauseStart + 60 * MS)).isEqualTo(60 * MS);
  }

  @Test
  void reportedStopsCoverAPauseOnlyWhenTheyCoverAllOfIt() {
    long from = t;
    log.addReported(from, from + 100 * MS);
    assertThat(log.coveredByReported(from + 10 * MS, from + 90 * MS)).isTrue();
    assertThat(log.coveredByReported(from + 50 * MS, from + 150 * MS)).isFalse();
  }
}
