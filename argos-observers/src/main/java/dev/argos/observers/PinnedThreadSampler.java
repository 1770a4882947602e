package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import dev.argos.core.internal.Throwables;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * A JFR RecordingStream (jdk.jfr, JDK 14+, so it compiles on 17) with one event enabled,
 * jdk.VirtualThreadPinned, at the pinnedThreshold, with stack traces. Everything runs on one
 * daemon thread, argos-virtual-pinned: it waits START_DELAY (2 s) after Argos started, then
 * creates the stream (JFR's start-up the first time in the process: +0.85 s of CPU measured by
 * VirtualThreadsIdleCostTest, class loading, two threads of JFR's own, and seconds of wall time
 * on a loaded machine; paid there, not by the thread that starts Argos, and not at all by an Argos closed
 * within the delay, nor during the application's own start-up burst), runs it (RecordingStream.start() blocks, dispatching events and flushes on this
 * thread) and, when the stream is closed, resolves the running episodes. JFR writes the events to
 * its disk repository and the stream reads them back at each flush, about once a second: a
 * pinning is signalled about a second after it ends. Each flush (also with no event) runs
 * PinnedEpisodes.calm, which resolves the episodes calm for the quiet time.
 *
 * Bounds: the stream keeps MAX_AGE of data at most, MAX_SIZE bytes; stacks are cut to
 * PinnedEpisodes.MAX_FRAMES frames.
 *
 * Failure: JFR that cannot start (disabled, a security manager) is one argos:error (WARNING, kind
 * virtualThreadsUnavailable) and the thread ends; an event that cannot be read is logged at
 * debug and skipped. close() stops the stream (or the delay) and waits for the thread, which
 * resolves the running episodes before it ends: milliseconds, except during JFR's start-up,
 * which cannot be cut short: then up to JOIN_NANOS (10 s), interruptibly (the agent's close
 * timeout interrupts it), and the thread ends as soon as that start-up returns.
 */
/** Reads {@code jdk.VirtualThreadPinned} from a JFR stream into {@link PinnedEpisodes}. */
final class PinnedThreadSampler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PinnedThreadSampler.class);

  static final String THREAD_NAME = "argos-virtual-pinned";
  static final String EVENT = "jdk.VirtualThreadPinned";
  static final Duration MAX_AGE = Duration.ofSeconds(30);
  static final long MAX_SIZE = 8L * 1024 * 1024;
  static final long JOIN_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** How long after start the stream is created (JFR's start-up is not cheap). */
  static final long START_DELAY_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final Clock clock;
  private final SignalSink sink;
  private final long thresholdNanos;
  private final long startDelayNanos;
  private final PinnedEpisodes episodes;
  private final Thread thread;
  private final Object lock = new Object();
  // guarded by lock
  private @Nullable RecordingStream stream;
  private boolean closed;
  private volatile boolean recording;

  private PinnedThreadSampler(
      Clock clock, SignalSink sink, long thresholdNanos, long quietNanos, long startDelayNanos) {
    this.clock = clock;
    this.sink = sink;
    this.thresholdNanos = thresholdNanos;
    this.startDelayNanos = startDelayNanos;
    this.episodes = new PinnedEpisodes(clock, sink, thresholdNanos, quietNanos);
    this.thread = new Thread(this::run, THREAD_NAME);
    thread.setDaemon(true);
  }

  /** Starts the stream's thread for {@code config}; signals go to {@code sink}. */
  static PinnedThreadSampler start(ArgosConfig config, SignalSink sink) {
    return start(config.clock(), sink, config.pinnedThreshold().toNanos(),
        PinnedEpisodes.QUIET_NANOS, START_DELAY_NANOS);
  }

  /** Starts the stream's thread with an explicit quiet time and start delay (tests). */
  static PinnedThreadSampler start(
      Clock clock, SignalSink sink, long thresholdNanos, long quietNanos, long startDelayNanos) {
    PinnedThreadSampler s =
        new PinnedThreadSampler(clock, sink, thresholdNanos, quietNanos, startDelayNanos);
    s.thread.start();
    return s;
  }

  /**
   * Whether the stream is recording: it has flushed at least once (so a pinning from now on is
   * seen) and has not ended; for tests.
   */
  boolean recording() {
    return recording;
  }

  private boolean closed() {
    synchronized (lock) {
      return closed;
    }
  }

  private void run() {
    try {
      long until = clock.nanoTime() + startDelayNanos;
      for (long left = startDelayNanos; left > 0 && !closed(); left = until - clock.nanoTime()) {
        LockSupport.parkNanos(this, left); // close() unparks
      }
      if (closed()) {
        return;
      }
      RecordingStream rs;
      try {
        rs = new RecordingStream();
        rs.enable(EVENT).withThreshold(Duration.ofNanos(thresholdNanos)).withStackTrace();
        rs.setMaxAge(MAX_AGE);
        rs.setMaxSize(MAX_SIZE);
        rs.onEvent(EVENT, this::onEvent);
        rs.onFlush(this::onFlush);
      } catch (Throwable t) {
        cannotStart(t);
        return;
      }
      synchronized (lock) {
        if (closed) {
          rs.close();
          return;
        }
        stream = rs;
      }
      try {
        rs.start(); // returns when closed
      } catch (Throwable t) {
        boolean wasClosed;
        synchronized (lock) {
          wasClosed = closed;
        }
        if (!wasClosed) {
          cannotStart(t);
        }
      } finally {
        recording = false;
      }
    } finally {
      episodes.closeAll(); // whatever ended the stream: no episode is left open
    }
  }

  private void cannotStart(Throwable t) {
    log.debug("argos: cannot stream JFR events of pinned virtual threads", t);
    try {
      sink.emit(
          Argos.signal(Signal.TYPE_ERROR, Severity.WARNING, clock)
              .key("pinnedThreadSampler")
              .message("pinned virtual threads are not watched: JFR cannot stream "
                  + EVENT + ": " + Throwables.describe(t))
              .data(DataKeys.KIND, "virtualThreadsUnavailable")
              .data(DataKeys.EXCEPTION, t.getClass().getName())
              .build());
    } catch (Throwable ignored) {
      // logged above
    }
  }

  private void onEvent(RecordedEvent e) {
    try {
      episodes.pinned(pinning(e, clock));
    } catch (Throwable t) {
      log.debug("argos: cannot read a {} event", EVENT, t);
    }
  }

  private void onFlush() {
    recording = true;
    try {
      episodes.calm(clock.nanoTime());
    } catch (Throwable t) {
      log.debug("argos: pinned-thread episodes failed", t);
    }
  }

  /** The pinning an event tells, its end placed on {@code clock}'s nanoTime. */
  static PinnedEpisodes.Pinning pinning(RecordedEvent e, Clock clock) {
    long duration = Math.max(0, e.getDuration().toNanos());
    long now = clock.nanoTime();
    Instant end = e.getEndTime();
    long ageNanos;
    try {
      ageNanos = Math.max(0, Duration.between(end, clock.instant()).toNanos());
    } catch (ArithmeticException overflow) {
      ageNanos = 0;
    }
    RecordedThread t = e.getThread();
    String thread = name(t);
    String carrier = null;
    if (e.hasField("carrierThread")) {
      RecordedThread c = e.getThread("carrierThread");
      carrier = c == null ? null : name(c);
    }
    String op = e.hasField("blockingOperation") ? e.getString("blockingOperation") : null;
    String reason = e.hasField("pinnedReason") ? e.getString("pinnedReason") : null;
    return new PinnedEpisodes.Pinning(
        duration, now - ageNanos, thread == null ? "unknown" : thread, carrier, op, reason,
        frames(e.getStackTrace()));
  }

  /** A thread's Java name, {@code "#<id>"} when it has none (most virtual threads). */
  private static @Nullable String name(@Nullable RecordedThread t) {
    if (t == null) {
      return null;
    }
    String n = t.getJavaName();
    if (n == null || n.isEmpty()) {
      return "#" + t.getJavaThreadId();
    }
    return n;
  }

  /** At most MAX_FRAMES frames as {@code pkg.Type.method:line}, then how many were left out. */
  static List<String> frames(@Nullable RecordedStackTrace st) {
    if (st == null) {
      return List.of();
    }
    List<RecordedFrame> all = st.getFrames();
    int max = PinnedEpisodes.MAX_FRAMES;
    List<String> out = new ArrayList<>(Math.min(all.size(), max) + 1);
    for (int i = 0; i < all.size() && i < max; i++) {
      RecordedFrame f = all.get(i);
      RecordedMethod m = f.getMethod();
      String text = m == null ? "unknown" : m.getType().getName() + "." + m.getName();
      int line = f.getLineNumber();
      out.add(line > 0 ? text + ":" + line : text);
    }
    if (all.size() > max) {
      out.add("... " + (all.size() - max) + " more");
    } else if (st.isTruncated()) {
      out.add("... more (truncated by JFR)");
    }
    return List.copyOf(out);
  }

  /**
   * Stops the stream and waits for its thread, which resolves the running episodes before it
   * ends: milliseconds, or during JFR's start-up until it returns, at most {@link #JOIN_NANOS}
   * (interruptible); idempotent.
   */
  @Override
  public void close() {
    RecordingStream rs;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      rs = stream;
      stream = null;
    }
    LockSupport.unpark(thread); // out of the start delay
    if (rs != null) {
      try {
        rs.close();
      } catch (Throwable t) {
        log.debug("argos: closing the JFR stream failed", t);
      }
    }
    if (Thread.currentThread() == thread) {
      return;
    }
    try {
      thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(JOIN_NANOS)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      log.debug("argos: the JFR stream thread is still in JFR's start-up; it ends after it");
    }
  }
}
