package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * GcMonitor records each notification's arrival and places GC pauses on nanoTime by the first
 * one's (issue 12 §5): notifications recorded by hand, the GC's time base 1 000 ms behind.
 */
class GcMonitorArrivalTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long US = TimeUnit.MICROSECONDS.toNanos(1);
  /** nanoTime minus the GC's time base. */
  private static final long BASE = 1_000 * MS;

  private final GcMonitor gc = GcMonitor.manual();

  private void notified(String cause, long startMs, long endMs, long arrivalNanos) {
    gc.recordNotified("G1 Old Generation", "end of major GC", cause, startMs, endMs, arrivalNanos,
        false, 0, 0, 0);
  }

  @Test
  void aPauseIsPlacedByItsNotificationsArrival() {
    notified("first", 100, 230, BASE + 230 * MS + 400 * US); // came 0.4 ms after the pause
    GcMonitor.GcEvent e = gc.since(0).get(0);
    assertThat(e.arrivalNanos()).isEqualTo(BASE + 230 * MS + 400 * US);
    assertThat(e.durationMs()).isEqualTo(130);
    // its end at its arrival: late by the notification's latency only
    assertThat(e.startNanos()).isEqualTo(BASE + 100 * MS + 400 * US);
    assertThat(e.endNanos()).isEqualTo(e.arrivalNanos());
    assertThat(gc.offsetNanos()).isEqualTo(BASE + 400 * US);
  }

  @Test
  void twoCollectionsBackToBackArePlacedByTheirOwnTimesNotTheFirstsLateArrival() {
    // the JMX thread was stopped by the second too: both notifications come after the second
    notified("first", 100, 230, BASE + 531 * MS + 400 * US);
    notified("second", 231, 531, BASE + 531 * MS + 500 * US);
    List<GcMonitor.GcEvent> events = gc.since(0);
    assertThat(events).extracting(GcMonitor.GcEvent::cause).containsExactly("first", "second");
    // one offset for both (the first arrival's, 301.4 ms late): 1 ms apart, as GcInfo says, the
    // first not counted inside the second
    assertThat(events.get(1).startNanos() - events.get(0).endNanos()).isEqualTo(MS);
    assertThat(events.get(0).arrivalNanos()).isEqualTo(BASE + 531 * MS + 400 * US);
    assertThat(events.get(1).arrivalNanos()).isEqualTo(BASE + 531 * MS + 500 * US);
  }

  @Test
  void theOffsetIsTheFirstArrivalsAndStaysSoThatPausesArePlacedConsistently() {
    notified("slow", 100, 160, BASE + 160 * MS + 30 * MS); // the first notification: 30 ms late
    notified("quick", 1_000, 1_060, BASE + 1_060 * MS + 200 * US);
    List<GcMonitor.GcEvent> events = gc.since(0);
    assertThat(gc.offsetNanos()).isEqualTo(BASE + 30 * MS);
    assertThat(events.get(0).startNanos()).isEqualTo(BASE + 130 * MS);
    assertThat(events.get(1).startNanos() - events.get(0).startNanos()).isEqualTo(900 * MS);
  }

  @Test
  void eventsRecordedByHandKeepTheStartTheyWereGiven() {
    gc.record("G1 Young Generation", "end of minor GC", "G1 Evacuation Pause", 5 * MS, 60, false,
        0, 0, 0);
    notified("quick", 1_000, 1_060, BASE + 1_060 * MS);
    assertThat(gc.since(0).get(0).startNanos()).isEqualTo(5 * MS);
    assertThat(gc.since(0).get(0).arrivalNanos()).isEqualTo(Long.MIN_VALUE);
  }
}
