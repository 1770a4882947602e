package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.ManualClock;
import dev.argos.core.Signal;
import dev.argos.core.Subscription;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * What a watched executor can do to Argos: block in {@code execute()}, ignore interrupts there,
 * be a capturing lambda nobody else holds, carry control characters in its name.
 */
class WatchdogIsolationTest {
  /** The documented name of a probe-submitting thread left inside an executor's execute(). */
  private static final String ABANDONED = "argos-prober-abandoned";

  /** A signal and when (System.nanoTime) the listener got it. */
  record Got(Signal signal, long atNanos) {}

  /** An executor whose execute() blocks until released (back-pressure), then runs the task inline. */
  static final class BlockingExecute implements Executor {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    volatile long enteredNanos;

    @Override
    public void execute(Runnable r) {
      if (entered.getCount() > 0) {
        enteredNanos = System.nanoTime();
        entered.countDown();
      }
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RejectedExecutionException("interrupted", e);
      }
      r.run();
    }
  }

  /** An executor whose execute() waits until released and swallows every interrupt meanwhile. */
  static final class DeafExecute implements Executor {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    @SuppressWarnings("CatchAndPrintStackTrace")
    public void execute(Runnable r) {
      entered.countDown();
      boolean done = false;
      while (!done) {
        try {
          release.await();
          done = true;
        } catch (InterruptedException ignored) {
          // deaf on purpose: this executor ignores interrupts
        }
      }
    }
  }

  /** Queues tasks for the test to look at; never runs them. */
  static final class Queueing implements Executor {
    final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();

    @Override
    public void execute(Runnable r) {
      queue.add(r);
    }
  }

  private static Got awaitSignal(List<Got> got, Predicate<Signal> which) {
    await().atMost(Duration.ofSeconds(10)).until(() -> got.stream().anyMatch(g -> which.test(g.signal())));
    return got.stream().filter(g -> which.test(g.signal())).findFirst().orElseThrow();
  }

  private static Predicate<Signal> lag(String key, boolean resolved) {
    return s -> Signal.TYPE_EVENT_LOOP_LAG.equals(s.type()) && key.equals(s.key()) && s.isResolved() == resolved;
  }

  @Test
  void aBlockingExecuteNeitherBlindsTheSamplerNorGoesUnreported() throws Exception {
    List<Got> got = new CopyOnWriteArrayList<>();
    BlockingExecute blocked = new BlockingExecute();
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-pool"));
    CountDownLatch unstall = new CountDownLatch(1);
    Argos argos = Argos.createArgos(ArgosConfig.builder().sampleRate(Duration.ofMillis(20))
        .windowSize(Duration.ofSeconds(2)).onAnomaly(s -> got.add(new Got(s, System.nanoTime()))).build());
    try {
      argos.watchdog().quietNanos(0); // each stall resolves when its probe runs
      argos.start();
      argos.watch("blocked", blocked);
      argos.watch("pool", pool);
      assertThat(blocked.entered.await(10, TimeUnit.SECONDS)).isTrue();
      // the sampler keeps ticking while a probe submission is blocked (real threads: Awaitility)
      long ticks = argos.snapshot().getLong("sampler.ticks", -1);
      await().atMost(Duration.ofSeconds(10)).until(() -> argos.snapshot().getLong("sampler.ticks", -1) > ticks + 5);
      // another executor's stall is still detected
      pool.execute(() -> {
        try {
          unstall.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      Got poolStall = awaitSignal(got, lag("pool", false));
      assertThat(poolStall.signal().data()).containsEntry(DataKeys.IN_PROGRESS, true)
          .containsEntry(DataKeys.THREAD, "test-pool");
      // and the executor whose execute() is blocked is reported as stalled, with the blocked call
      Got b = awaitSignal(got, lag("blocked", false));
      assertThat(b.signal().data()).containsEntry(DataKeys.IN_PROGRESS, true)
          .containsEntry(DataKeys.CAUSE, "blocked").containsEntry(DataKeys.EXECUTE_BLOCKED, true);
      assertThat((String) b.signal().data().get(DataKeys.THREAD)).isNotEqualTo(SamplerEngine.THREAD_NAME);
      @SuppressWarnings("unchecked")
      List<String> stack = (List<String>) b.signal().data().get(DataKeys.STACK);
      assertThat(stack).anyMatch(f -> f.contains("BlockingExecute.execute"));
      // its lag counts from the start of the blocked call
      double lagMs = (Double) b.signal().data().get(DataKeys.LAG_MS);
      assertThat(lagMs).isGreaterThan(50.0)
          .isLessThanOrEqualTo((b.atNanos() - blocked.enteredNanos) / 1e6 + 1);
      blocked.release.countDown();
      awaitSignal(got, lag("blocked", true));
    } finally {
      blocked.release.countDown();
      unstall.countDown();
      pool.shutdownNow();
      argos.close();
    }
  }

  /**
   * An executor whose execute() blocks at the very moment another executor stalls does not hide
   * that stall: the blocked submission is handed over at the next check (a probe interval), not
   * after the threshold (before: the victim's probe waited a whole threshold behind it and a stall shorter
   * than twice the threshold went unreported).
   */
  @Test
  void aBlockedExecuteDoesNotHideAnotherExecutorsStall() throws Exception {
    List<Got> got = new CopyOnWriteArrayList<>();
    BlockingExecute blocked = new BlockingExecute();
    ExecutorService victim = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-victim"));
    CountDownLatch unstall = new CountDownLatch(1); // never counted down before the end
    Argos argos = Argos.createArgos(ArgosConfig.builder()
        .thresholds(Thresholds.builder().eventLoopLag(Duration.ofMillis(1_000)).build())
        .onAnomaly(s -> got.add(new Got(s, System.nanoTime()))).build());
    try {
      argos.watchdog().quietNanos(0); // each stall resolves when its probe runs
      argos.start();
      // the victim's only thread is stuck from now on, and a probe round will find the other
      // executor's execute() blocking
      victim.execute(() -> {
        try {
          // the stall: 1.8 x the threshold (a latch nobody counts down, as a blocking call); the
          // blocked call is handed over at the next check, one probe interval (0.4 x) at most
          assertThat(unstall.await(1_800, TimeUnit.MILLISECONDS)).isFalse();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      argos.watch("blocked", blocked);
      argos.watch("victim", victim);
      // reported while it lasts (it resolves when the victim's probe finally runs)
      Got v = awaitSignal(got, lag("victim", false));
      assertThat(v.signal().data()).containsEntry(DataKeys.IN_PROGRESS, true);
      Got end = awaitSignal(got, lag("victim", true));
      assertThat(v.atNanos()).isLessThan(end.atNanos());
    } finally {
      unstall.countDown();
      blocked.release.countDown();
      victim.shutdownNow();
      argos.close();
    }
  }

  /**
   * Past the prober's bound of threads left blocked in execute(), an executor that cannot be
   * probed is said to be unwatched (argos:error, kind probeNotSubmitted), not left silent.
   */
  @Test
  void anExecutorThatCannotBeProbedIsReported() throws Exception {
    List<Got> got = new CopyOnWriteArrayList<>();
    List<BlockingExecute> blocked = new java.util.ArrayList<>();
    Argos argos = Argos.createArgos(ArgosConfig.builder()
        .thresholds(Thresholds.builder().eventLoopLag(Duration.ofMillis(200)).build()).build());
    // argos:error goes to an agent's error topic
    try (dev.argos.core.Agent agent =
        dev.argos.core.Agent.createAgent(dev.argos.core.AgentConfig.builder().observer(argos).build())) {
      agent.on(dev.argos.core.Agent.TOPIC_ERROR, s -> got.add(new Got(s, System.nanoTime())));
      for (int i = 0; i <= Prober.MAX_ABANDONED; i++) {
        BlockingExecute b = new BlockingExecute();
        blocked.add(b);
        argos.watch("blocked-" + i, b);
      }
      argos.watch("victim", new Queueing());
      Got err = awaitSignal(got, s -> "victim".equals(s.key()));
      assertThat(err.signal().data()).containsEntry(DataKeys.KIND, "probeNotSubmitted");
      assertThat(((Number) err.signal().data().get(DataKeys.WAITED_MS)).longValue()).isGreaterThanOrEqualTo(200);
    } finally {
      blocked.forEach(b -> b.release.countDown());
    }
  }


  @Test
  void aPoolWithABlockingPutRejectionHandlerIsReportedAndClosingLeavesNoThread() throws Exception {
    List<Got> got = new CopyOnWriteArrayList<>();
    CountDownLatch unblock = new CountDownLatch(1);
    // back-pressure as it is written in the wild: a full pool's handler puts into the queue
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(1), r -> new Thread(r, "bp-worker"), (r, executor) -> {
          try {
            executor.getQueue().put(r);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RejectedExecutionException("interrupted while waiting for room", e);
          }
        });
    Argos argos = Argos.createArgos(ArgosConfig.builder().sampleRate(Duration.ofMillis(20))
        .windowSize(Duration.ofSeconds(2)).onAnomaly(s -> got.add(new Got(s, System.nanoTime()))).build());
    try {
      pool.execute(() -> {
        try {
          unblock.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      pool.execute(() -> {}); // the queue is full from now on
      argos.start();
      argos.watch("bp", pool);
      Got b = awaitSignal(got, lag("bp", false));
      assertThat(b.signal().data()).containsEntry(DataKeys.EXECUTE_BLOCKED, true)
          .containsEntry(DataKeys.CAUSE, "blocked");
      @SuppressWarnings("unchecked")
      List<String> stack = (List<String>) b.signal().data().get(DataKeys.STACK);
      assertThat(stack).anyMatch(f -> f.contains("ArrayBlockingQueue.put"));
      long ticks = argos.snapshot().getLong("sampler.ticks", -1);
      await().atMost(Duration.ofSeconds(10)).until(() -> argos.snapshot().getLong("sampler.ticks", -1) > ticks + 5);
      // close() interrupts the blocked put, which this handler honours: no thread is left at all
      argos.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> ArgosLifecycleTest.argosThreads().isEmpty());
    } finally {
      unblock.countDown();
      pool.shutdownNow();
      argos.close();
    }
  }

  @Test
  void anExecuteThatIgnoresInterruptsLeavesNoSamplerThreadAfterClose() throws Exception {
    DeafExecute deaf = new DeafExecute();
    Argos argos = Argos.createArgos(ArgosConfig.builder().sampleRate(Duration.ofMillis(20))
        .windowSize(Duration.ofSeconds(2)).onAnomaly(s -> {}).build());
    try {
      argos.start();
      argos.watch("deaf", deaf);
      assertThat(deaf.entered.await(10, TimeUnit.SECONDS)).isTrue();
      long start = System.nanoTime();
      argos.close();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1500);
      assertThat(SamplerEngineTest.threadNamed(SamplerEngine.THREAD_NAME)).isFalse();
      // the one thread left is the documented daemon stuck inside the executor's own code
      assertThat(ArgosLifecycleTest.argosThreads()).containsOnly(ABANDONED);
    } finally {
      deaf.release.countDown();
      argos.close();
    }
    // once the executor's call returns, it ends too (real thread: Awaitility)
    await().atMost(Duration.ofSeconds(10)).until(() -> ArgosLifecycleTest.argosThreads().isEmpty());
  }

  /** Watches a capturing lambda that only the watch refers to; returns a weak reference to it. */
  private static WeakReference<Executor> watchLambda(Argos argos, Queueing pool, Subscription[] handle) {
    Executor lambda = r -> pool.execute(r);
    handle[0] = argos.watch("pool", lambda);
    return new WeakReference<>(lambda);
  }

  @Test
  void aCapturingLambdaStaysWatchedThroughGcUntilItsHandleIsClosed() {
    ManualClock clock = Clock.manual();
    Queueing pool = new Queueing();
    try (Argos argos = Argos.createArgos(ArgosConfig.builder().clock(clock).build())) {
      Subscription[] handle = new Subscription[1];
      WeakReference<Executor> lambda = watchLambda(argos, pool, handle);
      // a real collection has run once an unreachable object's weak reference is cleared
      WeakReference<Object> control = new WeakReference<>(new Object());
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        System.gc();
        return control.get() == null;
      });
      assertThat(lambda.get()).as("the watch holds the lambda").isNotNull();
      argos.engine().wakeOnce(0, 0, clock.nanoTime());
      // the probe goes through the lambda to the pool (submitted off this thread: Awaitility)
      await().atMost(Duration.ofSeconds(10)).until(() -> pool.queue.size() == 1);
      assertThat(argos.snapshot().figures()).containsKey("lag.executor.pool.lagMs");
      // closing the handle releases the lambda, although the handle itself is still held
      handle[0].close();
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        System.gc();
        return lambda.get() == null;
      });
      assertThat(handle[0]).isNotNull();
    }
  }

  @Test
  void snapshotFigureNamesAndToStringAreNeutralised() {
    ManualClock clock = Clock.manual();
    try (Argos argos = Argos.createArgos(ArgosConfig.builder().clock(clock).build())) {
      argos.watch("\u001b[31m\r", new Queueing());
      ArgosSnapshot snap = argos.snapshot();
      assertThat(snap.figures()).containsKey("lag.executor.\\u001b[31m\\r.lagMs");
      assertThat(snap.figures().keySet()).noneMatch(k -> k.indexOf('\u001b') >= 0 || k.indexOf('\r') >= 0);
      assertThat(snap.toString()).doesNotContain("\u001b").doesNotContain("\r")
          .contains("lag.executor.\\u001b[31m\\r.lagMs");
    }
  }
}
