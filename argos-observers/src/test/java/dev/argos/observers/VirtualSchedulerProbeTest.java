package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.ManualClock;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The scheduler probe's watchdog on a manual clock (any JDK): a coarser cadence than a watched
 * executor's, submissions on the calling thread, and the eventLoopLag episode of key "virtual".
 */
class VirtualSchedulerProbeTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final ManualClock clock = Clock.manual();
  private final List<Signal> signals = new ArrayList<>();
  private final StopLog stops = new StopLog(GcMonitor.manual(), 50 * MS, 25 * MS);
  private final ExecutorWatchdog dog = VirtualSchedulerProbe.create(clock, signals::add, stops);
  private final VirtualSchedulerProbe probe = new VirtualSchedulerProbe(dog);

  /** Stands for "start a virtual thread": queues the task, run when the test says. */
  static final class Scheduler implements Executor {
    final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    final List<Thread> callers = new ArrayList<>();
    int submitted;

    @Override
    public void execute(Runnable r) {
      submitted++;
      callers.add(Thread.currentThread());
      queue.add(r);
    }

    void runAll() {
      while (!queue.isEmpty()) {
        queue.poll().run();
      }
    }
  }

  private int wakes;

  /**
   * Runs the sampler thread's loop for {@code ms}: parks for the finest slice asked (the JVM
   * meter's 25 ms, or the probe's), then wakes the probe; the scheduler runs its queue after each
   * wake-up when {@code healthy}.
   */
  private void run(long ms, Scheduler s, boolean healthy) {
    long end = clock.nanoTime() + ms * MS;
    while (clock.nanoTime() < end) {
      long slice = Math.min(Math.min(25 * MS, probe.resolutionNanos()), end - clock.nanoTime());
      long start = clock.nanoTime();
      clock.advance(Duration.ofNanos(slice));
      probe.onWake(start, clock.nanoTime(), clock.nanoTime());
      wakes++;
      if (healthy) {
        s.runAll();
      }
    }
  }

  @Test
  void theSchedulerIsProbedEvery100MsOnTheCallingThread() {
    Scheduler s = new Scheduler();
    dog.watch(VirtualThreads.KEY, s);
    run(2_000, s, true);
    // one probe per 100 ms (a watched executor at the 50 ms threshold: one per 20 ms)
    assertThat(s.submitted).isBetween(19, 21);
    assertThat(VirtualSchedulerProbe.probeIntervalNanos(50 * MS)).isEqualTo(100 * MS);
    assertThat(ExecutorWatchdog.probeIntervalNanos(50 * MS)).isEqualTo(20 * MS);
    // no prober thread: the submission ran on the thread that woke the probe
    assertThat(s.callers).containsOnly(Thread.currentThread());
    // the probe does not make the sampler thread wake more often than the JVM meter's 25 ms
    // slices would, plus one wake-up at each probe's deadline at most
    assertThat(wakes).isLessThanOrEqualTo(80 + 2 * 21);
    assertThat(signals).isEmpty();
    Map<String, Object> figures = new HashMap<>();
    probe.snapshot(figures);
    assertThat(figures).containsOnlyKeys("lag.executor.virtual.lagMs");
  }

  @Test
  void aSchedulerThatDoesNotRunTheProbeIsEventLoopLagOnVirtualWhileStuck() {
    Scheduler s = new Scheduler();
    dog.watch(VirtualThreads.KEY, s);
    run(300, s, true);
    run(200, s, false); // every carrier busy: the probe waits
    List<Signal> firing = signals.stream().filter(x -> !x.isResolved()).toList();
    assertThat(firing).hasSize(1);
    Signal f = firing.get(0);
    assertThat(f.type()).isEqualTo(Signal.TYPE_EVENT_LOOP_LAG);
    assertThat(f.key()).isEqualTo("virtual");
    assertThat(f.data()).containsEntry(DataKeys.IN_PROGRESS, true)
        .containsEntry(DataKeys.THRESHOLD_MS, 50.0);
    assertThat((Double) f.data().get(DataKeys.LAG_MS)).isGreaterThan(50.0).isLessThan(200.0);

    s.runAll(); // the carriers are free again
    // the stall ends at the next check, at most a probe interval later; the episode resolves
    // once the scheduler has run 10 s without another (repeated stalls are one episode)
    run(100, s, true);
    assertThat(signals.stream().filter(Signal::isResolved)).isEmpty();
    run(10_000, s, true);
    List<Signal> resolved = signals.stream().filter(Signal::isResolved).toList();
    assertThat(resolved).hasSize(1);
    assertThat(resolved.get(0).key()).isEqualTo("virtual");
    assertThat(resolved.get(0).data()).containsEntry(DataKeys.HOW, "ran")
        .containsEntry(DataKeys.EPISODE, f.data().get(DataKeys.EPISODE));
  }

  @Test
  void anIdleSchedulerRunsTheProbeOnTheCallerABusyOneOnAThreadOfItsOwn() throws Exception {
    List<Thread> made = new ArrayList<>();
    java.util.concurrent.ThreadFactory threads = r -> {
      Thread t = new Thread(r, "stand-in-for-a-virtual-thread");
      made.add(t);
      return t;
    };
    boolean[] idle = {true};
    Executor ex = VirtualSchedulerProbe.probeExecutor(threads, () -> idle[0]);
    Thread[] ranOn = new Thread[1];
    ex.execute(() -> ranOn[0] = Thread.currentThread());
    assertThat(ranOn[0]).isSameAs(Thread.currentThread());
    assertThat(made).isEmpty();

    idle[0] = false;
    ex.execute(() -> ranOn[0] = Thread.currentThread());
    assertThat(made).hasSize(1);
    made.get(0).join();
    assertThat(ranOn[0]).isSameAs(made.get(0));

    // without the scheduler's figures (JDK 21 to 23): always a thread
    Executor always = VirtualSchedulerProbe.probeExecutor(threads, null);
    always.execute(() -> {});
    assertThat(made).hasSize(2);
    made.get(1).join();
  }

  @Test
  void theSchedulersFiguresAreFoundFromJdk24() {
    assertThat(VirtualSchedulerProbe.SchedulerState.find() != null)
        .isEqualTo(Runtime.version().feature() >= 24);
  }

  @Test
  void aLongThresholdKeepsTheExecutorsLongerInterval() {
    assertThat(VirtualSchedulerProbe.probeIntervalNanos(1_000 * MS)).isEqualTo(400 * MS);
  }

  @Test
  void closingStopsSubmitting() {
    Scheduler s = new Scheduler();
    dog.watch(VirtualThreads.KEY, s);
    run(300, s, true);
    int before = s.submitted;
    probe.close();
    run(300, s, true);
    assertThat(s.submitted).isEqualTo(before);
    assertThat(probe.resolutionNanos()).isEqualTo(Long.MAX_VALUE);
  }
}
