package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.SafeText;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import dev.argos.core.Subscription;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * Probe: each watched executor gets a tiny Runnable (reused, one per watch) submitted from the
 * argos-sampler thread every `probeInterval` once the previous one has run. The probe records
 * when it ran and on which thread. The time from submission to run is queueing + run delay: a
 * task blocking the executor's only thread, or a queue of work ahead of the probe, both show
 * as lag. Any Executor works (pools, ForkJoinPool, Netty event loops, direct executors).
 *
 * In-progress detection: every `check` (a FineSampler wake-up) looks at each outstanding probe.
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
 * Detection latency: at most threshold + probeInterval + check after the stall starts.
 *
 * Lost probes: an executor may drop a probe (DiscardPolicy). While an episode lasts over
 * SPARE_AFTER, a second probe is submitted; if it runs while the first has not, the executor
 * is moving and the first probe is written off (the episode resolves).
 *
 * Release: the executor is held through a WeakReference (the probe holds only the watch), so a
 * dropped executor is collected and its watch released; a shut-down ExecutorService, or an
 * Executor refusing work that is not an ExecutorService, is released too. A pool refusing work
 * while not shut down (saturated) is lagging: the probe is retried every check and its lag
 * counts from the first attempt. Closing the Subscription releases the watch at the next
 * check. At most MAX_WATCHED watches; names are capped at MAX_NAME characters.
 *
 * Threads: watch/close from any thread (a lock guards the copy-on-write array); everything
 * else on the sampler thread; probes write volatile fields only.
 */
final class ExecutorWatchdog implements FineSampler {
  private static final Logger log = LoggerFactory.getLogger(ExecutorWatchdog.class);

  static final int MAX_WATCHED = 1024;
  static final int MAX_NAME = 128;
  static final int MAX_FRAMES = 32;
  static final long SPARE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Clock clock;
  private final SignalSink sink;
  private final StopLog stops;
  private final long thresholdNanos;
  private final long checkNanos;
  private final long probeIntervalNanos;

  private final Object lock = new Object();
  private volatile Watch[] watches = new Watch[0];
  private boolean warnedFull;
  private long lastCheckNanos = Long.MIN_VALUE;

  /** A watchdog at the threshold of {@code stops}, the stop log it shares with the stall meter. */
  ExecutorWatchdog(
      Clock clock, SignalSink sink, StopLog stops, long checkNanos, long probeIntervalNanos) {
    this.clock = clock;
    this.sink = sink;
    this.stops = stops;
    this.thresholdNanos = stops.thresholdNanos();
    this.checkNanos = checkNanos;
    this.probeIntervalNanos = probeIntervalNanos;
  }

  /** A watchdog sharing the stop log of {@code jvm} (tests). */
  ExecutorWatchdog(
      Clock clock, SignalSink sink, JvmStallSampler jvm, long checkNanos, long probeIntervalNanos) {
    this(clock, sink, jvm.stops(), checkNanos, probeIntervalNanos);
  }

  static ExecutorWatchdog create(ArgosConfig config, StopLog stops, SignalSink sink) {
    long res = checkNanos(stops.thresholdNanos());
    return new ExecutorWatchdog(config.clock(), sink, stops, res, res);
  }

  /** The watchdog of {@code config} sharing the stop log of {@code jvm} (tests). */
  static ExecutorWatchdog create(ArgosConfig config, JvmStallSampler jvm, SignalSink sink) {
    return create(config, jvm.stops(), sink);
  }

  /**
   * How often watched executors are checked (and probed) for a threshold: a fifth of it, within
   * [1 ms, 10 ms] (10 ms at the default 50 ms), so that a stall is signalled within threshold +
   * 10 ms of its start. Only while something is watched does the sampler thread wake this often.
   */
  static long checkNanos(long thresholdNanos) {
    return Math.max(
        TimeUnit.MILLISECONDS.toNanos(1),
        Math.min(thresholdNanos / 5, TimeUnit.MILLISECONDS.toNanos(10)));
  }

  @Override
  public String name() {
    return "executorWatchdog";
  }

  @Override
  public long resolutionNanos() {
    return watches.length == 0 ? Long.MAX_VALUE : checkNanos;
  }

  /** Starts watching; never throws for a full table (logs once and returns a no-op handle). */
  Subscription watch(String name, Executor executor) {
    String capped = name.length() > MAX_NAME ? name.substring(0, MAX_NAME) : name;
    Watch w = new Watch(capped, executor);
    synchronized (lock) {
      Watch[] old = watches;
      if (old.length >= MAX_WATCHED) {
        if (!warnedFull) {
          warnedFull = true;
          log.warn(
              "argos: {} executors are watched already; not watching \"{}\"",
              MAX_WATCHED,
              SafeText.neutralise(capped, 128));
        }
        return () -> {};
      }
      Watch[] grown = Arrays.copyOf(old, old.length + 1);
      grown[old.length] = w;
      watches = grown;
    }
    return w;
  }

  int watchedCount() {
    return watches.length;
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
    if (lastCheckNanos == Long.MIN_VALUE || wakeNanos - lastCheckNanos >= checkNanos) {
      lastCheckNanos = wakeNanos;
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
    boolean removed = false;
    for (Watch w : watches) {
      try {
        if (!w.check(now)) {
          removed = true;
        }
      } catch (RuntimeException e) {
        log.debug("argos: watch {} failed", SafeText.neutralise(w.name, 128), e);
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
  }

  @Override
  public void snapshot(Map<String, Object> into) {
    Watch[] ws = watches;
    into.put("lag.executors.watched", ws.length);
    for (Watch w : ws) {
      into.put("lag.executor." + w.name + ".lagMs", w.currentLagMs);
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      for (Watch w : watches) {
        w.closed = true;
      }
      watches = new Watch[0];
    }
  }

  private static List<String> frames(StackTraceElement[] stack) {
    List<String> out = new ArrayList<>(Math.min(stack.length, MAX_FRAMES) + 1);
    for (int i = 0; i < stack.length && i < MAX_FRAMES; i++) {
      out.add(stack[i].toString());
    }
    if (stack.length > MAX_FRAMES) {
      out.add("... " + (stack.length - MAX_FRAMES) + " more");
    }
    return out;
  }

  /** A reusable probe: run on the executor, it records when and where it ran. */
  private final class Probe implements Runnable {
    private final Watch watch;
    /** Set before submission by the sampler thread; cleared by run(). */
    volatile boolean outstanding;
    /** Sampler thread only: the executor has accepted it (false while it refuses work). */
    boolean queued;
    volatile long submittedNanos;
    volatile long ranNanos;

    Probe(Watch watch) {
      this.watch = watch;
    }

    @Override
    public void run() {
      ranNanos = clock.nanoTime();
      Thread t = Thread.currentThread();
      WeakReference<Thread> last = watch.lastThread;
      if (last == null || last.get() != t) {
        watch.lastThread = new WeakReference<>(t);
      }
      outstanding = false;
    }
  }

  /** One watched executor; also the handle returned to the user. */
  private final class Watch implements Subscription {
    final String name;
    final WeakReference<Executor> ref;
    final Probe probe = new Probe(this);
    final Probe spare = new Probe(this);
    volatile @Nullable WeakReference<Thread> lastThread;
    volatile boolean closed;
    volatile double currentLagMs;
    // sampler thread only
    boolean released;
    final Episode episode;
    boolean submittedOnce;

    Watch(String name, Executor executor) {
      this.name = name;
      this.ref = new WeakReference<>(executor);
      this.episode =
          Episode.of(Signal.TYPE_EVENT_LOOP_LAG, name, clock).fractionalMillis().build();
    }

    @Override
    public void close() {
      closed = true;
    }

    /** One check; false when the watch is released. */
    boolean check(long now) {
      if (closed) {
        release(now, "closed");
        return false;
      }
      Executor ex = ref.get();
      if (ex == null) {
        release(now, "collected");
        return false;
      }
      if (ex instanceof ExecutorService es && es.isShutdown()) {
        release(now, "shutdown");
        return false;
      }
      if (!probe.outstanding) {
        if (probe.queued) {
          probe.queued = false;
          long lag = probe.ranNanos - probe.submittedNanos;
          currentLagMs = lag / 1e6;
          if (episode.active()) {
            resolve(probe.ranNanos, "ran");
          }
        }
        if (spare.queued && !spare.outstanding) {
          spare.queued = false;
        }
        if (!submittedOnce || now - probe.submittedNanos >= probeIntervalNanos) {
          submittedOnce = true;
          probe.submittedNanos = now;
          probe.outstanding = true;
          return submit(ex, probe, now);
        }
        return true;
      }
      if (!probe.queued) {
        // refused last time (saturated): retry; its lag keeps counting from the first attempt
        if (!submit(ex, probe, now)) {
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
        if (episode.active()) {
          resolve(spare.ranNanos, "probeLost");
        }
        return true;
      }
      long own = age - stops.stoppedNanos(probe.submittedNanos, now);
      if (own > thresholdNanos || episode.active()) {
        // starts above the threshold, escalates at CRITICAL_FACTOR x; from the probe's submission
        Severity level = own >= JvmStallSampler.CRITICAL_FACTOR * thresholdNanos
            ? Severity.CRITICAL : Severity.WARNING;
        if (episode.hold(level, age / 1e6, probe.submittedNanos, now) != Episode.Step.NONE) {
          stalled(now, age, level);
        }
      }
      if (episode.active() && age >= SPARE_AFTER_NANOS && !spare.outstanding && !spare.queued) {
        spare.submittedNanos = now;
        spare.outstanding = true;
        if (!submit(ex, spare, now)) {
          return false;
        }
      }
      return true;
    }

    /** Submits {@code p}; false when the watch had to be released. */
    private boolean submit(Executor ex, Probe p, long now) {
      try {
        ex.execute(p);
        p.queued = true;
        return true;
      } catch (RejectedExecutionException e) {
        if (ex instanceof ExecutorService es && !es.isShutdown()) {
          p.queued = false; // saturated: still outstanding, retried at the next check
          if (p == spare) {
            p.outstanding = false;
          }
          return true;
        }
        release(now, "rejected");
        return false;
      } catch (RuntimeException | Error e) {
        if (e instanceof VirtualMachineError vme) {
          throw vme;
        }
        log.warn(
            "argos: executor \"{}\" threw {} on a probe; no longer watched",
            SafeText.neutralise(name, 128),
            e.toString());
        release(now, "failed");
        return false;
      }
    }

    private void stalled(long now, long ageNanos, Severity level) {
      Thread t = null;
      WeakReference<Thread> last = lastThread;
      if (last != null) {
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
      emit(
          episode
              .signal(level)
              .message(String.format(
                  Locale.ROOT,
                  "executor %s has run no task for %.1f ms (threshold %d ms) and is still stuck; "
                      + "thread %s at %s",
                  name, lagMs, TimeUnit.NANOSECONDS.toMillis(thresholdNanos),
                  threadName == null ? "unknown" : threadName, top))
              .data(JvmStallSampler.lagData(
                  lagMs, thresholdNanos, true, threadName, stack, cause, gcMs))
              .data(DataKeys.THREAD_STATE, threadState)
              .build());
    }

    /** Ends the episode at {@code endNanos} (when the probe ran, or now) and says so. */
    private void resolve(long endNanos, String how) {
      double ms = Math.max(0, endNanos - episode.startNanos()) / 1e6;
      emit(
          episode
              .resolve(endNanos)
              .message(String.format(
                  Locale.ROOT, "executor %s runs tasks again after %.1f ms", name, ms))
              .data(DataKeys.LAG_MS, JvmStallSampler.round(ms))
              .data(DataKeys.THRESHOLD_MS, thresholdNanos / 1e6)
              .data(DataKeys.HOW, how)
              .build());
    }

    void release(long now, String reason) {
      if (released) {
        return;
      }
      released = true;
      closed = true;
      if (episode.active()) {
        resolve(now, reason);
      }
      lastThread = null;
    }
  }

  private void emit(Signal s) {
    try {
      sink.emit(s);
    } catch (RuntimeException e) {
      log.debug("argos: a sink threw", e);
    }
  }
}
