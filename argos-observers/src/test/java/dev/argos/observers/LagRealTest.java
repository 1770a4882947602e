package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Signal;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real stalls: a blocked thread pool, blocked Netty event loops, queueing, and a full GC, seen
 * by a started Argos (system clock, eventLoopLag 50 ms). Detection latencies are printed.
 */
class LagRealTest {
  private static final long THRESHOLD_MS = 50;

  /** A signal with the System.nanoTime at which the listener got it. */
  record Got(Signal signal, long atNanos) {}

  private final BlockingQueue<Got> got = new LinkedBlockingQueue<>();
  private Argos argos;

  @BeforeEach
  void start() {
    argos =
        Argos.createArgos(
                ArgosConfig.builder()
                    .thresholds(Thresholds.builder().eventLoopLag(Duration.ofMillis(THRESHOLD_MS)).build())
                    .onAnomaly(s -> got.add(new Got(s, System.nanoTime())))
                    .build())
            .start();
    // one episode per blocked round: resolved as soon as its probe runs (grouping of repeated
    // stalls within the quiet time is ExecutorWatchdogTest's)
    argos.watchdog().quietNanos(0);
  }

  @AfterEach
  void stop() {
    argos.close();
  }

  private Got next(Predicate<Signal> which, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    List<Signal> others = new ArrayList<>();
    while (true) {
      long left = deadline - System.nanoTime();
      Got g = got.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      if (g == null) {
        throw new AssertionError(
            "no matching signal within " + timeoutMs + " ms; others: " + others
                + "; figures: " + argos.snapshot());
      }
      others.add(g.signal());
      if (which.test(g.signal())) {
        return g;
      }
    }
  }

  private static Predicate<Signal> firing(String key) {
    return s -> key.equals(s.key()) && !s.isResolved();
  }

  private static Predicate<Signal> resolved(String key) {
    return s -> key.equals(s.key()) && s.isResolved();
  }

  private ExecutorWatchdog watchdog() {
    for (Sampler s : argos.engine().samplers()) {
      if (s instanceof ExecutorWatchdog w) {
        return w;
      }
    }
    throw new AssertionError("no watchdog");
  }

  private JvmStallSampler meter() {
    for (Sampler s : argos.engine().samplers()) {
      if (s instanceof JvmStallSampler m) {
        return m;
      }
    }
    throw new AssertionError("no stall meter");
  }

  /** Whether no JVM stall episode runs now (snapshot figure). */
  private boolean noEpisode() {
    return argos.snapshot().getLong("lag.jvm.episodeStalls", -1) == 0;
  }

  /** The blocking call the stack must name. */
  static void blockHere(AtomicLong startedAt, CountDownLatch release) {
    startedAt.set(System.nanoTime());
    try {
      release.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Blocks {@code executor} {@code rounds} times; each time asserts the in-progress signal comes
   * while still blocked, names the thread and {@link #blockHere}, then the resolved one. Returns
   * the detection latencies in ms (block start to signal received by the listener).
   */
  private List<Double> blockRounds(String key, java.util.concurrent.Executor executor,
      String threadName, int rounds) throws Exception {
    argos.watch(key, executor);
    // the first probe runs on the executor's thread asynchronously: wait until it has
    await().atMost(Duration.ofSeconds(10)).until(() -> watchdog().threadKnown(key));
    return blockWatched(key, executor, threadName, rounds);
  }

  /** As {@link #blockRounds}, for an executor watched already under {@code key}. */
  private List<Double> blockWatched(String key, java.util.concurrent.Executor executor,
      String threadName, int rounds) throws Exception {
    List<Double> latencies = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      AtomicLong startedAt = new AtomicLong();
      CountDownLatch release = new CountDownLatch(1);
      executor.execute(() -> blockHere(startedAt, release));
      Got g = next(firing(key), 10_000);
      assertThat(release.getCount()).as("still blocked when the signal came").isEqualTo(1);
      Signal s = g.signal();
      assertThat(s.data()).containsEntry("inProgress", true).containsEntry("cause", "blocked")
          .containsEntry("thread", threadName);
      assertThat((Double) s.data().get("lagMs")).isGreaterThan((double) THRESHOLD_MS);
      @SuppressWarnings("unchecked")
      List<String> stack = (List<String>) s.data().get("stack");
      assertThat(stack).anyMatch(f -> f.contains("LagRealTest.blockHere"));
      latencies.add((g.atNanos() - startedAt.get()) / 1e6);
      long releasedAt = System.nanoTime();
      release.countDown();
      Signal r = next(resolved(key), 10_000).signal();
      assertThat((Double) r.data().get("durationMs"))
          .isGreaterThanOrEqualTo((releasedAt - startedAt.get()) / 1e6 - 2 * THRESHOLD_MS);
    }
    System.out.printf(Locale.ROOT, "LagRealTest %s detection latency ms: %s%n", key, latencies);
    return latencies;
  }

  private static java.util.concurrent.ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Test
  void aBlockedThreadPoolIsReportedWhileBlocked() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor(named("lag-test-pool"));
    try {
      List<Double> lat = blockRounds("pool", pool, "lag-test-pool", 5);
      // detection needs the threshold to pass; generous upper bound for a loaded machine
      assertThat(lat).allSatisfy(ms -> assertThat(ms).isBetween((double) THRESHOLD_MS - 15, 2000.0));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anIdleJdkPoolIsNotProbedYetItsStallsAreCaughtInProgress() throws Exception {
    // the pool itself (not the wrapper newSingleThreadExecutor returns): Argos can see it idle
    ThreadPoolExecutor pool = new ThreadPoolExecutor(
        1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), named("lag-test-tpe"));
    try {
      argos.watch("tpe", pool);
      await().atMost(Duration.ofSeconds(10)).until(() -> watchdog().threadKnown("tpe"));
      // idle for 500 ms (about 25 probe intervals): no probe reaches the pool
      long ranBefore = pool.getCompletedTaskCount();
      long skippedBefore = watchdog().probesSkipped();
      assertThat(new CountDownLatch(1).await(500, TimeUnit.MILLISECONDS)).isFalse();
      assertThat(pool.getCompletedTaskCount()).as("probes run by the idle pool")
          .isEqualTo(ranBefore);
      assertThat(watchdog().probesSkipped() - skippedBefore).isGreaterThanOrEqualTo(10);
      // and a task that blocks it is still reported while it blocks, naming its stack
      List<Double> lat = blockWatched("tpe", pool, "lag-test-tpe", 5);
      assertThat(lat).allSatisfy(ms -> assertThat(ms).isBetween((double) THRESHOLD_MS - 15, 2000.0));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void blockedNettyEventLoopsAreReportedWhileBlocked() throws Exception {
    DefaultEventLoop loop = new DefaultEventLoop(named("lag-test-default-loop"));
    EventLoopGroup nio = new NioEventLoopGroup(1, named("lag-test-nio-loop"));
    try {
      List<Double> a = blockRounds("default-loop", loop, "lag-test-default-loop", 3);
      EventLoop nioLoop = nio.next();
      List<Double> b = blockRounds("nio-loop", nioLoop, "lag-test-nio-loop", 3);
      assertThat(a).allSatisfy(ms -> assertThat(ms).isBetween((double) THRESHOLD_MS - 15, 2000.0));
      assertThat(b).allSatisfy(ms -> assertThat(ms).isBetween((double) THRESHOLD_MS - 15, 2000.0));
      // a loop that shuts down is released
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      await().atMost(Duration.ofSeconds(10)).until(() -> watchdog().watchedCount() == 1);
    } finally {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      nio.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  private static long cpuNanos(String threadName) {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals(threadName)) {
        return mx.getThreadCpuTime(t.getId());
      }
    }
    throw new AssertionError("no thread " + threadName);
  }

  @Test
  void whatWatchingCosts() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor(named("lag-test-idle"));
    try {
      argos.watch("idle", pool);
      await().atMost(Duration.ofSeconds(10)).until(() -> watchdog().threadKnown("idle"));
      // for comparison, in the same conditions: a bare thread parking 10 ms at a time
      Thread bare = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
      }, "lag-test-bare-park");
      bare.setDaemon(true);
      bare.start();
      // the cost is CPU time over wall time: this test has to let wall time pass (1 s to warm
      // up the JIT, then 3 s measured)
      assertThat(new CountDownLatch(1).await(1, TimeUnit.SECONDS)).isFalse();
      long wall0 = System.nanoTime();
      long sampler0 = cpuNanos(SamplerEngine.THREAD_NAME);
      long prober0 = cpuNanos(Prober.THREAD_NAME);
      long pool0 = cpuNanos("lag-test-idle");
      long bare0 = cpuNanos("lag-test-bare-park");
      assertThat(new CountDownLatch(1).await(3, TimeUnit.SECONDS)).isFalse();
      double wall = System.nanoTime() - wall0;
      double sampler = (cpuNanos(SamplerEngine.THREAD_NAME) - sampler0) / wall * 100;
      double prober = (cpuNanos(Prober.THREAD_NAME) - prober0) / wall * 100;
      double probe = (cpuNanos("lag-test-idle") - pool0) / wall * 100;
      double parkOnly = (cpuNanos("lag-test-bare-park") - bare0) / wall * 100;
      bare.interrupt();
      System.out.printf(Locale.ROOT,
          "LagRealTest cost over %.1f s: argos-sampler thread %.3f %% of a core (JVM meter at 10 ms"
              + " + one watched executor), argos-prober thread %.3f %% (submits the probes), the"
              + " watched idle executor's thread %.3f %% (runs them), a bare 10 ms park loop"
              + " %.3f %%%n",
          wall / 1e9, sampler, prober, probe, parkOnly);
      assertThat(sampler + prober).isLessThan(5.0);
    } finally {
      pool.shutdownNow();
    }
  }

  static void shortTask() {
    try {
      new CountDownLatch(1).await(5, TimeUnit.MILLISECONDS); // 5 ms of work, not a block
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void queueingBehindShortTasksIsLag() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor(named("lag-test-queue"));
    try {
      argos.watch("queue", pool);
      await().atMost(Duration.ofSeconds(10)).until(() -> watchdog().threadKnown("queue"));
      long start = System.nanoTime();
      for (int i = 0; i < 60; i++) { // 60 x 5 ms queued: no task is long, the queue is
        pool.execute(LagRealTest::shortTask);
      }
      Got g = next(firing("queue"), 10_000);
      assertThat(g.signal().data()).containsEntry("inProgress", true)
          .containsEntry("thread", "lag-test-queue");
      Signal r = next(resolved("queue"), 10_000).signal();
      assertThat((Double) r.data().get("durationMs")).isGreaterThan((double) THRESHOLD_MS);
      System.out.printf(Locale.ROOT, "LagRealTest queue: signal after %.1f ms, episode %.1f ms%n",
          (g.atNanos() - start) / 1e6, r.data().get("durationMs"));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aFullGcIsAJvmStallBlamedOnTheGcWithTheGcsOwnPause() throws Exception {
    // ~430 MB live in 12 M tiny objects: a full collection must mark and move them all, which
    // takes well over the 50 ms threshold even on an idle machine (about 130 ms with G1 here;
    // 3.5 M larger objects gave about 50 ms, right at the threshold, and a flaky test)
    Object[] live = new Object[12_000_000];
    for (int i = 0; i < live.length; i++) {
      live[i] = new byte[16];
    }
    Thread sampler = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(SamplerEngine.THREAD_NAME)).findFirst().orElseThrow();
    // one episode per forced GC: repeated stalls within the quiet time (10 s by default) are one
    // episode, signalled again only when it escalates; 100 ms of calm ends it here
    meter().quietNanos(TimeUnit.MILLISECONDS.toNanos(100));
    List<String> rows = new ArrayList<>();
    List<Double> diffs = new ArrayList<>();
    int byGcFigure = 0;
    // round 0 calibrates the GC's clock against the meter (see JvmStallSampler's design notes)
    for (int round = 0; round < 6; round++) {
      // collect while the sampler thread is parked, as it is almost all the time, rather than
      // while it is still busy delivering the previous round's signals: a pause that hits its
      // work is reported from the GC's own figure instead (JvmStallSamplerTest covers that)
      // and let the previous round's signals arrive first (300 ms; back-to-back collections
      // are tested after the rounds)
      // and no episode runs (that of the allocation's young pauses has ended)
      // what the previous round (or the allocation, or a stall of a loaded machine) left is
      // cleared at each poll, before the episode is checked: a stall reported in between keeps
      // the wait going instead of leaving its episode open under the forced GC
      await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(1))
          .until(() -> {
            got.clear();
            return noEpisode() && sampler.getState() == Thread.State.TIMED_WAITING;
          });
      long seq = argos.gcMonitor().lastSeq();
      System.gc();
      long gcReturned = System.nanoTime();
      // round 0 calibrates: a young pause of the allocation above may open the same stall and
      // give it its name, so any GC stall will do there; later rounds want the full GC itself
      boolean calibration = round == 0;
      Got g = next(s -> "jvm".equals(s.key()) && !s.isResolved()
          && (calibration ? "gc".equals(s.data().get("cause"))
              : "System.gc()".equals(s.data().get("gcCause"))), 10_000);
      Signal s = g.signal();
      assertThat(s.data()).containsEntry("cause", "gc").containsEntry("inProgress", false);
      if (!calibration) {
        // round 0's episode may have begun with a stall of the allocation still waiting for its
        // notification when the round began; later rounds start calm
        assertThat(s.data()).as("the first signal of a new episode").containsEntry("count", 1L);
      }
      // the GC notification comes on a JMX thread, possibly after a signal of an earlier pause
      // matched in the calibration round: wait for it (truly asynchronous, hence Awaitility)
      GcMonitor.GcEvent full = await().atMost(Duration.ofSeconds(5))
          .until(() -> argos.gcMonitor().since(seq).stream()
              .filter(e -> "System.gc()".equals(e.cause()) && e.isPause())
              .findFirst().orElse(null), java.util.Objects::nonNull);
      double lagMs = (Double) s.data().get("lagMs");
      assertThat(full.durationMs()).isGreaterThan(THRESHOLD_MS);
      if (round == 0) {
        // young pauses of the allocation above may fall in the same stall: the stall's GC time
        // is at least one of its pauses
        assertThat((Long) s.data().get("gcPauseMs")).isPositive();
      } else {
        assertThat(s.data()).containsEntry("gcPauseMs", full.durationMs());
      }
      rows.add(String.format(Locale.ROOT,
          "round %d: gc %s pause %d ms, lagMs %.3f (%s), diff %.3f ms, signal %.1f ms after System.gc() returned, baseline %s us",
          round, full.gcName(), full.durationMs(), lagMs, s.data().get("measuredBy"), lagMs - full.durationMs(),
          (g.atNanos() - gcReturned) / 1e6, s.data().get("baselineUs")));
      if (round > 0 && "gcEvent".equals(s.data().get("measuredBy"))) {
        byGcFigure++; // lagMs is the GC's figure by construction: says nothing of the meter
      } else if (round > 0) {
        diffs.add(lagMs - full.durationMs());
      }
      // the episode ends (its resolved signal follows at once) before the next collection
      next(resolved("jvm"), 10_000);
    }
    backToBackFullGcsAreNotCountedTwice(sampler);
    Reference.reachabilityFence(live);
    rows.forEach(r -> System.out.println("LagRealTest " + r));
    for (Sampler each : argos.engine().samplers()) {
      if (each instanceof JvmStallSampler m && m.gcClockOffsetNanos() != null) {
        System.out.printf(Locale.ROOT, "LagRealTest GC clock offset (GcMonitor - nanoTime): %.1f ms%n",
            m.gcClockOffsetNanos() / 1e6);
      }
    }
    // each: no less than the pause minus one resolution (25 ms at the defaults) and 1 ms of
    // GcInfo rounding (the meter alone guarantees that); above the pause by the time the OS took
    // to run the sampler thread again after it: small when idle, tens of ms seen on a loaded
    // 2-core machine
    double resolutionMs = argos.snapshot().getDouble("lag.jvm.resolutionMs", Double.NaN);
    assertThat(resolutionMs).isEqualTo(25.0);
    assertThat(diffs).as("rounds measured by the meter (%d by the GC figure)", byGcFigure)
        .hasSizeGreaterThanOrEqualTo(3)
        .allSatisfy(d -> assertThat(d).isBetween(-(resolutionMs + 1.5), 100.0));
    // typically: within a few ms of the GC's own figure
    List<Double> sorted = diffs.stream().sorted().toList();
    assertThat(sorted.get(sorted.size() / 2)).isBetween(-3.0, 5.0);
    assertThat(argos.snapshot().getDouble("lag.jvm.maxMs", 0)).isGreaterThan((double) THRESHOLD_MS);
  }

  /**
   * Two full collections back to back (the large live set of the caller still reachable): the
   * sampler thread may wake between them (two stalls) or not (one stall covering both). Both fall
   * in one episode, whose resolved signal sums them up: its stalls carry both pauses once
   * (gcPauseMs, the episode's total) and no more pause than they lasted (lostMs, the sum of their
   * lagMs): the attribution bug this guards against gave the second stall both pauses.
   */
  private void backToBackFullGcsAreNotCountedTwice(Thread sampler) throws InterruptedException {
    await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(1))
        .until(() -> noEpisode() && sampler.getState() == Thread.State.TIMED_WAITING);
    got.clear();
    long seq = argos.gcMonitor().lastSeq();
    System.gc();
    System.gc();
    List<GcMonitor.GcEvent> full = await().atMost(Duration.ofSeconds(5))
        .until(() -> argos.gcMonitor().since(seq).stream()
            .filter(e -> "System.gc()".equals(e.cause()) && e.isPause()).toList(),
            l -> l.size() == 2);
    long bothMs = full.get(0).durationMs() + full.get(1).durationMs();
    Signal first = next(firing("jvm"), 5_000).signal();
    Signal end = next(resolved("jvm"), 5_000).signal();
    assertThat(end.data()).containsEntry("episode", first.data().get("episode"));
    // every pause since, young ones included: the most the stalls can carry between them
    long allMs = 0;
    for (GcMonitor.GcEvent e : argos.gcMonitor().since(seq)) {
      allMs += e.isPause() ? e.durationMs() : 0;
    }
    long carried = (Long) end.data().get("gcPauseMs");
    long count = (Long) end.data().get("count");
    double lost = (Double) end.data().get("lostMs");
    System.out.printf(Locale.ROOT,
        "LagRealTest back to back: pauses %d + %d ms, one episode of %d stall(s), %.1f ms lost,"
            + " carrying %d ms of GC pause; the first stall %s ms carrying %s ms%n",
        full.get(0).durationMs(), full.get(1).durationMs(), count, lost, carried,
        first.data().get("lagMs"), first.data().get("gcPauseMs"));
    // the first stall alone: no more pause than it lasted (GcInfo durations are whole ms)
    assertThat(((Long) first.data().get("gcPauseMs")).doubleValue())
        .isLessThanOrEqualTo((Double) first.data().get("lagMs") + 2.0);
    // all of them: each pause once, and no more pause than the stalls lasted
    assertThat(carried).isBetween(bothMs, allMs);
    assertThat((double) carried).isLessThanOrEqualTo(lost + 2.0 * count);
  }
}
