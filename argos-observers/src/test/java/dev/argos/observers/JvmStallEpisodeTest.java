package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Repeated JVM stalls are one episode (issue 12 §4): manual clock, direct onWake calls, GC
 * events recorded by hand, the default quiet time (10 s).
 */
class JvmStallEpisodeTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long US = TimeUnit.MICROSECONDS.toNanos(1);

  private final ManualClock clock = Clock.manual();
  private final GcMonitor gc = GcMonitor.manual();
  private final List<Signal> signals = new ArrayList<>();
  private final JvmStallSampler meter =
      new JvmStallSampler(clock, signals::add, gc, 50 * MS, 10 * MS, 60_000 * MS);

  /** One 10 ms park that wakes {@code overshoot} late. */
  private void park(long overshoot) {
    long start = clock.nanoTime();
    clock.advance(Duration.ofNanos(10 * MS + overshoot));
    meter.onWake(start, start + 10 * MS, clock.nanoTime());
  }

  /** Normal wake-ups (100 us overshoot) for {@code ms} milliseconds. */
  private void quiet(long ms) {
    for (long t = 0; t < ms; t += 10) {
      park(100 * US);
    }
  }

  /**
   * A G1 young pause of {@code pauseMs} 4 ms into a park, the thread waking 0.3 ms after it, its
   * notification arriving at the next wake-up; returns the wake-up that ended the stall.
   */
  private long gcPause(long pauseMs) {
    long start = clock.nanoTime();
    clock.advance(Duration.ofNanos(4 * MS + pauseMs * MS + 300 * US));
    long wake = clock.nanoTime();
    meter.onWake(start, start + 10 * MS, wake);
    gc.record("G1 Young Generation", "end of minor GC", "G1 Evacuation Pause",
        start + 4 * MS, pauseMs, false, 0, 0, 0);
    park(100 * US);
    return wake;
  }

  private List<Signal> jvm() {
    return signals.stream().filter(s -> "jvm".equals(s.key())).toList();
  }

  private Map<String, Object> figures() {
    Map<String, Object> m = new LinkedHashMap<>();
    meter.snapshot(m);
    return m;
  }

  @Test
  void tenPausesOf60MsOneSecondApartAreOneEpisode() {
    quiet(100); // baseline 100 us
    List<Double> lags = new ArrayList<>();
    long firstStart = clock.nanoTime() + 4 * MS;
    long lastEnd = 0;
    for (int i = 0; i < 10; i++) {
      lastEnd = gcPause(60);
      // each stall's own figures stay observable in the snapshot, signalled or not
      Map<String, Object> f = figures();
      assertThat(f).containsEntry("lag.jvm.stalls", (long) i + 1)
          .containsEntry("lag.jvm.lastStallGcPauseMs", 60L)
          .containsEntry("lag.jvm.episodeStalls", (long) i + 1);
      lags.add((Double) f.get("lag.jvm.lastStallMs"));
      quiet(1000 - 80);
    }
    // the first, then only when the count doubles (4, 8): 3 signals for 10 stalls
    List<Signal> firing = jvm();
    assertThat(firing).hasSize(3).allSatisfy(s -> {
      assertThat(s.severity()).isEqualTo(Severity.WARNING);
      assertThat(s.data()).containsEntry(DataKeys.CAUSE, "gc").containsEntry(DataKeys.GC_PAUSE_MS, 60L)
          .containsEntry(DataKeys.GC_NAME, "G1 Young Generation");
    });
    assertThat(firing).extracting(s -> s.data().get(DataKeys.COUNT)).containsExactly(1L, 4L, 8L);
    assertThat(firing).extracting(s -> s.data().get(DataKeys.ESCALATION))
        .containsExactly(null, "count", "count");
    assertThat(firing.get(0).data()).doesNotContainKey(DataKeys.ESCALATION);
    assertThat(firing).extracting(s -> s.data().get(DataKeys.EPISODE)).containsOnly(
        firing.get(0).data().get(DataKeys.EPISODE));
    // each carries its own stall's lag and the episode's lost time so far
    assertThat((Double) firing.get(2).data().get(DataKeys.LAG_MS)).isCloseTo(lags.get(7), within(0.001));
    double lostTo8 = lags.subList(0, 8).stream().mapToDouble(Double::doubleValue).sum();
    assertThat((Double) firing.get(2).data().get(DataKeys.LOST_MS)).isCloseTo(lostTo8, within(0.001));

    // calm: 10 s after the last stall's end (not before) the one resolved signal
    while (clock.nanoTime() + 10 * MS + 100 * US - lastEnd < JvmStallSampler.QUIET_NANOS) {
      park(100 * US);
    }
    assertThat(jvm()).as("calm for less than 10 s").hasSize(3);
    park(100 * US);
    assertThat(jvm()).hasSize(4);
    Signal resolved = jvm().get(3);
    assertThat(resolved.isResolved()).isTrue();
    assertThat(resolved.severity()).isEqualTo(Severity.INFO);
    double lost = lags.stream().mapToDouble(Double::doubleValue).sum();
    double max = lags.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    assertThat(resolved.data()).containsEntry(DataKeys.COUNT, 10L)
        .containsEntry(DataKeys.EPISODE, firing.get(0).data().get(DataKeys.EPISODE))
        .containsEntry(DataKeys.GC_PAUSE_MS, 600L).containsEntry(DataKeys.CAUSE, "gc")
        .containsEntry(DataKeys.MAX_SEVERITY, "WARNING");
    assertThat((Double) resolved.data().get(DataKeys.MAX_LAG_MS)).isCloseTo(max, within(0.001));
    assertThat((Double) resolved.data().get(DataKeys.LOST_MS)).isCloseTo(lost, within(0.001));
    // 60 ms each: the first from the GC's own pause, the others from its start, calibrated
    assertThat(lost).isCloseTo(600.0, within(3.0));
    // from the first stall's start to the last one's end
    assertThat((Double) resolved.data().get(DataKeys.DURATION_MS))
        .isCloseTo((lastEnd - firstStart) / 1e6, within(1.0));
    assertThat(figures()).containsEntry("lag.jvm.episodeStalls", 0L);
    assertThat((Double) figures().get("lag.jvm.lostMs")).isCloseTo(lost, within(0.001));

    // calm has returned: the next stall opens a new episode
    gcPause(70);
    assertThat(jvm()).hasSize(5);
    Signal next = jvm().get(4);
    assertThat(next.isResolved()).isFalse();
    assertThat(next.data()).containsEntry(DataKeys.COUNT, 1L).doesNotContainKey(DataKeys.ESCALATION);
    assertThat(next.data().get(DataKeys.EPISODE)).isNotEqualTo(firing.get(0).data().get(DataKeys.EPISODE));
  }

  @Test
  void aStallTwiceTheLargestSoFarOrACriticalOneUpdatesTheEpisode() {
    quiet(100);
    park(60 * MS); // unknown cause: reported after the grace
    quiet(1000);
    park(90 * MS); // larger, but not twice: counted only
    quiet(1000);
    assertThat(jvm()).hasSize(1);
    park(125 * MS); // twice the first (the largest signalled): an update
    quiet(1000);
    assertThat(jvm()).hasSize(2);
    assertThat(jvm().get(1).data()).containsEntry(DataKeys.ESCALATION, "size")
        .containsEntry(DataKeys.COUNT, 3L);
    assertThat(jvm().get(1).severity()).isEqualTo(Severity.WARNING);
    park(600 * MS); // 10 x the threshold
    quiet(1000);
    assertThat(jvm()).hasSize(3);
    assertThat(jvm().get(2).severity()).isEqualTo(Severity.CRITICAL);
    assertThat(jvm().get(2).data()).containsEntry(DataKeys.ESCALATION, "severity");
    park(70 * MS); // a WARNING-sized one later: counted, the episode stays CRITICAL
    quiet(10_100);
    assertThat(jvm()).hasSize(4);
    assertThat(jvm().get(3).isResolved()).isTrue();
    assertThat(jvm().get(3).data()).containsEntry(DataKeys.COUNT, 5L)
        .containsEntry(DataKeys.MAX_SEVERITY, "CRITICAL").containsEntry(DataKeys.CAUSE, "unknown");
    assertThat((Double) jvm().get(3).data().get(DataKeys.MAX_LAG_MS)).isCloseTo(599.9, within(0.01));
  }

  @Test
  void theEpisodeDoesNotEndWhileAStallWaitsForItsGcNotification() {
    meter.quietNanos(150 * MS);
    quiet(100);
    gcPause(80);
    assertThat(jvm()).hasSize(1);
    // a second stall after about 100 ms of calm; its notification is late (200 ms)
    quiet(90);
    long start = clock.nanoTime();
    clock.advance(Duration.ofNanos(4 * MS + 80 * MS + 300 * US));
    meter.onWake(start, start + 10 * MS, clock.nanoTime());
    quiet(200);
    assertThat(jvm()).as("the quiet time has passed, but a stall waits: no resolution").hasSize(1);
    gc.record("G1 Young Generation", "end of minor GC", "G1 Evacuation Pause",
        start + 4 * MS, 80, false, 0, 0, 0);
    quiet(10);
    // the second stall joins the episode, which has been calm for 150 ms since: it ends
    assertThat(jvm()).hasSize(2);
    assertThat(jvm().get(1).isResolved()).isTrue();
    assertThat(jvm().get(1).data()).containsEntry(DataKeys.COUNT, 2L)
        .containsEntry(DataKeys.GC_PAUSE_MS, 160L);
  }

  @Test
  void aPauseThatHitTheSamplersWorkIsNoCalmAndJoinsTheEpisode() {
    meter.quietNanos(100 * MS);
    quiet(100);
    gcPause(80); // opens the episode (and calibrates the GC clock)
    assertThat(jvm()).hasSize(1);
    // a 300 ms pause begins while the thread runs the samplers: no late wake-up shows it
    long gc2Start = clock.nanoTime() + 500 * US;
    clock.advance(Duration.ofNanos(500 * US + 300 * MS + 300 * US));
    gc.record("G1 Old Generation", "end of major GC", "G1 Compaction Pause",
        gc2Start, 300, false, 0, 0, 0);
    quiet(100);
    assertThat(jvm()).as("300 ms stopped is no calm; the pause waits for its grace").hasSize(1);
    quiet(400); // reported from the GC's own figure, in the same episode, then 100 ms of calm
    assertThat(jvm()).hasSize(3);
    assertThat(jvm().get(1).data()).containsEntry(DataKeys.MEASURED_BY, "gcEvent")
        .containsEntry(DataKeys.COUNT, 2L).containsEntry(DataKeys.ESCALATION, "size")
        .containsEntry(DataKeys.EPISODE, jvm().get(0).data().get(DataKeys.EPISODE));
    assertThat(jvm().get(2).isResolved()).isTrue();
    assertThat(jvm().get(2).data()).containsEntry(DataKeys.COUNT, 2L)
        .containsEntry(DataKeys.GC_PAUSE_MS, 380L);
  }

  @Test
  void closingEndsARunningEpisode() {
    quiet(100);
    gcPause(80);
    meter.close();
    assertThat(jvm()).hasSize(2);
    assertThat(jvm().get(1).isResolved()).isTrue();
    assertThat(jvm().get(1).data()).containsEntry(DataKeys.COUNT, 1L);
    meter.close();
    assertThat(jvm()).hasSize(2);
  }
}
