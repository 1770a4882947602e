package dev.argos.observers;

import java.util.List;
import java.util.concurrent.TimeUnit;

/*
 * Design notes.
 *
 * One service, passed to the JVM stall meter and to the executor watchdog, that knows when the
 * whole JVM (or the argos-sampler thread) did not run: the stop-the-world GC pauses of the
 * shared GcMonitor, and windows of wake-ups of the sampler thread.
 *
 * Wake-ups: every fine sampler hands each wake-up of the sampler thread (park start, due, wake)
 * to wake() before it looks at anything; the first to do so records it, the others find it
 * recorded. So what the watchdog subtracts from an executor's lag does not depend on which
 * sampler the engine runs first. A wake-up later than the usual timer overshoot (the baseline:
 * the smallest overshoot ever seen; an early return does not move it) by more than the threshold
 * is a stop window [park start, wake] (the meter reports it as a JVM stall). Time between two
 * wake-ups longer than a resolution is the samplers' own work, a window the meter did not observe.
 *
 * GC pauses: polled from the GcMonitor (with our own cursor) on every wake() call, kept in a ring of GC_RING with their arrival time and whether the meter has matched
 * them to a stall. GcMonitor places GcInfo times on nanoTime by its first notification's arrival,
 * late by that notification's latency: a constant that the meter calibrates (see JvmStallSampler's design notes); gcStart(k)/gcEnd(k) are on this
 * clock. Other consumers of the GcMonitor (the heap sampler) keep their own cursor.
 *
 * stoppedNanos(from, to): the larger of the windows' overlap and the GC pauses' overlap with
 * [from, to] (the two sources overlap; they are not added up).
 *
 * Threads: the sampler thread only (GcMonitor's own lock guards its ring). Memory: fixed rings.
 */
/** When the JVM, or the sampler thread, was known not to run: GC pauses and stop windows. */
final class StopLog {
  static final int GC_RING = 64;
  static final int WINDOWS = 64;
  /** How far apart a GC's times and this clock's may be after calibration, and still match. */
  static final long GC_TIME_TOLERANCE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private final GcMonitor gc;
  private final long thresholdNanos;
  private final long resolutionNanos;

  // wake-ups
  private boolean woke;
  private long lastParkStart;
  private long lastWake;
  private long baselineNanos = Long.MAX_VALUE;
  private long hiccupNanos;

  // recent stop-the-world GC pauses; times in the GC's own time base
  private long gcCursor;
  private final long[] gcStart = new long[GC_RING];
  private final long[] gcEnd = new long[GC_RING];
  private final long[] gcDurationMs = new long[GC_RING];
  private final long[] gcSeenAt = new long[GC_RING];
  private final boolean[] gcMatched = new boolean[GC_RING];
  private final String[] gcName = new String[GC_RING];
  private final String[] gcCause = new String[GC_RING];
  private int gcCount;
  private int gcNext;
  private long gcOffsetNanos;
  private boolean gcCalibrated;

  // recent windows when the JVM (or this thread) did not run; reported = a (reported) stall
  private final long[] winStart = new long[WINDOWS];
  private final long[] winEnd = new long[WINDOWS];
  private final boolean[] winReported = new boolean[WINDOWS];
  private int winCount;
  private int winNext;

  /**
   * A log fed by {@code gc}; a wake-up later than the usual by more than {@code thresholdNanos} is
   * a stop, and work between wake-ups longer than {@code resolutionNanos} an unobserved window.
   */
  StopLog(GcMonitor gc, long thresholdNanos, long resolutionNanos) {
    if (thresholdNanos <= 0 || resolutionNanos <= 0) {
      throw new IllegalArgumentException(
          "threshold and resolution must be positive but were "
              + thresholdNanos + ", " + resolutionNanos);
    }
    this.gc = gc;
    this.thresholdNanos = thresholdNanos;
    this.resolutionNanos = resolutionNanos;
    this.gcCursor = gc.lastSeq();
  }

  /** The log for {@code config}'s lag threshold at the stall meter's default resolution. */
  static StopLog create(ArgosConfig config, GcMonitor gc) {
    long threshold = config.thresholds().eventLoopLag().toNanos();
    return new StopLog(gc, threshold, JvmStallSampler.defaultResolutionNanos(threshold));
  }

  long thresholdNanos() {
    return thresholdNanos;
  }

  long resolutionNanos() {
    return resolutionNanos;
  }

  /**
   * One wake-up of the sampler thread (it parked at {@code parkStart}, was due at {@code due},
   * woke at {@code wake}); every fine sampler calls it first, the first call records it and the
   * others find it recorded. A call without a park (parkStart == wake: a tick) records nothing.
   * New GC pauses are polled either way.
   */
  void wake(long parkStart, long due, long wake) {
    if (parkStart != wake && !(woke && parkStart == lastParkStart && wake == lastWake)) {
      if (woke && parkStart - lastWake > resolutionNanos) {
        addWindow(lastWake, parkStart, false); // the samplers' work: unobserved
      }
      woke = true;
      lastParkStart = parkStart;
      lastWake = wake;
      long over = wake - due;
      if (over >= 0 && over < baselineNanos) {
        baselineNanos = over;
      }
      hiccupNanos = Math.max(0, over - baselineNanos());
      if (hiccupNanos > thresholdNanos) {
        addWindow(parkStart, wake, true);
      }
    }
    poll(wake);
  }

  /** The usual timer overshoot so far (0 before any wake-up). */
  long baselineNanos() {
    return baselineNanos == Long.MAX_VALUE ? 0 : baselineNanos;
  }

  /** How much later than usual the last recorded wake-up was. */
  long hiccupNanos() {
    return hiccupNanos;
  }

  // ---- GC pauses ---------------------------------------------------------------------------

  /** Polls the GcMonitor for new pauses, seen at {@code now}. */
  void poll(long now) {
    long last = gc.lastSeq();
    if (last == gcCursor) {
      return;
    }
    List<GcMonitor.GcEvent> events = gc.since(gcCursor);
    gcCursor = last;
    for (GcMonitor.GcEvent e : events) {
      if (!e.isPause()) {
        continue; // a concurrent cycle stops no thread
      }
      int i = gcNext;
      gcStart[i] = e.startNanos();
      gcEnd[i] = e.endNanos();
      gcDurationMs[i] = e.durationMs();
      gcSeenAt[i] = now;
      gcMatched[i] = false;
      gcName[i] = e.gcName();
      gcCause[i] = e.cause();
      gcNext = (i + 1) % GC_RING;
      gcCount = Math.min(GC_RING, gcCount + 1);
    }
  }

  /** GC pauses held (indexes 0 .. gcCount() - 1, in no particular order). */
  int gcCount() {
    return gcCount;
  }

  /** Start of pause {@code k} in the GC's own time base. */
  long gcStartRaw(int k) {
    return gcStart[k];
  }

  /** End of pause {@code k} in the GC's own time base. */
  long gcEndRaw(int k) {
    return gcEnd[k];
  }

  /** Start of pause {@code k} on this clock (the GC's time base corrected, once calibrated). */
  long gcStart(int k) {
    return gcStart[k] - gcOffsetNanos;
  }

  /** End of pause {@code k} on this clock. */
  long gcEnd(int k) {
    return gcEnd[k] - gcOffsetNanos;
  }

  long gcPauseMs(int k) {
    return gcDurationMs[k];
  }

  /** When pause {@code k}'s notification was polled, on this clock. */
  long gcSeenAt(int k) {
    return gcSeenAt[k];
  }

  String gcName(int k) {
    return gcName[k];
  }

  String gcCause(int k) {
    return gcCause[k];
  }

  /** Whether the meter has given pause {@code k} to a stall (or reported it alone). */
  boolean gcMatched(int k) {
    return gcMatched[k];
  }

  void markMatched(int k) {
    gcMatched[k] = true;
  }

  /** Whether the GC's time base has been calibrated against this clock. */
  boolean calibrated() {
    return gcCalibrated;
  }

  /** The GC's time base minus this clock's, as calibrated so far (0 before). */
  long gcOffsetNanos() {
    return gcOffsetNanos;
  }

  /**
   * A calibration sample (a GC end minus the wake-up that ended its stall: at most the offset);
   * the largest one is kept.
   */
  void calibrate(long sampleNanos) {
    if (!gcCalibrated || sampleNanos > gcOffsetNanos) {
      gcOffsetNanos = sampleNanos;
      gcCalibrated = true;
    }
  }

  // ---- windows -----------------------------------------------------------------------------

  /** Records [from, to] as a reported stop (a GC pause reported from its own figures). */
  void addReported(long from, long to) {
    addWindow(from, to, true);
  }

  private void addWindow(long from, long to, boolean reported) {
    int i = winNext;
    winStart[i] = from;
    winEnd[i] = to;
    winReported[i] = reported;
    winNext = (i + 1) % WINDOWS;
    winCount = Math.min(WINDOWS, winCount + 1);
  }

  /**
   * Whether reported stops cover [from, to] (all but the tolerance of it): one that merely touches
   * a reported stall, such as the second of two collections back to back, is not covered.
   */
  boolean coveredByReported(long from, long to) {
    long covered = 0;
    for (int w = 0; w < winCount; w++) {
      if (winReported[w]) {
        covered += overlap(winStart[w], winEnd[w], from, to);
      }
    }
    return covered >= to - from - 2 * GC_TIME_TOLERANCE_NANOS;
  }

  /**
   * Nanoseconds within [from, to] during which the whole JVM or the sampler thread was known not
   * to run (stops, GC pauses, the samplers' own work), as known at the last wake(). Overlapping
   * sources are not added up: the larger of the windows and the GC pauses counts.
   */
  long stoppedNanos(long from, long to) {
    long windows = 0;
    for (int w = 0; w < winCount; w++) {
      windows += overlap(winStart[w], winEnd[w], from, to);
    }
    return Math.min(to - from, Math.max(windows, gcPauseNanos(from, to)));
  }

  /** Nanoseconds of stop-the-world GC pauses within [from, to], as known at the last wake(). */
  long gcPauseNanos(long from, long to) {
    long sum = 0;
    for (int k = 0; k < gcCount; k++) {
      sum += overlap(gcStart(k), gcEnd(k), from, to);
    }
    return sum;
  }

  static long overlap(long a0, long a1, long b0, long b1) {
    return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  }
}
