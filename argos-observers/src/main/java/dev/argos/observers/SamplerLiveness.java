package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * Why: every detector runs on the argos-sampler thread, so a sampler that blocks, a thread that
 * gets no CPU, or a bug that stops the loop would leave Argos blind and silent. The engine's own
 * starvation report runs on that thread and comes only once it runs again. This check runs on
 * its own daemon thread, argos-liveness, and reads one volatile stamp the sampler thread writes
 * on every loop iteration (SamplerEngine.lastProgressNanos).
 *
 * Rule: the sampler thread is stuck when its stamp is older than `stuckAfter` (the larger of
 * MIN_STUCK and three sample periods: it loops at least once a period). Then one argos:error
 * (kind samplerStuck, WARNING) goes through the engine's sink, with the sampler it is inside
 * (or "none" when it is between samplers: parked past its time or starved), its state and
 * stack; when the stamp moves again, one INFO with state resolved and durationMs. One report
 * per stuck episode; episodes start at most once per stuckAfter.
 *
 * A stopped JVM: a safepoint or GC pause stops both threads; after a pause longer than
 * stuckAfter the stamp is old for a moment although nothing is stuck. A check that itself
 * wakes late by half a period or more does not judge: it waits one more check, by which time
 * the sampler thread has run.
 *
 * Cost: one wake-up per CHECK (1 s); no allocation unless it reports. close() unparks the
 * thread and joins it.
 */
final class SamplerLiveness {
  /** Initialised at the first line logged, so SLF4J's start-up is not paid by createArgos. */
  private static final class Log {
    static final Logger LOG = LoggerFactory.getLogger(SamplerLiveness.class);
  }

  static final String THREAD_NAME = "argos-liveness";
  static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final long MIN_STUCK_NANOS = TimeUnit.SECONDS.toNanos(2);
  static final String KIND = "samplerStuck";

  private final SamplerEngine engine;
  private final Clock clock;
  private final SignalSink sink;
  private final long stuckAfterNanos;

  // the liveness thread only (or a test)
  private long lastCheckNanos = Long.MIN_VALUE;
  private boolean stuck;
  private long stuckStampNanos;

  private volatile boolean running;
  private @Nullable Thread thread;

  SamplerLiveness(SamplerEngine engine, Clock clock, SignalSink sink, long periodNanos) {
    this.engine = engine;
    this.clock = clock;
    this.sink = sink;
    this.stuckAfterNanos = stuckAfterNanos(periodNanos);
  }

  /** The larger of {@link #MIN_STUCK_NANOS} and three periods. */
  static long stuckAfterNanos(long periodNanos) {
    return periodNanos > MIN_STUCK_NANOS / 3 ? 3 * periodNanos : MIN_STUCK_NANOS;
  }

  synchronized void start() {
    if (thread != null) {
      return;
    }
    running = true;
    Thread t = new Thread(this::loop, THREAD_NAME);
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  private void loop() {
    while (running) {
      LockSupport.parkNanos(this, CHECK_NANOS);
      if (!running) {
        return;
      }
      try {
        check(clock.nanoTime());
      } catch (RuntimeException e) {
        Log.LOG.debug("argos: the liveness check failed", e);
      }
    }
  }

  /** One check at {@code nowNanos} (the clock's time); the liveness thread, or tests. */
  void check(long nowNanos) {
    boolean lateSelf = lastCheckNanos != Long.MIN_VALUE
        && nowNanos - lastCheckNanos >= CHECK_NANOS + CHECK_NANOS / 2;
    lastCheckNanos = nowNanos;
    long stamp = engine.lastProgressNanos();
    if (stuck) {
      if (stamp != stuckStampNanos) {
        stuck = false;
        long gap = engine.lastLongGapNanos(); // measured by the sampler thread when it resumed
        resolved(gap > 0 ? gap : stamp - stuckStampNanos);
      }
      return;
    }
    if (lateSelf || stamp == Long.MIN_VALUE) {
      return; // this thread was held up itself (the whole JVM, likely), or the loop has not run
    }
    long quiet = nowNanos - stamp;
    if (quiet >= stuckAfterNanos) {
      stuck = true;
      stuckStampNanos = stamp;
      report(quiet);
    }
  }

  private void report(long quietNanos) {
    Thread t = engine.thread();
    Sampler in = engine.currentSampler();
    String sampler = in == null ? "none" : in.name();
    List<String> stack = null;
    String state = null;
    if (t != null) {
      state = t.getState().name();
      try {
        stack = ExecutorWatchdog.frames(t.getStackTrace());
      } catch (SecurityException e) {
        stack = null;
      }
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(quietNanos);
    emit(
        Argos.signal(Signal.TYPE_ERROR, Severity.WARNING, clock)
            .key(SamplerEngine.THREAD_NAME)
            .message(String.format(
                Locale.ROOT,
                "the %s thread has made no progress for %d ms (inside sampler %s, thread %s); "
                    + "no detector runs until it does",
                SamplerEngine.THREAD_NAME, ms, sampler, state == null ? "gone" : state))
            .data(DataKeys.KIND, KIND)
            .data(DataKeys.SAMPLER, sampler)
            .data(DataKeys.STUCK_MS, ms)
            .data(DataKeys.THREAD, SamplerEngine.THREAD_NAME)
            .data(DataKeys.THREAD_STATE, state)
            .data(DataKeys.STACK, stack)
            .build());
  }

  private void resolved(long gapNanos) {
    long ms = TimeUnit.NANOSECONDS.toMillis(gapNanos);
    emit(
        Argos.signal(Signal.TYPE_ERROR, Severity.INFO, clock)
            .key(SamplerEngine.THREAD_NAME)
            .message(String.format(
                Locale.ROOT, "the %s thread runs again after %d ms", SamplerEngine.THREAD_NAME, ms))
            .data(DataKeys.KIND, KIND)
            .data(DataKeys.STATE, DataKeys.STATE_RESOLVED)
            .data(DataKeys.DURATION_MS, ms)
            .build());
  }

  private void emit(Signal s) {
    try {
      sink.emit(s);
    } catch (RuntimeException e) {
      Log.LOG.debug("argos: a sink threw", e);
    }
  }

  /** Stops the thread and waits for it up to {@code timeoutNanos}; idempotent. */
  void stop(long timeoutNanos) {
    Thread t;
    synchronized (this) {
      running = false;
      t = thread;
      thread = null;
    }
    if (t != null) {
      SamplerEngine.unparkAndJoin(t, timeoutNanos);
    }
  }
}
