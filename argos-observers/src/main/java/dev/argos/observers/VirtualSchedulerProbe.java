package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.SignalSink;
import dev.argos.core.Subscription;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/*
 * Design notes.
 *
 * The virtual-thread scheduler watched as an executor named "virtual" (VirtualThreads, design
 * notes): an ExecutorWatchdog of its own (the user's watchdog, its figures and its argos-prober
 * thread are left as they are), probing every VirtualThreads.PROBE_INTERVAL_NANOS, sharing the
 * JVM stall meter's StopLog, and submitting on the sampler thread itself (InlineSubmitter):
 * the executor only starts a virtual thread, which queues a task on the scheduler and never
 * blocks. Added to the engine as a fine sampler after the engine started (SamplerEngine.add is
 * safe from any thread); closed with the other samplers when Argos closes.
 *
 * Snapshot: only this watch's own figure, lag.executor.virtual.lagMs (the watchdog's
 * lag.executors.watched stays the user's count).
 */
/** The virtual-thread scheduler's lag probe; sampler thread (the engine's fine sampler). */
final class VirtualSchedulerProbe implements FineSampler {
  private final ExecutorWatchdog watchdog;

  VirtualSchedulerProbe(ExecutorWatchdog watchdog) {
    this.watchdog = watchdog;
  }

  /**
   * Adds the probe to {@code argos}'s engine and watches the scheduler under {@value
   * VirtualThreads#KEY}; the handle stops the watch (the sampler itself is closed with Argos).
   *
   * @throws IllegalStateException when virtual threads cannot be made
   */
  static Subscription start(Argos argos) {
    Executor virtual = VirtualThreads.virtualThreadPerTask(VirtualThreads.PROBE_THREAD_NAME);
    if (virtual == null) {
      throw new IllegalStateException("no virtual threads on this JVM");
    }
    ArgosConfig config = argos.config();
    StopLog stops = null;
    for (Sampler s : argos.engine().samplers()) {
      if (s instanceof JvmStallSampler j) {
        stops = j.stops(); // the one log of when the JVM was stopped, fed by every wake-up
      }
    }
    if (stops == null) {
      stops = StopLog.create(config, argos.gcMonitor());
    }
    ExecutorWatchdog watchdog = create(config.clock(), argos.out(), stops);
    Subscription watch = watchdog.watch(VirtualThreads.KEY, virtual);
    argos.engine().add(new VirtualSchedulerProbe(watchdog));
    return watch;
  }

  /** The watchdog: probes every {@link #probeIntervalNanos}, submitted on the sampler thread. */
  static ExecutorWatchdog create(Clock clock, SignalSink sink, StopLog stops) {
    long interval = probeIntervalNanos(stops.thresholdNanos());
    return new ExecutorWatchdog(clock, sink, stops, interval, interval, new InlineSubmitter());
  }

  /**
   * {@link VirtualThreads#PROBE_INTERVAL_NANOS}, or the executors' interval for this threshold
   * when that is longer (a threshold over 250 ms).
   */
  static long probeIntervalNanos(long thresholdNanos) {
    return Math.max(
        VirtualThreads.PROBE_INTERVAL_NANOS, ExecutorWatchdog.probeIntervalNanos(thresholdNanos));
  }

  @Override
  public String name() {
    return "virtualScheduler";
  }

  @Override
  public long resolutionNanos() {
    return watchdog.resolutionNanos();
  }

  @Override
  public void onWake(long parkStartNanos, long dueNanos, long wakeNanos) {
    watchdog.onWake(parkStartNanos, dueNanos, wakeNanos);
  }

  @Override
  public void tick(long nowNanos) {
    watchdog.tick(nowNanos);
  }

  @Override
  public void snapshot(Map<String, Object> into) {
    Map<String, Object> own = new LinkedHashMap<>();
    watchdog.snapshot(own);
    String key = "lag.executor." + VirtualThreads.KEY + ".lagMs";
    Object lag = own.get(key);
    if (lag != null) {
      into.put(key, lag);
    }
  }

  @Override
  public void close() {
    watchdog.close();
  }

  /**
   * Runs each submission at once on the calling (sampler) thread: the executor only starts a
   * virtual thread, which never blocks.
   */
  static final class InlineSubmitter implements ProbeSubmitter {
    private volatile boolean closed;

    @Override
    public boolean offer(Runnable job) {
      if (closed) {
        return false;
      }
      job.run();
      return true;
    }

    @Override
    public void maintain(long nowNanos) {}

    @Override
    public void close(long joinNanos) {
      closed = true;
    }
  }
}
