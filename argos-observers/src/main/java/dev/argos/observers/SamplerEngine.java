package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import dev.argos.core.internal.Throwables;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/*
 * Design notes.
 *
 * Scheduling: tick k is due at start + k * period on the clock's nanoTime. The thread parks
 * until the next due time (parkNanos may return early; the loop re-checks), so the schedule
 * never drifts the way accumulated sleeps do. A tick that starts more than one period late
 * skips the ticks it missed (counted in missedTicks) instead of running a catch-up burst.
 *
 * Isolation: each sampler runs in its own try/catch. Its first failure is reported as one
 * argos:error signal; later failures are counted, and the sampler keeps being called (a
 * transient fault heals by itself). The others tick on regardless.
 *
 * Fine slices: a FineSampler (the JVM stall meter, the executor watchdog) needs the thread more
 * often than once a tick. With one registered, the thread parks in slices of at most the
 * smallest resolution its fine samplers ask for at that moment (asked before every park: the
 * watchdog asks for slices only while it watches something, so an Argos that watches no executor
 * wakes at the meter's resolution only; the last slice before a tick is cut short so the tick
 * stays on schedule) and calls each FineSampler's onWake after every park with the park's
 * start, due and wake times. The tick schedule and tick counting are unchanged. Fine samplers are kept in an
 * array so that the wake-up path allocates nothing.
 *
 * Starvation: the engine records how late each tick starts. When a tick is late by at least
 * STARVED_PERIODS periods (and at least one second), it reports one argos:error per window:
 * a sampler thread that cannot get CPU is itself an anomaly, and the JVM stall detector can
 * only be as prompt as this thread.
 *
 * Liveness: that report comes from the sampler thread itself, so only once it runs again. The
 * loop also stamps the clock's time on every iteration (lastProgressNanos) and names the sampler
 * it is inside (currentSampler); SamplerLiveness reads both from its own thread, argos-liveness
 * (one wake-up a second), and reports a thread that has stopped (a sampler that blocks, a thread
 * that gets no CPU) while it is stopped. Samplers never call user code that may block: the
 * executor watchdog hands execute() calls to its Prober.
 */
@SuppressWarnings("NonAtomicVolatileUpdate") // counters have one writer; volatile only publishes
final class SamplerEngine {
  private static final int STARVED_PERIODS = 10;
  static final String THREAD_NAME = "argos-sampler";

  private final Clock clock;
  private final long periodNanos;
  private final long windowNanos;
  private final List<Sampler> samplers = new CopyOnWriteArrayList<>();
  private final SignalSink sink;
  private final Map<Sampler, AtomicLong> failures = new ConcurrentHashMap<>();
  private volatile FineSampler[] fine = new FineSampler[0];
  /** The longest park the thread allowed itself last time (before the cut for a tick). */
  private volatile long lastSliceNanos;

  private volatile boolean running;
  private @Nullable Thread thread;

  private volatile long ticks;
  private volatile long missedTicks;
  private volatile long lastLatenessNanos;
  private volatile long maxLatenessNanos;
  private long lastStarvedReport = Long.MIN_VALUE;
  /** The clock's time at the loop's last iteration; read by the liveness check. */
  private volatile long lastProgressNanos = Long.MIN_VALUE;
  /** The last gap between two iterations of at least the liveness threshold. */
  private volatile long lastLongGapNanos;
  /** The sampler being run now, null between samplers; read by the liveness check. */
  private volatile @Nullable Sampler current;
  private final SamplerLiveness liveness;
  private final long longGapNanos;

  SamplerEngine(Clock clock, long periodNanos, long windowNanos, SignalSink sink) {
    this.clock = clock;
    this.periodNanos = periodNanos;
    this.windowNanos = windowNanos;
    this.sink = sink;
    this.lastSliceNanos = periodNanos;
    this.liveness = new SamplerLiveness(this, clock, sink, periodNanos);
    this.longGapNanos = SamplerLiveness.stuckAfterNanos(periodNanos);
  }

  void add(Sampler sampler) {
    samplers.add(sampler);
    if (sampler instanceof FineSampler f) {
      synchronized (this) {
        FineSampler[] old = fine;
        FineSampler[] grown = java.util.Arrays.copyOf(old, old.length + 1);
        grown[old.length] = f;
        fine = grown;
        lastSliceNanos = sliceNanos(); // what the thread will ask for, until it runs
      }
    }
  }

  /** The longest park between two wake-ups now: the finest resolution asked for, else a period. */
  long sliceNanos() {
    long slice = periodNanos;
    for (FineSampler f : fine) {
      try {
        slice = Math.min(slice, Math.max(1, f.resolutionNanos()));
      } catch (Throwable t) {
        onFailure(f, t);
      }
    }
    return slice;
  }

  List<Sampler> samplers() {
    return samplers;
  }

  /** Starts the daemon thread; idempotent. */
  synchronized void start() {
    start(() -> {});
  }

  /**
   * Starts the daemon thread, which first runs {@code first} (a failure is reported like a
   * sampler's and does not stop the thread); idempotent.
   */
  synchronized void start(Runnable first) {
    if (thread != null) {
      return;
    }
    running = true;
    Thread t = new Thread(() -> {
      try {
        first.run();
      } catch (Throwable e) {
        emitError("samplerFailed", "start", "the sampler thread's start-up threw " + Throwables.describe(e), e);
      }
      loop();
    }, THREAD_NAME);
    t.setDaemon(true);
    thread = t;
    t.start();
    liveness.start();
  }

  private void loop() {
    long next = clock.nanoTime() + periodNanos;
    while (running) {
      long now = clock.nanoTime();
      progress(now);
      long wait = next - now;
      if (wait > 0) {
        long fineSlice = sliceNanos();
        lastSliceNanos = fineSlice;
        long slice = Math.min(wait, fineSlice);
        LockSupport.parkNanos(this, slice);
        if (fine.length > 0 && running) {
          wakeOnce(now, now + slice, clock.nanoTime());
        }
        continue;
      }
      long late = now - next;
      lastLatenessNanos = late;
      if (late > maxLatenessNanos) {
        maxLatenessNanos = late;
      }
      if (late >= periodNanos) {
        long missed = late / periodNanos;
        missedTicks = missedTicks + missed; // single writer: the sampler thread
        next += missed * periodNanos;
        reportStarvation(now, late);
      }
      runOnce(now);
      next += periodNanos;
    }
  }

  /** Stamps one iteration of the loop at {@code nowNanos}; the thread calls it, and so do tests. */
  void progress(long nowNanos) {
    long prev = lastProgressNanos;
    if (prev != Long.MIN_VALUE && nowNanos - prev >= longGapNanos) {
      lastLongGapNanos = nowNanos - prev;
    }
    lastProgressNanos = nowNanos;
  }

  long lastProgressNanos() {
    return lastProgressNanos;
  }

  long lastLongGapNanos() {
    return lastLongGapNanos;
  }

  @Nullable Sampler currentSampler() {
    return current;
  }

  synchronized @Nullable Thread thread() {
    return thread;
  }

  SamplerLiveness liveness() {
    return liveness;
  }

  /**
   * Runs every sampler once at {@code nowNanos} (counted in {@link #ticks()} before they run);
   * the thread calls it, and so do tests.
   */
  void runOnce(long nowNanos) {
    // counted first: whoever sees a signal of this tick also sees the tick counted
    ticks = ticks + 1; // single writer per engine: the sampler thread, or a test
    for (Sampler s : samplers) {
      current = s;
      try {
        s.tick(nowNanos);
      } catch (Throwable t) {
        onFailure(s, t);
      }
    }
    current = null;
  }

  /**
   * Runs every fine sampler's {@code onWake} once; the thread calls it after each park, and so
   * do tests (with a manual clock's times).
   */
  void wakeOnce(long parkStartNanos, long dueNanos, long wakeNanos) {
    for (FineSampler f : fine) {
      current = f;
      try {
        f.onWake(parkStartNanos, dueNanos, wakeNanos);
      } catch (Throwable t) {
        onFailure(f, t);
      }
    }
    current = null;
  }

  private void onFailure(Sampler s, Throwable t) {
    if (failures.computeIfAbsent(s, k -> new AtomicLong()).getAndIncrement() == 0) {
      emitError(
          "samplerFailed",
          s.name(),
          "sampler " + s.name() + " threw " + t + "; it keeps being called, further failures counted",
          t);
    }
  }

  private void reportStarvation(long now, long lateNanos) {
    long lateMs = TimeUnit.NANOSECONDS.toMillis(lateNanos);
    if (lateNanos < STARVED_PERIODS * periodNanos || lateMs < 1000) {
      return;
    }
    if (lastStarvedReport != Long.MIN_VALUE && now - lastStarvedReport < windowNanos) {
      return;
    }
    lastStarvedReport = now;
    emitError(
        "samplerStarved",
        THREAD_NAME,
        "the argos-sampler thread ran " + lateMs + " ms late; detection is delayed accordingly",
        null);
  }

  /** Test access to the starvation check, with the clock's time and a lateness. */
  void reportStarvationForTest(long nowNanos, long lateNanos) {
    reportStarvation(nowNanos, lateNanos);
  }

  private void emitError(String kind, String subject, String message, @Nullable Throwable t) {
    Signal.Builder b =
        Argos.signal(Signal.TYPE_ERROR, Severity.WARNING, clock)
            .key(subject)
            .message(message)
            .data(DataKeys.KIND, kind);
    if (t != null) {
      b.data(DataKeys.EXCEPTION, t.getClass().getName())
          .data(DataKeys.EXCEPTION_MESSAGE, Throwables.message(t, 1024));
    }
    sink.emit(b.build());
  }

  long ticks() {
    return ticks;
  }

  long missedTicks() {
    return missedTicks;
  }

  long samplerFailures() {
    long n = 0;
    for (AtomicLong c : failures.values()) {
      n += c.get();
    }
    return n;
  }

  void snapshot(Map<String, Object> into) {
    into.put("sampler.ticks", ticks);
    into.put("sampler.missedTicks", missedTicks);
    into.put("sampler.lastLatenessMs", lastLatenessNanos / 1e6);
    into.put("sampler.maxLatenessMs", maxLatenessNanos / 1e6);
    into.put("sampler.sliceMs", lastSliceNanos / 1e6);
  }

  /**
   * Stops the thread (and the liveness check's) and waits for it up to {@code timeoutNanos};
   * idempotent. A sampler stuck in its tick would keep the thread (a daemon) until it returns;
   * the built-in samplers call no code that can block.
   */
  void stop(long timeoutNanos) {
    liveness.stop(timeoutNanos);
    Thread t;
    synchronized (this) {
      running = false;
      t = thread;
      thread = null;
    }
    if (t != null && !unparkAndJoin(t, timeoutNanos)) {
      t.interrupt();
    }
  }

  /**
   * Unparks {@code t} (its loop sees it should stop) and waits for it up to {@code timeoutNanos};
   * true when it ended. Keeps the caller's interrupt status.
   */
  static boolean unparkAndJoin(Thread t, long timeoutNanos) {
    LockSupport.unpark(t);
    try {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !t.isAlive();
  }
}
