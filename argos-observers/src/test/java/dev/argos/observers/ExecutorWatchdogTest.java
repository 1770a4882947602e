package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.Subscription;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The executor watchdog driven by a manual clock, hand-run executors and direct checks; probe
 * submissions run inline on the test's thread ({@link #INLINE}) unless a test hands them to a
 * thread of its own.
 */
class ExecutorWatchdogTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  /**
   * Runs each submission at once on the checking thread (deterministic tests only), swallowing
   * what a job throws as the prober's thread does.
   */
  static final ProbeSubmitter INLINE =
      new ProbeSubmitter() {
        @Override
        public boolean offer(Runnable job) {
          try {
            job.run();
          } catch (RuntimeException e) {
            // as Prober: jobs report their own outcome; one that throws is a bug
          }
          return true;
        }

        @Override
        public void maintain(long nowNanos) {}

        @Override
        public void close(long joinNanos) {}
      };

  /** Keeps submissions until the test runs them, on a thread of its choice. */
  static final class Deferred implements ProbeSubmitter {
    final Queue<Runnable> jobs = new ConcurrentLinkedQueue<>();

    @Override
    public boolean offer(Runnable job) {
      jobs.add(job);
      return true;
    }

    @Override
    public void maintain(long nowNanos) {}

    @Override
    public void close(long joinNanos) {}
  }

  private final ManualClock clock = Clock.manual();
  private final GcMonitor gc = GcMonitor.manual();
  private final List<Signal> signals = new ArrayList<>();
  private final JvmStallSampler jvm =
      new JvmStallSampler(clock, signals::add, gc, 50 * MS, 10 * MS, 60_000 * MS);
  private final ExecutorWatchdog dog = quick(
      new ExecutorWatchdog(clock, signals::add, jvm, 10 * MS, 10 * MS, INLINE));

  /**
   * {@code d} with each stall's episode resolved as soon as its probe runs (no quiet time): the
   * tests below are about one stall each; repeated stalls have their own tests.
   */
  static ExecutorWatchdog quick(ExecutorWatchdog d) {
    d.quietNanos(0);
    return d;
  }

  /** An executor whose tasks run only when the test says so, on the test's thread. */
  static class HandRun extends AbstractExecutorService {
    final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    boolean shutdown;
    boolean saturated;
    int dropFirst;

    @Override
    public void execute(Runnable r) {
      if (shutdown || saturated) {
        throw new RejectedExecutionException("refused");
      }
      if (dropFirst > 0) {
        dropFirst--;
        return;
      }
      queue.add(r);
    }

    void runAll() {
      while (!queue.isEmpty()) {
        queue.poll().run();
      }
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown = true;
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return shutdown;
    }
  }

  /** Advances the clock by {@code ms} in 10 ms steps, checking at each, the JVM meter first. */
  private void advance(long ms) {
    for (long t = 0; t < ms; t += 10) {
      long start = clock.nanoTime();
      clock.advanceMillis(Math.min(10, ms - t));
      jvm.onWake(start, clock.nanoTime(), clock.nanoTime());
      dog.onWake(start, clock.nanoTime(), clock.nanoTime());
    }
  }

  /** As {@link #advance(long)}, the executor running what it has after each check. */
  private void advance(long ms, HandRun ex) {
    for (long t = 0; t < ms; t += 10) {
      advance(Math.min(10, ms - t));
      ex.runAll();
    }
  }

  private void check() {
    dog.check(clock.nanoTime());
  }

  private List<Signal> firing() {
    return signals.stream().filter(s -> !s.isResolved()).toList();
  }

  private List<Signal> resolved() {
    return signals.stream().filter(Signal::isResolved).toList();
  }

  @Test
  void aStuckExecutorIsReportedWhileStuckThenEscalatedThenResolved() {
    HandRun ex = new HandRun();
    dog.watch("loop-0", ex);
    check(); // first probe
    ex.runAll(); // runs on this thread, which becomes the executor's known thread
    advance(10); // second probe submitted; nothing runs it from now on
    assertThat(ex.queue).hasSize(1);
    advance(50); // probe 50 ms old: not above the threshold
    assertThat(signals).isEmpty();
    advance(10);
    assertThat(signals).hasSize(1);
    Signal s = signals.get(0);
    assertThat(s.key()).isEqualTo("loop-0");
    assertThat(s.severity()).isEqualTo(Severity.WARNING);
    assertThat(s.data()).containsEntry("inProgress", true).containsEntry("cause", "blocked")
        .containsEntry("thread", Thread.currentThread().getName())
        .containsEntry("gcPauseMs", 0L).containsEntry("thresholdMs", 50.0);
    assertThat((Double) s.data().get("lagMs")).isCloseTo(60.0, within(0.001));
    @SuppressWarnings("unchecked")
    List<String> stack = (List<String>) s.data().get("stack");
    assertThat(stack).anyMatch(f -> f.contains("ExecutorWatchdogTest.advance"));
    assertThat(stack.size()).isLessThanOrEqualTo(ExecutorWatchdog.MAX_FRAMES + 1);
    Map<String, Object> figures = new LinkedHashMap<>();
    dog.snapshot(figures);
    assertThat(figures).containsEntry("lag.executor.loop-0.lagMs", 60.0)
        .containsEntry("lag.executors.watched", 1);

    advance(300);
    assertThat(signals).hasSize(1); // one signal per episode
    advance(150); // 510 ms: ten times the threshold
    assertThat(signals).hasSize(2);
    assertThat(signals.get(1).severity()).isEqualTo(Severity.CRITICAL);
    assertThat(signals.get(1).data()).containsEntry("inProgress", true);

    ex.runAll();
    check();
    assertThat(signals).hasSize(3);
    Signal r = signals.get(2);
    assertThat(r.isResolved()).isTrue();
    assertThat(r.severity()).isEqualTo(Severity.INFO);
    assertThat(r.data()).containsEntry("durationMs", 510.0).containsEntry("maxSeverity", "CRITICAL");
  }

  @Test
  void aProbeRunInsideExecuteByTheSubmittingThreadDoesNotNameThatThread() {
    dog.watch("direct", Runnable::run); // runs the probe inside execute(), like CallerRunsPolicy
    check();
    advance(30);
    assertThat(dog.threadKnown("direct")).isFalse();
    assertThat(signals).isEmpty();
  }

  @Test
  void aSpareStillOnItsWayWhenTheProbeRunsIsMeasuredNextAndNothingElseIsSubmitted() {
    Deferred submitter = new Deferred();
    ExecutorWatchdog d = quick(new ExecutorWatchdog(clock, signals::add, jvm, 10 * MS, 10 * MS, submitter));
    HandRun ex = new HandRun();
    d.watch("slow", ex);
    d.check(clock.nanoTime());
    submitter.jobs.poll().run(); // the probe is accepted, and then nothing runs
    for (int i = 0; i < 101; i++) {
      clock.advanceMillis(10);
      d.check(clock.nanoTime());
    }
    assertThat(firing()).hasSize(2); // WARNING, CRITICAL
    assertThat(submitter.jobs).as("a spare probe after 1 s").hasSize(1);
    ex.runAll(); // the first probe runs while the spare's submission still waits
    clock.advanceMillis(10);
    d.check(clock.nanoTime());
    assertThat(resolved()).singleElement().satisfies(s -> assertThat(s.data()).containsEntry("how", "ran"));
    for (int i = 0; i < 5; i++) {
      clock.advanceMillis(10);
      d.check(clock.nanoTime());
    }
    assertThat(submitter.jobs).as("one submission in flight per watch").hasSize(1);
    submitter.jobs.poll().run(); // the spare goes in now: it is the probe measured from here
    clock.advanceMillis(30);
    ex.runAll();
    clock.advanceMillis(10);
    d.check(clock.nanoTime());
    assertThat(submitter.jobs).as("the next probe, once the spare ran").hasSize(1);
    Map<String, Object> figures = new LinkedHashMap<>();
    d.snapshot(figures);
    assertThat(figures).containsEntry("lag.executor.slow.lagMs", 30.0);
    assertThat(signals).filteredOn(s -> s.type().equals(Signal.TYPE_EVENT_LOOP_LAG)).hasSize(3);
    // this test's submitter held the spare back 60 ms, over the threshold: said, once
    assertThat(signals).filteredOn(s -> s.type().equals(Signal.TYPE_ERROR)).singleElement()
        .satisfies(s -> assertThat(s.data()).containsEntry(DataKeys.KIND, "probeNotSubmitted"));
  }

  @Test
  void queueingBehindOtherWorkIsLag() {
    HandRun ex = new HandRun();
    dog.watch("pool", ex);
    check();
    ex.runAll();
    advance(100, ex); // an executor that keeps up
    assertThat(signals).isEmpty();
    // work queued ahead of the probe: the probe waits
    HandRun q = new HandRun();
    dog.watch("queued", q);
    for (int i = 0; i < 20; i++) {
      q.execute(() -> {});
    }
    advance(70, ex);
    assertThat(firing()).singleElement().extracting(Signal::key).isEqualTo("queued");
    // the probe never ran: its thread is not known
    assertThat(firing().get(0).data()).containsEntry("cause", "unknown").containsEntry("thread", null);
  }

  @Test
  void aJvmWideStallIsNotBlamedOnTheExecutor() {
    jvm.quietNanos(0); // each JVM stall its own episode: the second one signals too
    HandRun ex = new HandRun();
    dog.watch("loop", ex);
    check();
    ex.runAll();
    advance(10);
    // the whole JVM stops for 300 ms: the meter sees it first, then the watchdog checks
    long start = clock.nanoTime();
    clock.advanceMillis(300);
    jvm.onWake(start, start + 10 * MS, clock.nanoTime());
    gc.record("G1 Old Generation", "end of major GC", "System.gc()", start + MS, 298, false,
        0, 0, 0);
    dog.onWake(start, start + 10 * MS, clock.nanoTime());
    ex.runAll(); // the loop runs right after the pause
    advance(100, ex);
    assertThat(signals).extracting(Signal::key).containsOnly("jvm");
    assertThat(firing()).singleElement().satisfies(s ->
        assertThat(s.data()).containsEntry("cause", "gc"));
    // but a loop that stays stuck through the pause and after it is reported, with the GC share
    advance(10); // a probe goes in, and the loop runs nothing from now on
    start = clock.nanoTime();
    clock.advanceMillis(200);
    jvm.onWake(start, start + 10 * MS, clock.nanoTime());
    gc.record("G1 Old Generation", "end of major GC", "System.gc()", start + MS, 198, false,
        0, 0, 0);
    dog.onWake(start, start + 10 * MS, clock.nanoTime());
    assertThat(firing()).extracting(Signal::key).containsExactly("jvm");
    advance(60);
    assertThat(firing()).extracting(Signal::key).containsExactly("jvm", "jvm", "loop");
    Signal loop = firing().get(2);
    assertThat(loop.data()).containsEntry("cause", "blocked").containsEntry("gcPauseMs", 198L);
    assertThat((Double) loop.data().get("lagMs")).isGreaterThan(250.0);
  }

  @Test
  void aSaturatedPoolLagsFromItsFirstRefusal() {
    HandRun ex = new HandRun();
    dog.watch("sat", ex);
    check();
    ex.runAll();
    ex.saturated = true;
    advance(80);
    assertThat(firing()).singleElement().satisfies(s ->
        assertThat((Double) s.data().get("lagMs")).isGreaterThan(50.0));
    assertThat(dog.watchedCount()).isEqualTo(1);
    ex.saturated = false;
    advance(10); // accepted now
    ex.runAll();
    advance(10);
    assertThat(resolved()).singleElement().satisfies(s ->
        assertThat((Double) s.data().get("durationMs")).isGreaterThanOrEqualTo(80.0));
  }

  @Test
  void aDroppedProbeIsWrittenOffBySpareProbe() {
    HandRun ex = new HandRun();
    dog.watch("discarding", ex);
    check();
    ex.runAll();
    advance(10);
    ex.queue.clear(); // the executor discarded the probe
    advance(1000);
    assertThat(firing()).hasSize(2); // WARNING, then CRITICAL at 500 ms
    advance(20); // a spare probe went in after one second
    ex.runAll();
    advance(10);
    assertThat(resolved()).singleElement().satisfies(s ->
        assertThat(s.data()).containsEntry("how", "probeLost"));
    advance(100, ex);
    assertThat(signals).hasSize(3);
  }

  @Test
  void shutDownClosedAndRefusingExecutorsAreReleased() {
    HandRun down = new HandRun();
    HandRun stuck = new HandRun();
    HandRun kept = new HandRun();
    dog.watch("down", down);
    dog.watch("stuck", stuck);
    Subscription closed = dog.watch("closed", new HandRun());
    dog.watch("plain", r -> {
      throw new RejectedExecutionException("not an ExecutorService");
    });
    dog.watch("kept", kept);
    check();
    assertThat(dog.watchedCount()).as("the plain executor refused: released").isEqualTo(4);
    stuck.runAll();
    advance(80);
    assertThat(firing()).extracting(Signal::key).containsExactlyInAnyOrder("stuck", "down", "closed", "kept");
    signals.clear();
    down.shutdown();
    stuck.shutdown();
    closed.close();
    kept.runAll();
    check();
    assertThat(dog.watchedCount()).isEqualTo(1);
    assertThat(resolved()).extracting(Signal::key).containsExactlyInAnyOrder("down", "stuck", "closed", "kept");
    assertThat(resolved()).filteredOn(s -> "stuck".equals(s.key())).singleElement()
        .satisfies(s -> assertThat(s.data()).containsEntry("how", "shutdown"));
  }

  /** An exception whose getMessage() and toString() throw: user code may hand Argos anything. */
  static final class Unprintable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    @Override
    public String getMessage() {
      throw new IllegalStateException("getMessage");
    }

    @Override
    public String toString() {
      throw new IllegalStateException("toString");
    }
  }

  /** An executor that refuses work and whose isShutdown() throws. */
  static final class BrokenPool extends java.util.concurrent.AbstractExecutorService {
    @Override
    public void execute(Runnable r) {
      throw new RejectedExecutionException("full");
    }

    @Override
    public boolean isShutdown() {
      throw new IllegalStateException("isShutdown");
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
      return List.of();
    }

    @Override
    public boolean awaitTermination(long t, java.util.concurrent.TimeUnit u) {
      return false;
    }
  }

  /** Before the fix the submission was left "in execute()" and reported as a stall forever. */
  @Test
  void anExecuteThatThrowsSomethingUnprintableIsReleasedNotReportedAsBlocked() {
    dog.watch("hostile", r -> {
      throw new Unprintable();
    });
    dog.watch("broken", new BrokenPool());
    check();
    advance(600);
    assertThat(dog.watchedCount()).isZero();
    assertThat(signals).noneMatch(s -> "hostile".equals(s.key()) || "broken".equals(s.key()));
  }

  /** Watches a capturing lambda only the watch refers to; returns a weak reference to it. */
  private WeakReference<Executor> watchLambda(HandRun pool, Subscription[] handle) {
    Executor lambda = r -> pool.execute(r);
    handle[0] = dog.watch("lambda", lambda);
    return new WeakReference<>(lambda);
  }

  @Test
  void aWatchHoldsItsExecutorUntilItsHandleIsClosed() {
    HandRun pool = new HandRun();
    Subscription[] handle = new Subscription[1];
    WeakReference<Executor> lambda = watchLambda(pool, handle);
    // a real collection has run once an unreachable object's weak reference is cleared (GC is
    // asynchronous to this test: poll with Awaitility)
    WeakReference<Object> control = new WeakReference<>(new Object());
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      System.gc();
      return control.get() == null;
    });
    assertThat(lambda.get()).isNotNull();
    check();
    pool.runAll();
    advance(80); // nothing runs the next probe: still watched, so the stall is seen
    assertThat(firing()).singleElement().extracting(Signal::key).isEqualTo("lambda");
    handle[0].close();
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      System.gc();
      return lambda.get() == null;
    });
    check();
    assertThat(dog.watchedCount()).isZero();
    assertThat(resolved()).singleElement().satisfies(s -> assertThat(s.data()).containsEntry("how", "closed"));
  }

  @Test
  void aBlockedExecuteIsAStallCountedFromTheCallAndAWaitingSubmissionIsNot() throws Exception {
    Deferred submitter = new Deferred();
    ExecutorWatchdog d = quick(new ExecutorWatchdog(clock, signals::add, jvm, 10 * MS, 10 * MS, submitter));
    WatchdogIsolationTest.BlockingExecute ex = new WatchdogIsolationTest.BlockingExecute();
    d.watch("bp", ex);
    d.check(clock.nanoTime());
    assertThat(submitter.jobs).hasSize(1);
    for (int i = 0; i < 20; i++) { // 200 ms waiting for the submitter: not this executor's lag
      clock.advanceMillis(10);
      d.check(clock.nanoTime());
    }
    // but said once: this executor could not be probed (argos:error), never blamed for it
    assertThat(signals).singleElement().satisfies(s -> {
      assertThat(s.type()).isEqualTo(Signal.TYPE_ERROR);
      assertThat(s.data()).containsEntry(DataKeys.KIND, "probeNotSubmitted").containsEntry(DataKeys.WAITED_MS, 60L);
    });
    signals.clear();
    Thread t = new Thread(submitter.jobs.poll(), "test-submitter");
    t.setDaemon(true);
    t.start();
    try {
      assertThat(ex.entered.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 110; i++) { // 1.1 s inside execute(): past the spare probe's time
        clock.advanceMillis(10);
        jvm.onWake(clock.nanoTime() - 10 * MS, clock.nanoTime(), clock.nanoTime());
        d.check(clock.nanoTime());
        if (i == 5) {
          assertThat(signals).singleElement().satisfies(s -> {
            assertThat(s.key()).isEqualTo("bp");
            assertThat(s.data()).containsEntry(DataKeys.IN_PROGRESS, true)
                .containsEntry(DataKeys.CAUSE, "blocked").containsEntry(DataKeys.EXECUTE_BLOCKED, true)
                .containsEntry(DataKeys.THREAD, "test-submitter");
            assertThat((Double) s.data().get(DataKeys.LAG_MS)).isCloseTo(60.0, within(0.001));
            @SuppressWarnings("unchecked")
            List<String> stack = (List<String>) s.data().get(DataKeys.STACK);
            assertThat(stack).anyMatch(f -> f.contains("BlockingExecute.execute"));
          });
        }
      }
      assertThat(submitter.jobs).as("one submission in flight per watch").isEmpty();
      assertThat(firing()).hasSize(2); // WARNING, then CRITICAL at ten times the threshold
    } finally {
      ex.release.countDown();
      t.join(10_000);
    }
    d.check(clock.nanoTime()); // execute() returned; it ran the probe on its way
    assertThat(resolved()).singleElement().satisfies(s ->
        assertThat(s.data()).containsEntry("how", "ran").containsEntry("durationMs", 1100.0));
  }

  @Test
  void theNumberOfWatchesAndTheirNamesAreBounded() {
    HandRun ex = new HandRun();
    for (int i = 0; i < ExecutorWatchdog.MAX_WATCHED; i++) {
      dog.watch("e" + i, ex);
    }
    Subscription extra = dog.watch("one too many", ex);
    assertThat(dog.watchedCount()).isEqualTo(ExecutorWatchdog.MAX_WATCHED);
    extra.close();
    dog.close();
    assertThat(dog.watchedCount()).isZero();
    dog.watch("x".repeat(1000), ex);
    Map<String, Object> figures = new LinkedHashMap<>();
    dog.snapshot(figures);
    assertThat(figures).containsKey("lag.executor." + "x".repeat(ExecutorWatchdog.MAX_NAME) + ".lagMs");
  }

  @Test
  void argosWatchReturnsAHandleThatStopsWatching() {
    try (Argos argos = Argos.createArgos(ArgosConfig.builder().clock(clock).build())) {
      WatchdogIsolationTest.Queueing ex = new WatchdogIsolationTest.Queueing();
      Subscription s = argos.watch("via-argos", ex);
      argos.engine().wakeOnce(0, 0, clock.nanoTime());
      // submitted on the argos-prober thread, not this one: wait for it (a real thread)
      await().atMost(Duration.ofSeconds(10)).until(() -> ex.queue.size() == 1);
      assertThat(SamplerEngineTest.threadNamed(Prober.THREAD_NAME)).isTrue();
      assertThat(argos.snapshot().figures()).containsKey("lag.executor.via-argos.lagMs")
          .containsKey("lag.jvm.p99Ms");
      s.close();
      clock.advanceMillis(20);
      argos.engine().wakeOnce(0, 0, clock.nanoTime());
      assertThat(argos.snapshot().figures()).doesNotContainKey("lag.executor.via-argos.lagMs");
    }
  }

  @Test
  void theSamplerWakesForTheWatchdogOnlyWhileSomethingIsWatched() {
    SamplerEngine engine = new SamplerEngine(clock, 100 * MS, 60_000 * MS, signals::add);
    // the manual clock throughout: the slices are exact (the system clock made them depend on
    // how long this thread took between the check and the look, on a loaded machine)
    ArgosConfig config = ArgosConfig.builder().clock(clock).build();
    JvmStallSampler meter = JvmStallSampler.create(config, gc, signals::add);
    ExecutorWatchdog watchdog = quick(ExecutorWatchdog.create(config, meter, signals::add));
    try {
      engine.add(meter);
      engine.add(watchdog);
      // defaults (threshold 50 ms): the meter alone wakes every 25 ms
      assertThat(meter.resolutionNanos()).isEqualTo(25 * MS);
      assertThat(watchdog.resolutionNanos()).isEqualTo(Long.MAX_VALUE);
      assertThat(engine.sliceNanos()).isEqualTo(25 * MS);
      HandRun loop = new HandRun();
      try (var watch = watchdog.watch("loop", loop)) {
        assertThat(engine.sliceNanos()).as("checks at once when a watch is added").isEqualTo(ExecutorWatchdog.MIN_SLICE_NANOS);
        // its first probe (on the prober's thread)
        watchdog.check(clock.nanoTime());
        assertThat(engine.sliceNanos()).as("then once per probe interval, 2/5 of the threshold")
            .isEqualTo(20 * MS);
      }
      watchdog.check(clock.nanoTime()); // releases the closed watch
      assertThat(engine.sliceNanos()).isEqualTo(25 * MS);
    } finally {
      watchdog.close(); // and its prober thread, whatever happened above
    }
  }

  @Test
  void anIdleWatchedExecutorCostsOneWakeUpPerProbeIntervalAndAStallIsJudgedAtItsDeadline() {
    // the default cadence: a probe every 2/5 of the threshold (20 ms at 50 ms)
    assertThat(ExecutorWatchdog.probeIntervalNanos(50 * MS)).isEqualTo(20 * MS);
    long interval = ExecutorWatchdog.probeIntervalNanos(50 * MS);
    ExecutorWatchdog d = quick(new ExecutorWatchdog(clock, signals::add, jvm, interval, interval, INLINE));
    HandRun ex = new HandRun();
    d.watch("loop", ex);
    // the sampler thread parks for what the watchdog asks, the executor idle (runs each probe)
    int wakes = 0;
    int probes = 0;
    long start = clock.nanoTime();
    while (clock.nanoTime() - start < 1000 * MS) {
      long park = clock.nanoTime();
      clock.advance(Duration.ofNanos(d.resolutionNanos()));
      d.onWake(park, clock.nanoTime(), clock.nanoTime());
      wakes++;
      probes += ex.queue.size();
      ex.runAll();
    }
    assertThat(probes).as("probes in 1 s").isBetween(50, 51);
    assertThat(wakes).as("sampler wake-ups in 1 s: one per probe").isBetween(50, 52);
    // now the executor stalls: the probe submitted last is never run
    long submitted = clock.nanoTime();
    long park = clock.nanoTime();
    clock.advance(Duration.ofNanos(d.resolutionNanos()));
    d.onWake(park, clock.nanoTime(), clock.nanoTime()); // a new probe (the last one ran)
    submitted = clock.nanoTime();
    assertThat(ex.queue).hasSize(1);
    while (firing().isEmpty() && clock.nanoTime() - submitted < 200 * MS) {
      park = clock.nanoTime();
      clock.advance(Duration.ofNanos(d.resolutionNanos()));
      d.onWake(park, clock.nanoTime(), clock.nanoTime());
    }
    assertThat(firing()).hasSize(1);
    double lagMs = (Double) firing().get(0).data().get("lagMs");
    // judged at its deadline (threshold + 0.1 ms), not at the next wake-up a probe interval on
    assertThat(lagMs).isGreaterThan(50.0).isLessThan(51.0);
    assertThat((clock.nanoTime() - submitted) / 1e6).isLessThan(51.0);
  }

  /** Counts the submissions it runs inline. */
  static final class Counting implements ProbeSubmitter {
    int offers;

    @Override
    public boolean offer(Runnable job) {
      offers++;
      return INLINE.offer(job);
    }

    @Override
    public void maintain(long nowNanos) {}

    @Override
    public void close(long joinNanos) {}
  }

  /** Probes due over {@code ms} of manual time, one check per 10 ms. */
  private static int offersOver(ManualClock clock, ExecutorWatchdog d, Counting c, long ms) {
    int before = c.offers;
    for (long t = 0; t < ms; t += 10) {
      clock.advanceMillis(10);
      d.check(clock.nanoTime());
    }
    return c.offers - before;
  }

  @Test
  void idleJdkPoolsAreNotProbedButSubclassesAndBusyPoolsAre()
      throws Exception {
    Counting c = new Counting();
    ExecutorWatchdog d = new ExecutorWatchdog(clock, signals::add, jvm, 10 * MS, 10 * MS, c);
    java.util.concurrent.ThreadPoolExecutor plain = new java.util.concurrent.ThreadPoolExecutor(
        1, 1, 0, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>());
    java.util.concurrent.ThreadPoolExecutor subclass = new java.util.concurrent.ThreadPoolExecutor(
        1, 1, 0, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>()) {};
    java.util.concurrent.ScheduledThreadPoolExecutor scheduled =
        new java.util.concurrent.ScheduledThreadPoolExecutor(1);
    java.util.concurrent.ForkJoinPool fj = new java.util.concurrent.ForkJoinPool(1);
    try {
      scheduled.schedule(() -> {}, 1, TimeUnit.HOURS); // a delayed task waits in its queue
      d.watch("plain", plain);
      d.watch("subclass", subclass);
      d.watch("scheduled", scheduled);
      d.watch("fj", fj);
      assertThat(offersOver(clock, d, c, 10)).isEqualTo(4); // each one's first probe
      // the probes run on the pools' threads: wait for them (truly asynchronous)
      await().atMost(Duration.ofSeconds(10)).until(() -> d.threadKnown("plain")
          && d.threadKnown("subclass") && d.threadKnown("scheduled") && d.threadKnown("fj"));
      // idle: only the subclass (whose reads could be overridden) is probed, once per interval
      for (int i = 1; i <= 10; i++) {
        long ran = subclass.getCompletedTaskCount();
        assertThat(offersOver(clock, d, c, 10)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10))
            .until(() -> subclass.getCompletedTaskCount() == ran + 1); // let it run (async)
      }
      assertThat(d.probesSkipped()).isEqualTo(30);
      assertThat(plain.getCompletedTaskCount()).isEqualTo(1); // its first probe only

      // a busy pool is probed again, and its stall is reported in progress with its thread
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      plain.execute(() -> {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> plain.getActiveCount() == 1);
      long subclassRan = subclass.getCompletedTaskCount();
      assertThat(offersOver(clock, d, c, 10)).isEqualTo(2); // plain's probe, the subclass's
      // the subclass's probe runs (asynchronously) before the manual clock moves on
      await().atMost(Duration.ofSeconds(10))
          .until(() -> subclass.getCompletedTaskCount() == subclassRan + 1);
      offersOver(clock, d, c, 60);
      assertThat(firing()).singleElement().satisfies(s -> {
        assertThat(s.key()).isEqualTo("plain");
        assertThat(s.data()).containsEntry("inProgress", true).containsEntry("cause", "blocked");
        assertThat((String) s.data().get("thread")).startsWith("pool-");
      });
      release.countDown();
    } finally {
      plain.shutdownNow();
      subclass.shutdownNow();
      scheduled.shutdownNow();
      fj.shutdownNow();
    }
  }

  @Test
  void repeatedShortStallsOfOneExecutorAreOneEpisodeSignalledWhenItEscalates() {
    ExecutorWatchdog d = new ExecutorWatchdog(clock, signals::add, jvm, 10 * MS, 10 * MS, INLINE);
    HandRun ex = new HandRun();
    d.watch("flappy", ex);
    Runnable step = () -> {
      long start = clock.nanoTime();
      clock.advanceMillis(10);
      jvm.onWake(start, clock.nanoTime(), clock.nanoTime());
      d.onWake(start, clock.nanoTime(), clock.nanoTime());
    };
    d.check(clock.nanoTime());
    ex.runAll();
    for (int stall = 1; stall <= 5; stall++) {
      for (int i = 0; i < 8; i++) { // 80 ms without running anything: a stall over 50 ms
        step.run();
      }
      ex.runAll(); // it ends
      for (int i = 0; i < 100; i++) { // 1 s of health before the next one
        step.run();
        ex.runAll();
      }
    }
    // stall 1 fired (in progress); 2 and 3 only counted; 4 signalled as a count escalation
    assertThat(resolved()).isEmpty();
    assertThat(firing()).hasSize(2);
    Signal first = firing().get(0);
    Signal update = firing().get(1);
    assertThat(first.data()).containsEntry("inProgress", true).containsEntry("count", 1)
        .doesNotContainKey("escalation");
    assertThat(update.data()).containsEntry("inProgress", true).containsEntry("count", 4)
        .containsEntry("escalation", "count").containsEntry("episode", first.data().get("episode"));
    assertThat((Double) update.data().get("lostMs")).isGreaterThan(3 * 50.0);

    // 10 s of calm after the last stall: one resolved signal with the episode's totals
    for (int i = 0; i < 1000; i++) {
      step.run();
      ex.runAll();
    }
    assertThat(resolved()).singleElement().satisfies(r -> {
      assertThat(r.data()).containsEntry("count", 5).containsEntry("how", "ran")
          .containsEntry("episode", first.data().get("episode"));
      assertThat((Double) r.data().get("lostMs")).isGreaterThan(5 * 50.0).isLessThan(5 * 100.0);
      assertThat((Double) r.data().get("maxLagMs")).isGreaterThan(50.0).isLessThan(100.0);
      // from the first stall's start to the last one's end: five stalls a second apart
      assertThat((Double) r.data().get("durationMs")).isGreaterThan(4_000.0).isLessThan(5_000.0);
    });

    // a stall after calm returned opens a new episode
    for (int i = 0; i < 8; i++) {
      step.run();
    }
    assertThat(firing()).hasSize(3);
    assertThat(firing().get(2).data().get("episode")).isNotEqualTo(first.data().get("episode"));
  }

  @Test
  void closingEndsARunningEpisodeWithItsResolvedSignal() {
    ExecutorWatchdog d = new ExecutorWatchdog(clock, signals::add, jvm, 10 * MS, 10 * MS, INLINE);
    HandRun ex = new HandRun();
    d.watch("closing", ex);
    d.check(clock.nanoTime());
    ex.runAll();
    for (int i = 0; i < 8; i++) { // an 80 ms stall
      clock.advanceMillis(10);
      d.check(clock.nanoTime());
    }
    ex.runAll();
    clock.advanceMillis(10);
    d.check(clock.nanoTime()); // it ended; the episode waits for 10 s of calm
    assertThat(firing()).hasSize(1);
    assertThat(resolved()).isEmpty();
    d.close();
    assertThat(resolved()).singleElement().satisfies(r -> assertThat(r.data())
        .containsEntry("how", "ran").containsEntry("count", 1)
        .containsEntry("episode", firing().get(0).data().get("episode")));
  }
}
