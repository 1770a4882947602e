package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Signal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The executor watchdog never blames a JVM-wide pause on an executor, whichever of it and the
 * stall meter the sampler thread runs first after the pause (they share one stop log; before,
 * the watchdog read the meter's windows and saw the pause only if the meter had run first).
 */
class WatchdogStopOrderTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final ManualClock clock = Clock.manual();
  private final GcMonitor gc = GcMonitor.manual();
  private final List<Signal> signals = new ArrayList<>();
  private final JvmStallSampler jvm =
      new JvmStallSampler(clock, signals::add, gc, 50 * MS, 10 * MS, 60_000 * MS);
  private final ExecutorWatchdog dog =
      new ExecutorWatchdog(clock, signals::add, jvm, 10 * MS, 10 * MS, ExecutorWatchdogTest.INLINE);

  /** One wake-up of the sampler thread, handed to both samplers in the order asked. */
  private void wake(long parkStart, long due, long wakeAt, boolean watchdogFirst) {
    if (watchdogFirst) {
      dog.onWake(parkStart, due, wakeAt);
      jvm.onWake(parkStart, due, wakeAt);
    } else {
      jvm.onWake(parkStart, due, wakeAt);
      dog.onWake(parkStart, due, wakeAt);
    }
  }

  private void advance(long ms, ExecutorWatchdogTest.HandRun ex, boolean watchdogFirst) {
    for (long t = 0; t < ms; t += 10) {
      long start = clock.nanoTime();
      clock.advanceMillis(10);
      wake(start, clock.nanoTime(), clock.nanoTime(), watchdogFirst);
      ex.runAll();
    }
  }

  @ParameterizedTest(name = "watchdog first: {0}")
  @ValueSource(booleans = {true, false})
  void aGcPauseIsReportedOnceUnderJvmAndNeverBlamedOnAnExecutor(boolean watchdogFirst) {
    ExecutorWatchdogTest.HandRun ex = new ExecutorWatchdogTest.HandRun();
    dog.watch("loop", ex);
    dog.check(clock.nanoTime());
    ex.runAll();
    advance(100, ex, watchdogFirst); // an executor that keeps up
    long start = clock.nanoTime();
    clock.advanceMillis(10);
    wake(start, clock.nanoTime(), clock.nanoTime(), watchdogFirst); // a probe goes in
    assertThat(ex.queue).as("a probe waits to run").hasSize(1);
    // the whole JVM stops for 300 ms (a full GC) before the loop gets to run the probe; the GC
    // notification comes after the wake-up
    start = clock.nanoTime();
    clock.advanceMillis(300);
    wake(start, start + 10 * MS, clock.nanoTime(), watchdogFirst);
    gc.record("G1 Old Generation", "end of major GC", "System.gc()", start + MS, 298, false,
        0, 0, 0);
    ex.runAll(); // the loop runs right after the pause
    advance(400, ex, watchdogFirst);
    assertThat(signals).extracting(Signal::key).as("signals").containsOnly("jvm");
    assertThat(signals.stream().filter(s -> !s.isResolved()))
        .singleElement()
        .satisfies(s -> assertThat(s.data()).containsEntry("cause", "gc"));
  }
}
