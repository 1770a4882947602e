package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.Subscription;
import dev.argos.core.internal.Throwables;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * JDK 17: the library is compiled with --release 17, so nothing of JDK 21 is named in the code.
 * Thread.ofVirtual() is looked up once with MethodHandles; on a JDK without it (17 to 20) every
 * part is off, silently. The JFR part (PinnedThreadSampler) is in its own class, loaded only when
 * the jdk.jfr module is in the boot layer: on a runtime linked without it, no class of it is
 * touched.
 *
 * Two parts, started with Argos (on a clock that moves by itself) when ArgosConfig.virtualThreads
 * is on, closed with it:
 *
 * - Scheduler lag: an ExecutorWatchdog of its own, with the watch "virtual" on an executor that
 *   starts one virtual thread per probe, added to the engine as a fine sampler
 *   (VirtualSchedulerProbe). The probe is queued on the scheduler like any virtual thread that
 *   becomes runnable, so a carrier pool that is all busy (CPU-bound virtual threads, pinned
 *   carriers) delays it: eventLoopLag, key "virtual", in progress, as for any watched executor.
 *   It shares the JVM stall meter's stop log, so a GC pause is not blamed on the scheduler. Why
 *   not argos.watch("virtual", ...): that watch is probed every 2/5 of the threshold (20 ms at
 *   the defaults) through the argos-prober thread, about 150 thread wake-ups a second for a
 *   scheduler that an application may barely use; starting a virtual thread never blocks (it
 *   queues a task on the scheduler's ForkJoinPool), so this watchdog starts it on the sampler
 *   thread itself (no prober thread) and probes every PROBE_INTERVAL (100 ms): a saturated
 *   carrier pool is seen within threshold + 100 ms (150 ms at the defaults). On JDK 24+ an idle
 *   scheduler is probed without a virtual thread (VirtualSchedulerProbe, Idle scheduler).
 * - Pinning: PinnedThreadSampler, a JFR RecordingStream of jdk.VirtualThreadPinned on its own
 *   daemon thread (argos-virtual-pinned), feeding PinnedEpisodes.
 */
/**
 * Virtual threads (JDK 21 and later, found at run time; the library still runs on 17, where
 * this does nothing): what Argos watches, and the names of its signals. With {@link
 * ArgosConfig.Builder#virtualThreads(boolean)} on (the default) and a JDK that has virtual
 * threads, a started {@link Argos} watches:
 *
 * <ul>
 *   <li><b>pinning</b>: a virtual thread that blocks while pinned to its carrier thread (inside a
 *       native frame or a class initializer; on JDK 21 to 23 also inside {@code synchronized})
 *       for longer than {@link ArgosConfig#pinnedThreshold()} is signalled as {@value
 *       #TYPE_PINNED}, with its stack, through a JFR {@code RecordingStream} of the JDK's {@code
 *       jdk.VirtualThreadPinned} event on a daemon thread, {@code argos-virtual-pinned}. Off when
 *       the runtime has no JFR ({@code jdk.jfr} module) or JFR cannot start.
 *   <li><b>scheduler lag</b>: the virtual-thread scheduler is probed like a watched executor (a
 *       virtual thread started every 100 ms), and signals {@code eventLoopLag} with key {@value
 *       #KEY} when its carriers are all busy for longer than the {@code eventLoopLag} threshold.
 * </ul>
 *
 * <p>See docs/virtual-threads.md for the signals' fields, the costs and the limits.
 */
public final class VirtualThreads {
  private static final Logger log = LoggerFactory.getLogger(VirtualThreads.class);

  /** The signal type of a pinned virtual thread. */
  public static final String TYPE_PINNED = "virtualThreadPinned";
  /** The {@code eventLoopLag} key of the virtual-thread scheduler. */
  public static final String KEY = "virtual";
  /** The default {@code pinnedThreshold}: 20 ms, the JDK's own for {@code jdk.VirtualThreadPinned}. */
  public static final Duration DEFAULT_PINNED_THRESHOLD = Duration.ofMillis(20);

  /** How often the scheduler is probed (at least: the executors' probe interval if longer). */
  static final long PROBE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** The name of the probes' virtual threads. */
  static final String PROBE_THREAD_NAME = "argos-virtual-probe";

  /** Thread.ofVirtual(), or null before JDK 21. */
  private static final @Nullable MethodHandle OF_VIRTUAL = lookUpOfVirtual();
  /** Whether "JFR is not there" was logged, once per process. */
  private static final AtomicBoolean NO_JFR_LOGGED = new AtomicBoolean();

  private VirtualThreads() {}

  /** Whether this JVM has virtual threads (JDK 21 and later), found at run time. */
  public static boolean supported() {
    return OF_VIRTUAL != null;
  }

  private static @Nullable MethodHandle lookUpOfVirtual() {
    if (Runtime.version().feature() < 21) {
      return null;
    }
    try {
      Class<?> builder = Class.forName("java.lang.Thread$Builder$OfVirtual");
      return MethodHandles.publicLookup()
          .findStatic(Thread.class, "ofVirtual", MethodType.methodType(builder));
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }

  /**
   * A factory of unstarted virtual threads named {@code name}, or null before JDK 21 (or if the
   * JDK refuses).
   */
  static @Nullable ThreadFactory virtualThreadFactory(String name) {
    MethodHandle of = OF_VIRTUAL;
    if (of == null) {
      return null;
    }
    try {
      Object builder = of.invoke();
      Class<?> type = Class.forName("java.lang.Thread$Builder");
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      MethodHandle named =
          lookup.findVirtual(type, "name", MethodType.methodType(type, String.class));
      MethodHandle factory =
          lookup.findVirtual(type, "factory", MethodType.methodType(ThreadFactory.class));
      return (ThreadFactory) factory.invoke(named.invoke(builder, name));
    } catch (Throwable t) {
      log.debug("argos: cannot make virtual threads", t);
      return null;
    }
  }

  /** An executor that starts one virtual thread named {@code name} per task; null before 21. */
  static @Nullable Executor virtualThreadPerTask(String name) {
    ThreadFactory f = virtualThreadFactory(name);
    if (f == null) {
      return null;
    }
    return task -> f.newThread(task).start();
  }

  /**
   * Starts what {@code argos}'s configuration asks for; returns the handle that stops it (never
   * null: a no-op when nothing was started). Called once, by {@link Argos}'s start, under its
   * lock. Never throws: a part that cannot start is off (logged, or one {@code argos:error}).
   */
  static AutoCloseable start(Argos argos) {
    ArgosConfig config = argos.config();
    if (!config.virtualThreads() || !supported() || !config.clock().movesByItself()) {
      return () -> {};
    }
    Running r = new Running();
    try {
      r.lag = VirtualSchedulerProbe.start(argos);
    } catch (Throwable t) {
      log.debug("argos: cannot probe the virtual-thread scheduler", t);
      reportCannotStart(argos, "virtualSchedulerProbe", t);
    }
    if (!jfrPresent()) {
      if (NO_JFR_LOGGED.compareAndSet(false, true)) {
        log.info("argos: this runtime has no JFR (module jdk.jfr); pinned virtual threads are"
            + " not watched");
      }
      return r;
    }
    try {
      r.pinned = PinnedThreadSampler.start(config, argos.out());
    } catch (Throwable t) {
      log.debug("argos: cannot start the JFR stream of pinned virtual threads", t);
      reportCannotStart(argos, "pinnedThreadSampler", t);
    }
    return r;
  }

  /** Closes what {@link #start} returned; never throws. */
  static void close(@Nullable AutoCloseable handle) {
    if (handle == null) {
      return;
    }
    try {
      handle.close();
    } catch (Throwable t) {
      log.debug("argos: closing the virtual-thread watch failed", t);
    }
  }

  private static boolean jfrPresent() {
    try {
      return ModuleLayer.boot().findModule("jdk.jfr").isPresent();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** One argos:error (WARNING) for a part that could not start: once per Argos and part. */
  private static void reportCannotStart(Argos argos, String part, Throwable t) {
    try {
      Clock clock = argos.config().clock();
      argos.out().emit(
          Argos.signal(Signal.TYPE_ERROR, Severity.WARNING, clock)
              .key(part)
              .message("virtual threads are not watched by " + part + ": "
                  + Throwables.describe(t))
              .data(DataKeys.KIND, "virtualThreadsUnavailable")
              .data(DataKeys.EXCEPTION, t.getClass().getName())
              .build());
    } catch (Throwable ignored) {
      // nothing more to do: it was logged at debug
    }
  }

  /** What start() started. */
  private static final class Running implements AutoCloseable {
    volatile @Nullable Subscription lag;
    volatile @Nullable AutoCloseable pinned;

    @Override
    public void close() {
      Subscription l = lag;
      lag = null;
      if (l != null) {
        try {
          l.close();
        } catch (Throwable t) {
          log.debug("argos: closing the scheduler probe failed", t);
        }
      }
      AutoCloseable p = pinned;
      pinned = null;
      if (p != null) {
        try {
          p.close();
        } catch (Throwable t) {
          log.debug("argos: closing the JFR stream failed", t);
        }
      }
    }
  }
}
