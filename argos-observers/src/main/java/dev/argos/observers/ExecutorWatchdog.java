package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import dev.argos.core.Subscription;
import dev.argos.core.internal.SafeText;
import dev.argos.core.internal.Throwables;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * Probe: each watched executor gets a tiny Runnable (reused, one per watch) submitted every
 * `probeInterval` once the previous one has run. The probe records when it ran and on which
 * thread. The time from the start of its submission to its run is submission + queueing + run
 * delay: an execute() that blocks, a task blocking the executor's only thread, or a queue of work
 * ahead of the probe, all show as lag. Any Executor works (pools, ForkJoinPool, Netty event
 * loops, direct executors, lambdas and method references).
 *
 * Submission: execute() is user code that may block (back-pressure: a full queue with a blocking
 * rejection handler) or ignore interrupts, so the argos-sampler thread never calls it: it hands
 * the call to a ProbeSubmitter (the Prober's argos-prober thread) and only reads the outcome at
 * later checks. A watch has at most one submission in flight (its probe's or its spare's). The
 * probe's lag counts from the moment execute() is called, so waiting behind another executor's
 * blocked submission is not blamed on this one. A submission still inside execute() past the
 * threshold is a stall like any other (cause "blocked", executeBlocked=true, the stack of the
 * thread blocked in execute()); the Prober then leaves it to that thread and goes on with the
 * other executors' probes (see Prober). ExecutorService.isShutdown() is still read on the sampler
 * thread (a state read in every known implementation); one that blocked would be reported by
 * the engine's liveness check (SamplerLiveness), from outside the sampler thread.
 *
 * In-progress detection: every `check` (a FineSampler wake-up when one is due, see Cadence)
 * looks at each outstanding probe.
 * Its own lag is its age minus the time the whole JVM or the sampler thread was known stopped
 * (StopLog.stoppedNanos, the log shared with the JVM stall meter; each wake-up is handed to it
 * before the check, so it does not matter which of the two samplers runs first): a GC pause is
 * reported once under key "jvm" and never blamed on an executor. Own lag above the threshold
 * starts an episode at once, while the executor is still stuck: one WARNING with
 * inProgress=true, the thread that ran the last probe (for a single-threaded loop, the loop
 * thread; for a pool, every worker must be busy for the probe to wait) and that thread's stack
 * taken now. Own lag at CRITICAL_FACTOR x threshold escalates to
 * CRITICAL (with a fresh stack). When the probe finally runs: one INFO resolved with durationMs.
 * Each watch runs its episodes through an Episode (the same data.episode on all three signals).
 * Detection latency: at most threshold + probeInterval (+ the sampler thread's wake-up jitter)
 * after the stall starts.
 *
 * Cadence (what an idle watched executor costs the host): every probe wakes three threads (the
 * sampler to decide, argos-prober to call execute(), the executor's own thread to run it), so
 * the probe interval is the main lever. It is as long as the latency target allows: 2/5 of the
 * threshold (20 ms at 50 ms), since a stall that starts just after a probe ran is seen by the
 * next probe, at most one interval later, and reported one threshold after that: a budget of
 * 1.4 x threshold (70 ms at the defaults, inside the promised 75 ms p99). The checks do not
 * run on a fixed fine cadence: after each check the watchdog knows when the next one is needed
 * (the next probe is due, or an outstanding probe's own lag would cross the threshold: its
 * submission + the threshold + the time the JVM was known stopped since), and resolutionNanos()
 * asks the sampler thread to wake exactly then, never later than a probe interval. So a
 * probe whose deadline falls between two wake-ups is judged at its deadline, not up to a check
 * interval later, and the sampler wakes once per probe, not once per check. Probes are due
 * from the time they were requested (on the sampler thread), not from when the prober called
 * execute(), so the prober's own wake-up delay never adds a second sampler wake-up.
 * Why the sampler, not the prober, runs the checks: the prober may be blocked inside a user's
 * execute() (that is what it is for), and the stall of that call must itself be reported
 * while in progress; the sampler wakes at least every JVM-meter slice (25 ms) anyway.
 *
 * Idle pools: most of what a watched executor costs the host is the probe waking its thread (and
 * argos-prober) every probe interval. A JDK ThreadPoolExecutor (scheduled ones included) or
 * ForkJoinPool that runs no task and has no task ready in its queue cannot be late: a probe would
 * run at once and say nothing. So when a probe is due and such a pool is idle (getActiveCount() ==
 * 0 and the queue's head null or a delayed task not yet due; ForkJoinPool.isQuiescent()), it is
 * not sent: the check itself is the probe, read on the sampler thread under the pool's own lock
 * (held by JDK code only, briefly). Detection latency is unchanged: a task that starts blocking
 * right after an idle check is seen by the next check, a probe interval later at most, exactly
 * as a probe that ran at once would have been followed by the next probe. Only JDK classes are
 * read this way (the pool and its queue loaded by the bootstrap loader), so an application
 * subclass overriding these reads is probed as before; and only once a probe has run and its
 * thread is still alive, so a stall found later can still be blamed on a thread with a stack.
 * Single-thread executors from Executors.newSingleThreadExecutor() are wrappers, not pools, and
 * are probed; watch the ThreadPoolExecutor itself to get the saving.
 *
 * Lost probes: an executor may drop a probe (DiscardPolicy). While an episode lasts over
 * SPARE_AFTER, a second probe is submitted; if it runs while the first has not, the executor
 * is moving and the first probe is written off (the episode resolves).
 *
 * Release: the watch holds the executor strongly until it is released: a capturing lambda or a
 * method reference (`r -> pool.execute(r)`, `loop::execute`) is often the only reference to the
 * Executor object, and holding it weakly silently unwatched it at the next GC. Closing the
 * Subscription (or Argos) drops the reference at once and the watch at the next check; a
 * shut-down ExecutorService, or an Executor refusing work that is not an ExecutorService, is
 * released too. A pool refusing work while not shut down (saturated) is lagging: the probe is
 * retried every check and its lag counts from the first attempt. At most MAX_WATCHED watches;
 * names are capped at MAX_NAME characters, and neutralised (SafeText) in snapshot figure names.
 *
 * Threads: watch/close from any thread (a lock guards the copy-on-write array); submissions on
 * the prober's thread, which writes a probe's volatile submission fields (stage, outcome,
 * submittedNanos, the thread inside execute()) and nothing else; everything else on the sampler
 * thread; probes write volatile fields only.
 */
final class ExecutorWatchdog implements FineSampler {
  /** Initialised at the first line logged, so SLF4J's start-up is not paid by createArgos. */
  private static final class Log {
    static final Logger LOG = LoggerFactory.getLogger(ExecutorWatchdog.class);
  }

  static final int MAX_WATCHED = 1024;
  static final int MAX_NAME = 128;
  static final int MAX_FRAMES = 32;
  static final long SPARE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
  /**
   * An executor's episode resolves after this long without a stall (as a JVM stall episode):
   * repeated short stalls of one executor are one episode, not a pair of signals per stall.
   */
  static final long QUIET_NANOS = JvmStallSampler.QUIET_NANOS;
  /** How long close() waits for the prober's thread before leaving it inside user code. */
  static final long PROBER_JOIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  // a probe's submission stage: IDLE -(sampler)-> PENDING -(prober)-> IN_EXECUTE -> DONE -(sampler)-> IDLE
  static final int IDLE = 0;
  static final int PENDING = 1;
  static final int IN_EXECUTE = 2;
  static final int DONE = 3;
  // the outcome of a DONE submission
  private static final int ACCEPTED = 0;
  private static final int SATURATED = 1;
  private static final int REFUSED = 2;
  private static final int FAILED = 3;
  private static final int SKIPPED = 4;

  private final Clock clock;
  private final SignalSink sink;
  private final StopLog stops;
  private final long thresholdNanos;
  private final long checkNanos;
  private final long probeIntervalNanos;
  private final ProbeSubmitter submitter;
  /** Calm time that ends an executor's episode (QUIET_NANOS; shorter in tests). */
  private volatile long quietNanos = QUIET_NANOS;

  private final Object lock = new Object();
  private volatile Watch[] watches = new Watch[0];
  private boolean warnedFull;
  /** When the next check is needed (sampler thread writes; resolutionNanos reads). */
  private volatile long nextCheckNanos;
  /** A check is needed at the next wake-up (a watch was added; nothing checked yet). */
  private volatile boolean checkNow = true;
  /** The shortest slice asked for, so that a deadline just passed does not spin the thread. */
  static final long MIN_SLICE_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
  /** How far past its deadline a probe is judged, so that its own lag is over the threshold. */
  static final long DEADLINE_MARGIN_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

  /** A watchdog at the threshold of {@code stops}, the stop log it shares with the stall meter. */
  ExecutorWatchdog(
      Clock clock,
      SignalSink sink,
      StopLog stops,
      long checkNanos,
      long probeIntervalNanos,
      ProbeSubmitter submitter) {
    this.clock = clock;
    this.sink = sink;
    this.stops = stops;
    this.thresholdNanos = stops.thresholdNanos();
    this.checkNanos = checkNanos;
    this.probeIntervalNanos = probeIntervalNanos;
    this.submitter = submitter;
  }

  /** A watchdog sharing the stop log of {@code jvm}, probes submitted by {@code submitter} (tests). */
  ExecutorWatchdog(
      Clock clock,
      SignalSink sink,
      JvmStallSampler jvm,
      long checkNanos,
      long probeIntervalNanos,
      ProbeSubmitter submitter) {
    this(clock, sink, jvm.stops(), checkNanos, probeIntervalNanos, submitter);
  }

  static ExecutorWatchdog create(ArgosConfig config, StopLog stops, SignalSink sink) {
    long res = probeIntervalNanos(stops.thresholdNanos());
    // one job in flight per watch at most; a submission still inside execute() after a quarter
    // of a probe interval (5 ms at the defaults) is handed over at the next check (left to its
    // thread, the others go on on a fresh one): a back-pressured executor delays the others'
    // probes by about one probe interval
    Prober prober =
        new Prober(config.clock(), Math.max(TimeUnit.MILLISECONDS.toNanos(1), res / 4), MAX_WATCHED);
    return new ExecutorWatchdog(config.clock(), sink, stops, res, res, prober);
  }

  /** The watchdog of {@code config} sharing the stop log of {@code jvm} (tests). */
  static ExecutorWatchdog create(ArgosConfig config, JvmStallSampler jvm, SignalSink sink) {
    return create(config, jvm.stops(), sink);
  }

  /**
   * How often each watched executor is probed for a threshold: 2/5 of it, at least 1 ms (20 ms
   * at the default 50 ms), so that a stall is signalled within 1.4 x the threshold of its start
   * (see the design notes, Cadence). The sampler thread wakes at least this often only while
   * something is watched, and besides at the deadlines of outstanding probes.
   */
  static long probeIntervalNanos(long thresholdNanos) {
    return Math.max(TimeUnit.MILLISECONDS.toNanos(1), thresholdNanos / 5 * 2);
  }

  @Override
  public String name() {
    return "executorWatchdog";
  }

  @Override
  public long resolutionNanos() {
    if (watches.length == 0) {
      return Long.MAX_VALUE;
    }
    if (checkNow) {
      return MIN_SLICE_NANOS;
    }
    // wake at the next check needed, never later than checkNanos
    long until = nextCheckNanos - clock.nanoTime();
    return Math.max(MIN_SLICE_NANOS, Math.min(checkNanos, until));
  }

  /**
   * Starts watching, holding {@code executor} until the handle is closed (see the design notes);
   * never throws for a full table (logs once and returns a no-op handle).
   */
  Subscription watch(String name, Executor executor) {
    String capped = SafeText.cap(name, MAX_NAME);
    Watch w = new Watch(capped, executor);
    synchronized (lock) {
      Watch[] old = watches;
      if (old.length >= MAX_WATCHED) {
        if (!warnedFull) {
          warnedFull = true;
          Log.LOG.warn(
              "argos: {} executors are watched already; not watching \"{}\"",
              MAX_WATCHED,
              SafeText.neutralise(capped, 128));
        }
        return () -> {};
      }
      Watch[] grown = Arrays.copyOf(old, old.length + 1);
      grown[old.length] = w;
      watches = grown;
      checkNow = true; // its first probe at the next wake-up
    }
    return w;
  }

  int watchedCount() {
    return watches.length;
  }

  /** Sets the calm time that ends an executor's episode (tests; default {@link #QUIET_NANOS}). */
  void quietNanos(long nanos) {
    if (nanos < 0) {
      throw new IllegalArgumentException("quietNanos must be >= 0 but was " + nanos);
    }
    this.quietNanos = nanos;
  }

  /** Whether a probe of the watch named {@code name} has run, so its thread is known (tests). */
  boolean threadKnown(String name) {
    for (Watch w : watches) {
      WeakReference<Thread> t = w.lastThread;
      if (w.name.equals(name) && t != null && t.get() != null) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void onWake(long parkStartNanos, long dueNanos, long wakeNanos) {
    stops.wake(parkStartNanos, dueNanos, wakeNanos); // first or second: the same stop windows
    if (checkNow || wakeNanos - nextCheckNanos >= 0) {
      check(wakeNanos);
    }
  }

  @Override
  public void tick(long nowNanos) {
    // the checks run on wake-ups; a tick is also a wake-up, so check if one is due
    onWake(nowNanos, nowNanos, nowNanos);
  }

  /** Checks every watch once at {@code now}; sampler thread (or tests). */
  void check(long now) {
    checkNow = false;
    if (watches.length > 0) {
      submitter.maintain(now);
    }
    boolean removed = false;
    long next = now + checkNanos;
    for (Watch w : watches) {
      try {
        if (!w.check(now)) {
          removed = true;
        } else {
          long due = w.nextCheck(now);
          if (due - next < 0) {
            next = due;
          }
        }
      } catch (RuntimeException e) {
        Log.LOG.debug("argos: watch {} failed", SafeText.neutralise(w.name, 128), e);
        w.release(now, "failed");
        removed = true;
      }
    }
    if (removed) {
      synchronized (lock) {
        List<Watch> keep = new ArrayList<>(watches.length);
        for (Watch w : watches) {
          if (!w.released) {
            keep.add(w);
          }
        }
        watches = keep.toArray(new Watch[0]);
      }
    }
    nextCheckNanos = next;
  }

  @Override
  public void snapshot(Map<String, Object> into) {
    Watch[] ws = watches;
    into.put("lag.executors.watched", ws.length);
    for (Watch w : ws) {
      into.put("lag.executor." + w.safeName + ".lagMs", w.currentLagMs);
    }
  }

  /**
   * Stops watching; a running episode ends with its resolved signal, as the JVM stall meter's
   * does: at its last stall's end with that stall's {@code how} when it was waiting for its quiet
   * time, or now with {@code how = "closed"} when a stall is in progress. Called after the sampler
   * thread has stopped.
   */
  @Override
  public void close() {
    long now = clock.nanoTime();
    synchronized (lock) {
      for (Watch w : watches) {
        try {
          w.release(now, "closed");
        } catch (RuntimeException e) {
          Log.LOG.debug("argos: watch {} failed to close", w.safeName, e);
        }
        w.closed = true;
        w.executor = null;
      }
      watches = new Watch[0];
    }
    submitter.close(PROBER_JOIN_NANOS);
  }

  /** At most MAX_FRAMES frames of {@code stack} as text, then how many were left out. */
  static List<String> frames(StackTraceElement[] stack) {
    List<String> out = new ArrayList<>(Math.min(stack.length, MAX_FRAMES) + 1);
    for (int i = 0; i < stack.length && i < MAX_FRAMES; i++) {
      out.add(stack[i].toString());
    }
    if (stack.length > MAX_FRAMES) {
      out.add("... " + (stack.length - MAX_FRAMES) + " more");
    }
    return out;
  }

  /**
   * A reusable probe: run on the executor, it records when and where it ran; its {@link
   * #submission} job, run by the submitter, calls the executor's execute() with it.
   */
  private final class Probe implements Runnable {
    private final Watch watch;
    /** The job handed to the submitter (allocated once). */
    final Runnable submission = this::submit;
    /** Set before submission by the sampler thread; cleared by run(). */
    volatile boolean outstanding;
    /** Sampler thread only: the executor has accepted it (false while it refuses work). */
    boolean queued;
    /** Set by the sampler before handing the job over: a retry keeps the first attempt's time. */
    boolean keepOrigin;
    /** IDLE, PENDING, IN_EXECUTE, DONE (see the constants). */
    volatile int stage = IDLE;
    /** The outcome of a DONE submission. */
    volatile int outcome;
    /** The thread inside execute() while IN_EXECUTE. */
    volatile @Nullable Thread submitter;
    /** When execute() was called (the first attempt's, for a retry): the lag's origin. */
    volatile long submittedNanos;
    volatile long ranNanos;
    /** When the sampler handed it to the submitter (sampler thread only). */
    long requestedAt;

    Probe(Watch watch) {
      this.watch = watch;
    }

    /** The submission; on the submitter's thread. Calls user code; records the outcome. */
    private void submit() {
      Executor ex = watch.executor;
      if (ex == null || watch.closed) {
        outcome = SKIPPED;
        stage = DONE;
        return;
      }
      if (!keepOrigin) {
        submittedNanos = clock.nanoTime();
      }
      submitter = Thread.currentThread();
      stage = IN_EXECUTE;
      int result = FAILED;
      try {
        ex.execute(this);
        result = ACCEPTED;
      } catch (RejectedExecutionException e) {
        result = REFUSED;
        try {
          if (ex instanceof ExecutorService es && !es.isShutdown()) {
            result = SATURATED;
          }
        } catch (Throwable isShutdownThrew) {
          // an executor whose isShutdown() throws is refusing for good
        }
      } catch (Throwable e) {
        // user code: its exception (and even its getMessage()) may throw or hold attacker text
        Log.LOG.warn(
            "argos: executor \"{}\" threw {} on a probe; no longer watched",
            watch.safeName,
            Throwables.describe(e));
      } finally {
        // whatever happened above, the submission is over: never left IN_EXECUTE
        submitter = null;
        outcome = result;
        stage = DONE;
      }
    }

    @Override
    public String toString() {
      return "a probe of executor " + watch.safeName;
    }

    @Override
    public void run() {
      ranNanos = clock.nanoTime();
      Thread t = Thread.currentThread();
      WeakReference<Thread> last = watch.lastThread;
      // run inside execute() by the submitting thread (CallerRunsPolicy, a direct executor):
      // that thread is Argos's, not the executor's, so it is not the one to blame later
      if (t != submitter && (last == null || last.get() != t)) {
        watch.lastThread = new WeakReference<>(t);
      }
      outstanding = false;
    }
  }

  /** One watched executor; also the handle returned to the user. */
  private final class Watch implements Subscription {
    final String name;
    /** The name neutralised, for figure names, thread names and log lines. */
    final String safeName;
    /** Held strongly until released (closing the handle drops it at once). */
    volatile @Nullable Executor executor;
    /** Sampler thread only: the probe measured now, and the spare (they swap roles). */
    Probe probe = new Probe(this);
    Probe spare = new Probe(this);
    volatile @Nullable WeakReference<Thread> lastThread;
    volatile boolean closed;
    volatile double currentLagMs;
    // sampler thread only
    boolean released;
    final Episode episode;
    boolean submittedOnce;
    /** When the sampler last asked for a probe: the next is due a probe interval later. */
    long requestedNanos;
    /** An argos:error said this watch's probe could not be submitted (until it is). */
    boolean reportedUnprobed;
    /** Probes not sent because the pool was idle (written by the sampler thread). */
    volatile long probesSkipped;
    // the running episode's stalls (sampler thread only): see the design notes, Episodes
    /** A stall is in progress: its probe is past the threshold and has not run. */
    boolean stalling;
    long stallStart;
    int epCount;
    long epLostNanos;
    long epLastEnd;
    int epSignalledCount;
    String epLastHow = "ran";

    Watch(String name, Executor executor) {
      this.name = name;
      this.safeName = SafeText.neutralise(name, MAX_NAME);
      this.executor = executor;
      this.episode =
          Episode.of(Signal.TYPE_EVENT_LOOP_LAG, name, clock).fractionalMillis().build();
    }

    @Override
    public void close() {
      closed = true;
      executor = null;
    }

    private void reportUnprobed(long now) {
      long ms = TimeUnit.NANOSECONDS.toMillis(now - probe.requestedAt);
      sink.emit(
          Argos.signal(Signal.TYPE_ERROR, Severity.WARNING, clock)
              .key(name)
              .message(
                  "executor "
                      + safeName
                      + " could not be probed for "
                      + ms
                      + " ms: its probe waits behind other executors' execute() calls that"
                      + " block; its stalls go unseen until it is sent")
              .data(DataKeys.KIND, "probeNotSubmitted")
              .data(DataKeys.WAITED_MS, ms)
              .build());
    }

    /** One check; false when the watch is released. */
    boolean check(long now) {
      Executor ex = executor;
      if (closed || ex == null) {
        release(now, "closed");
        return false;
      }
      if (ex instanceof ExecutorService es && es.isShutdown()) {
        release(now, "shutdown");
        return false;
      }
      if (!settle(probe, now) || !settle(spare, now)) {
        return false;
      }
      if (!probe.outstanding) {
        if (probe.stage != IDLE) {
          return true; // it ran inside execute(), which has not returned yet
        }
        if (probe.queued) {
          probe.queued = false;
          long lag = probe.ranNanos - probe.submittedNanos;
          currentLagMs = lag / 1e6;
          if (stalling) {
            stallEnded(probe.ranNanos, "ran");
          }
        }
        resolveIfCalm(now);
        if (spare.queued && !spare.outstanding) {
          spare.queued = false;
        }
        if (spare.outstanding || spare.stage != IDLE) {
          // the spare is still on its way (one submission in flight per watch): measure it next
          Probe was = probe;
          probe = spare;
          spare = was;
          return true;
        }
        // due a probe interval after the last request; a wake-up up to a quarter early (another
        // sampler's slice) submits now rather than waking the thread again just for it
        if (!submittedOnce || now - requestedNanos >= probeIntervalNanos - probeIntervalNanos / 4) {
          if (submittedOnce && knownIdle(ex)) {
            // nothing runs on it and nothing waits: a probe would run at once and say nothing
            // (see the design notes, Idle pools); the next one is due a probe interval later
            requestedNanos = now;
            currentLagMs = 0;
            probesSkipped++;
            return true;
          }
          submittedOnce = true;
          requestedNanos = now;
          probe.outstanding = true;
          return request(probe, false, now);
        }
        return true;
      }
      if (probe.stage == PENDING && !probe.keepOrigin) {
        // not yet handed to execute(): its lag starts when it is. Waiting past the threshold means
        // the prober's threads are all blocked in other executors' execute(): this executor is
        // not watched meanwhile, and that is said, not left silent
        if (now - probe.requestedAt > thresholdNanos && !reportedUnprobed) {
          reportedUnprobed = true;
          reportUnprobed(now);
        }
        return true;
      }
      reportedUnprobed = false;
      if (!probe.queued && probe.stage == IDLE) {
        // refused last time (saturated): retry; its lag keeps counting from the first attempt
        if (!request(probe, true, now)) {
          return false;
        }
      }
      long age = now - probe.submittedNanos;
      currentLagMs = age / 1e6;
      if (spare.queued && !spare.outstanding && spare.ranNanos - probe.submittedNanos >= 0) {
        // a later probe ran while the first did not: the executor dropped the first
        spare.queued = false;
        probe.outstanding = false;
        probe.queued = false;
        long lag = spare.ranNanos - probe.submittedNanos;
        currentLagMs = lag / 1e6;
        if (stalling) {
          stallEnded(spare.ranNanos, "probeLost");
        }
        resolveIfCalm(now);
        return true;
      }
      long own = age - stops.stoppedNanos(probe.submittedNanos, now);
      if (own > thresholdNanos || stalling) {
        // starts above the threshold, escalates at CRITICAL_FACTOR x; from the probe's submission
        Severity level = own >= JvmStallSampler.CRITICAL_FACTOR * thresholdNanos
            ? Severity.CRITICAL : Severity.WARNING;
        boolean newStall = !stalling;
        if (newStall) {
          if (!episode.active()) {
            epCount = 0;
            epLostNanos = 0;
            epSignalledCount = 0;
          }
          stalling = true;
          stallStart = probe.submittedNanos;
          epCount++;
        }
        Episode.Step step = episode.hold(level, age / 1e6, probe.submittedNanos, now);
        // the count rule judges a stall once, as it starts; no size rule: stalls are signalled
        // while they grow (see the design notes)
        String escalation = Episode.repeatSignal(
            step, newStall ? epCount : epSignalledCount, epSignalledCount, false, 0, 0);
        if (escalation != null) {
          epSignalledCount = epCount;
          stalled(now, age, episode.severity(), escalation.isEmpty() ? null : escalation);
        }
      }
      if (stalling && probe.queued && age >= SPARE_AFTER_NANOS && !spare.outstanding
          && !spare.queued && spare.stage == IDLE) {
        spare.outstanding = true;
        if (!request(spare, false, now)) {
          return false;
        }
      }
      return true;
    }

    /**
     * True when {@code ex} is a JDK pool that runs no task and has none ready in its queue, and
     * the thread that ran this watch's last probe is still alive (so a stall found later can
     * still be blamed on a thread with its stack). Reads only JDK state: a pool or queue class
     * of the application's own (which could override these reads) is always probed.
     */
    private boolean knownIdle(Executor ex) {
      WeakReference<Thread> last = lastThread;
      Thread t = last == null ? null : last.get();
      if (t == null || !t.isAlive()) {
        return false;
      }
      if (ex instanceof ThreadPoolExecutor pool && isJdkClass(pool)) {
        BlockingQueue<Runnable> q = pool.getQueue();
        if (!isJdkClass(q) || pool.getActiveCount() != 0) {
          return false;
        }
        Runnable head = q.peek();
        // a scheduled pool's queue holds its delayed tasks: not ready is not waiting
        return head == null || head instanceof Delayed d && d.getDelay(TimeUnit.NANOSECONDS) > 0;
      }
      if (ex instanceof ForkJoinPool pool && isJdkClass(pool)) {
        return pool.isQuiescent();
      }
      return false;
    }

    /**
     * When this watch needs its next check, after a check at {@code now}: at the deadline of an
     * outstanding probe (its own lag crosses the threshold), else when its next probe is due;
     * during an episode or while a submission is on its way, a probe interval from now at most.
     */
    long nextCheck(long now) {
      long soon = now + probeIntervalNanos;
      if (stalling) {
        return soon;
      }
      if (!probe.outstanding) {
        if (probe.stage != IDLE || spare.outstanding || spare.stage != IDLE) {
          return soon;
        }
        return submittedOnce ? requestedNanos + probeIntervalNanos : now; // the next probe
      }
      if (probe.stage == PENDING && !probe.keepOrigin || !probe.queued && probe.stage == IDLE) {
        return soon; // not yet inside execute(), or refused (retried)
      }
      long deadline = probe.submittedNanos + stops.stoppedNanos(probe.submittedNanos, now)
          + thresholdNanos + DEADLINE_MARGIN_NANOS;
      return deadline - soon < 0 ? deadline : soon;
    }

    /**
     * Hands {@code p}'s submission to the submitter (never calls the executor on this thread),
     * then applies its outcome if it is known already; false when the watch had to be released.
     */
    private boolean request(Probe p, boolean keepOrigin, long now) {
      p.keepOrigin = keepOrigin;
      p.stage = PENDING;
      p.requestedAt = now;
      if (!submitter.offer(p.submission)) {
        p.stage = IDLE; // not taken (closing): nothing was submitted
        p.outstanding = false;
        return true;
      }
      return settle(p, now);
    }

    /** Applies a finished submission's outcome; false when the watch had to be released. */
    private boolean settle(Probe p, long now) {
      if (p.stage != DONE) {
        return true;
      }
      p.stage = IDLE;
      switch (p.outcome) {
        case ACCEPTED -> p.queued = true;
        case SATURATED -> {
          p.queued = false; // still outstanding: retried at the next check
          if (p == spare) {
            p.outstanding = false;
          }
        }
        case REFUSED -> {
          release(now, "rejected");
          return false;
        }
        case FAILED -> {
          release(now, "failed");
          return false;
        }
        default -> { // SKIPPED: the watch was closed meanwhile
          p.queued = false;
          p.outstanding = false;
        }
      }
      return true;
    }

    private void stalled(long now, long ageNanos, Severity level, @Nullable String escalation) {
      // blocked inside execute(): the thread making the call shows where the executor blocks
      boolean inExecute = probe.stage == IN_EXECUTE;
      Thread t = inExecute ? probe.submitter : null;
      WeakReference<Thread> last = lastThread;
      if (!inExecute && last != null) {
        t = last.get();
      }
      String threadName = null;
      List<String> stack = null;
      String threadState = null;
      if (t != null && t.isAlive()) {
        threadName = t.getName();
        threadState = t.getState().name();
        try {
          stack = frames(t.getStackTrace());
        } catch (SecurityException e) {
          stack = null;
        }
      }
      String cause = t != null ? "blocked" : "unknown";
      double lagMs = ageNanos / 1e6;
      long gcMs = TimeUnit.NANOSECONDS.toMillis(stops.gcPauseNanos(probe.submittedNanos, now));
      String top = stack != null && !stack.isEmpty() ? stack.get(0) : "unknown";
      String repeat = epCount > 1
          ? String.format(Locale.ROOT, " (stall %d of this episode, %.1f ms lost before it)",
              epCount, epLostNanos / 1e6)
          : "";
      Signal.Builder b =
          episode
              .signal(level)
              .message(String.format(
                  Locale.ROOT,
                  "executor %s has %s for %.1f ms (threshold %d ms) and is still stuck%s; "
                      + "thread %s at %s",
                  name, inExecute ? "been blocked in execute()" : "run no task", lagMs,
                  TimeUnit.NANOSECONDS.toMillis(thresholdNanos), repeat,
                  threadName == null ? "unknown" : threadName, top))
              .data(JvmStallSampler.lagData(
                  lagMs, thresholdNanos, true, threadName, stack, cause, gcMs))
              .data(DataKeys.THREAD_STATE, threadState)
              .data(DataKeys.EXECUTE_BLOCKED, inExecute)
              .data(DataKeys.COUNT, epCount)
              .data(DataKeys.MAX_LAG_MS, JvmStallSampler.round(episode.peak()))
              .data(DataKeys.LOST_MS, JvmStallSampler.round(epLostNanos / 1e6));
      if (escalation != null) {
        b.data(DataKeys.ESCALATION, escalation);
      }
      emit(b.build());
    }

    /** The stall in progress ended at {@code endNanos} (its probe, or a later one, ran). */
    private void stallEnded(long endNanos, String how) {
      stalling = false;
      epLostNanos += Math.max(0, endNanos - stallStart);
      epLastEnd = endNanos;
      epLastHow = how;
      // the peak follows the stall's full length, not only what was seen while it lasted
      episode.hold(Severity.WARNING, (endNanos - stallStart) / 1e6, endNanos);
    }

    /** Ends the running episode if no stall runs and calm has lasted the quiet time. */
    private void resolveIfCalm(long now) {
      if (episode.active() && !stalling && now - epLastEnd >= quietNanos) {
        // one resolved signal with its totals, at its last stall's end
        resolve(epLastEnd, epLastHow);
      }
    }

    /** Ends the episode at {@code endNanos} (when the probe ran, or now) and says so. */
    private void resolve(long endNanos, String how) {
      if (stalling) { // released or closed while stuck: the stall counts up to now
        stalling = false;
        epLostNanos += Math.max(0, endNanos - stallStart);
      }
      double ms = Math.max(0, endNanos - episode.startNanos()) / 1e6;
      double peak = episode.peak();
      String what = epCount > 1
          ? String.format(Locale.ROOT, "; %d stalls, %.1f ms lost, the longest %.1f ms",
              epCount, epLostNanos / 1e6, peak)
          : "";
      emit(
          episode
              .resolve(endNanos)
              .message(String.format(
                  Locale.ROOT, "executor %s runs tasks again after %.1f ms%s", name, ms, what))
              .data(DataKeys.LAG_MS, JvmStallSampler.round(ms))
              .data(DataKeys.THRESHOLD_MS, thresholdNanos / 1e6)
              .data(DataKeys.HOW, how)
              .data(DataKeys.COUNT, epCount)
              .data(DataKeys.MAX_LAG_MS, JvmStallSampler.round(peak))
              .data(DataKeys.LOST_MS, JvmStallSampler.round(epLostNanos / 1e6))
              .build());
    }

    void release(long now, String reason) {
      if (released) {
        return;
      }
      released = true;
      closed = true;
      if (episode.active()) {
        // stuck now: the episode ends now, said by why; else at its last stall's end
        if (stalling) {
          resolve(now, reason);
        } else {
          resolve(epLastEnd, epLastHow);
        }
      }
      lastThread = null;
      executor = null;
    }
  }

  /** A class of the JDK's own (loaded by the bootstrap loader), not an application's subclass. */
  private static boolean isJdkClass(Object o) {
    return o.getClass().getClassLoader() == null;
  }

  /** Probes not sent because the pool was idle (see the design notes, Idle pools); tests. */
  long probesSkipped() {
    long n = 0;
    for (Watch w : watches) {
      n += w.probesSkipped;
    }
    return n;
  }

  private void emit(Signal s) {
    try {
      sink.emit(s);
    } catch (RuntimeException e) {
      Log.LOG.debug("argos: a sink threw", e);
    }
  }
}
