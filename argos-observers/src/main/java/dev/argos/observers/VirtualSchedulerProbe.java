package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.SignalSink;
import dev.argos.core.Subscription;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.management.PlatformManagedObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

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
 * Idle scheduler: on JDK 24 and later, jdk.management.VirtualThreadSchedulerMXBean tells how many
 * virtual threads are queued and mounted. While nothing is queued and a carrier is free, a
 * virtual thread started now would run at once, so the probe runs at once on the sampler thread
 * (lag 0; it is the submitter's own thread, so the watchdog does not take it for the
 * executor's) instead of waking a carrier: starting and running a virtual thread every 100 ms
 * cost +0.47 % of a core on the 2-core build machine, most of it the carrier's wake-up (see
 * docs/virtual-threads.md, Cost). When the scheduler is busy, the probe is a real virtual thread
 * and its wait is measured. On JDK 21 to 23 it always is.
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
    ThreadFactory threads = VirtualThreads.virtualThreadFactory(VirtualThreads.PROBE_THREAD_NAME);
    if (threads == null) {
      throw new IllegalStateException("no virtual threads on this JVM");
    }
    Executor virtual = probeExecutor(threads, SchedulerState.find());
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

  /**
   * The executor the watch probes: a probe runs at once on the calling thread while {@code
   * state} says the scheduler has a free carrier and nothing queued (a virtual thread started now
   * would run at once: no lag, and no carrier woken for nothing), else on a virtual thread of
   * {@code threads}, queued on the scheduler like any other. Without a state (JDK 21 to 23),
   * always on a virtual thread.
   */
  static Executor probeExecutor(ThreadFactory threads, @Nullable BooleanSupplier idle) {
    if (idle == null) {
      return task -> threads.newThread(task).start();
    }
    return task -> {
      if (idle.getAsBoolean()) {
        task.run();
      } else {
        threads.newThread(task).start();
      }
    };
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
   * The scheduler's figures from {@code jdk.management.VirtualThreadSchedulerMXBean} (JDK 24 and
   * later), looked up at run time: idle when nothing is queued and fewer virtual threads are
   * mounted than the scheduler's parallelism. Any failure reads as not idle (a real probe).
   */
  static final class SchedulerState implements BooleanSupplier {
    private final MethodHandle parallelism;
    private final MethodHandle mounted;
    private final MethodHandle queued;

    private SchedulerState(MethodHandle parallelism, MethodHandle mounted, MethodHandle queued) {
      this.parallelism = parallelism;
      this.mounted = mounted;
      this.queued = queued;
    }

    /** The scheduler's state, or null before JDK 24 (or without the jdk.management module). */
    static @Nullable SchedulerState find() {
      try {
        Class<?> type = Class.forName("jdk.management.VirtualThreadSchedulerMXBean");
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        Object bean = lookup
            .findStatic(ManagementFactory.class, "getPlatformMXBean",
                MethodType.methodType(PlatformManagedObject.class, Class.class))
            .invoke(type);
        if (bean == null) {
          return null;
        }
        return new SchedulerState(
            lookup.findVirtual(type, "getParallelism", MethodType.methodType(int.class))
                .bindTo(bean),
            lookup.findVirtual(type, "getMountedVirtualThreadCount",
                MethodType.methodType(int.class)).bindTo(bean),
            lookup.findVirtual(type, "getQueuedVirtualThreadCount",
                MethodType.methodType(long.class)).bindTo(bean));
      } catch (Throwable t) {
        return null;
      }
    }

    @Override
    public boolean getAsBoolean() {
      try {
        long q = (long) queued.invokeExact();
        if (q != 0) {
          return false;
        }
        int m = (int) mounted.invokeExact();
        int p = (int) parallelism.invokeExact();
        return m >= 0 && m < p;
      } catch (Throwable t) {
        return false;
      }
    }
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
