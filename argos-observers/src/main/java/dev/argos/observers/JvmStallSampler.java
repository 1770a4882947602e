package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/*
 * Design notes.
 *
 * Meter (jHiccup style): the argos-sampler thread parks in slices of `resolution` and reports
 * each wake-up (FineSampler.onWake). The overshoot is wake - due. Normal timer overshoot (timer
 * slack, scheduling) is the smallest overshoot ever seen, the baseline; the hiccup of a wake-up
 * is overshoot - baseline (never negative). Early returns from park (overshoot < 0) do not
 * move the baseline. Every hiccup goes into a preallocated HdrHistogram with coordinated-
 * omission correction (recordValueWithExpectedInterval), so a 500 ms stall counts as the lags a
 * timer due every `resolution` would have seen. The wake-up path allocates nothing: primitive
 * fields and primitive rings only.
 *
 * Stalls: a hiccup above the threshold is a stall. A JVM-wide stall stops this thread too, so it
 * is seen only when over: jvm signals have inProgress=false. A stall explained by a stop-the-
 * world GC pause (GcMonitor) has cause "gc"; GC notifications arrive on a JMX thread a little
 * after the pause, so a stall waits up to `grace` for one before it is reported with cause
 * "unknown" (it waits no longer once the pauses that arrived explain the whole stall). While a
 * stall waits (for its first PENDING_FAST_NANOS), the thread parks in slices of at most
 * PENDING_SLICE_NANOS, so that the signal goes out within a few milliseconds of a prompt
 * notification rather than up to a resolution later (at most 10 extra wake-ups per stall, none
 * otherwise). Its gcName
 * and gcCause are the longest pause's, gcPauseMs the sum of the pauses in it. Up to MAX_PENDING
 * stalls wait at once, reported oldest first: two collections back to back stop the JMX thread
 * too, so both notifications come after the second stall, and each pause must go to its own
 * stall (assignGcs: by containment once calibrated, by arrival, size and order before).
 *
 * GC clock: GcInfo times are milliseconds since the JVM's management layer started, which is not
 * when RuntimeMXBean's uptime starts: GcMonitor's nanoTime mapping is off by a constant (tens
 * of ms, see docs/signals/eventLoopLag.md). So the first GC is matched to a
 * stall by arrival (its notification came after the stall's wake-up, within the grace) and by
 * size (the pause fits in the stall's window). A stall that one pause explains
 * (the window is at most one resolution longer than the pause) calibrates the offset: the GC
 * ended at or before this thread woke, so gcEnd - wake is at most the offset; the largest such
 * sample is kept (its error is the shortest delay seen between a pause's end and our wake-up,
 * well under a millisecond on an idle machine). Once calibrated, pauses are matched to stalls by
 * time (give or take a resolution), and a GC stall is measured from
 * the GC's start (clamped to the park window, and no later than the due time) to our wake-up,
 * which makes lagMs match the GC's own pause to about a millisecond instead of to one
 * resolution. A stall calibrates only after it is measured, so the first GC stall reports the
 * larger of the hiccup (the lag of a timer due at `due`, which can be short of the pause by up to
 * one resolution) and the pause matched to it when only one is (measuredBy "gcPause"; never
 * more than the stall's window); a stall without a GC reports the hiccup.
 *
 * Blind spots: while this thread runs the samplers it is not parked, and a pause then is not
 * seen by the meter. Such time (work longer than `resolution`) is kept as an "unobserved"
 * window, and a GC pause above the threshold that no reported stall covers is reported from the
 * GC's own figures once its grace has passed. Non-GC safepoint pauses that fall entirely inside
 * the samplers' work time (well under 1 % of the time) are missed.
 *
 * Episodes: each JVM stall is its own episode, reported once it is over: one WARNING (CRITICAL
 * at CRITICAL_FACTOR x threshold) and one INFO resolved with durationMs.
 *
 * Stopped windows: a ring of the recent windows in which the whole JVM (or this thread) did not
 * run, which the executor watchdog subtracts so that it blames no executor for a GC pause.
 */
final class JvmStallSampler implements FineSampler {
  static final String KEY = "jvm";
  /** Severity steps to CRITICAL at this multiple of the threshold. */
  static final int CRITICAL_FACTOR = 10;

  private static final long HIGHEST_US = TimeUnit.HOURS.toMicros(1);
  private static final int GC_RING = 64;
  private static final int WINDOWS = 64;
  /** Stalls that may wait for their GC notifications at once (back-to-back collections). */
  private static final int MAX_PENDING = 4;
  /**
   * How long a stall waits for its GC notification. They come a millisecond or so after the
   * pause, but on a loaded machine, or for the first GC (class loading in the JMX path), tens of
   * milliseconds later.
   */
  static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  /** The longest park while a stall waits for its GC notification, for PENDING_FAST_NANOS. */
  static final long PENDING_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /**
   * How long after a stall the meter parks in PENDING_SLICE_NANOS slices: notifications usually
   * come within a few ms; a later one waits for a normal wake-up. At most 10 extra wake-ups per
   * stall, so a run of stalls without GC (CPU throttling) does not make the thread wake 200 times
   * a second.
   */
  static final long PENDING_FAST_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private static final long GC_TIME_TOLERANCE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private final Clock clock;
  private final SignalSink sink;
  private final GcMonitor gc;
  private final long thresholdNanos;
  private final long resolutionNanos;
  private final long graceNanos;
  private final long windowNanos;

  // meter (sampler thread only)
  private long baselineNanos = Long.MAX_VALUE;
  private long lastWakeNanos = Long.MIN_VALUE;
  private Histogram current = newHistogram();
  private Histogram previous = newHistogram();
  private final Histogram merged = newHistogram();
  private long windowStartNanos = Long.MIN_VALUE;
  private long lastFigures = Long.MIN_VALUE;
  /** How often tick() refreshes the lag percentiles that snapshot() shows. */
  static final long FIGURES_NANOS = TimeUnit.SECONDS.toNanos(1);

  // the stalls waiting for their GC notifications, oldest first
  private int pendingCount;
  private final long[] pendingParkStart = new long[MAX_PENDING];
  private final long[] pendingDue = new long[MAX_PENDING];
  private final long[] pendingWake = new long[MAX_PENDING];
  private final long[] pendingHiccup = new long[MAX_PENDING];
  /** Scratch of assignGcs(): the pending stall each GC pause belongs to, or -1. */
  private final int[] gcOwner = new int[GC_RING];
  private final long[] ownedNanos = new long[MAX_PENDING];

  // recent stop-the-world GC pauses, in clock nanoTime
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
  // GC time base minus this clock's, learnt from stalls the GC explained (see design notes)
  private long gcOffsetNanos;
  private boolean gcCalibrated;

  // recent windows when the JVM (or this thread) did not run; reported = a reported stall
  private final long[] winStart = new long[WINDOWS];
  private final long[] winEnd = new long[WINDOWS];
  private final boolean[] winReported = new boolean[WINDOWS];
  private int winCount;
  private int winNext;

  // figures, published for snapshot() on any thread
  private volatile double p50Ms;
  private volatile double p99Ms;
  private volatile double maxMs;
  private long stallCount;
  private long gcStallCount;
  private volatile long stalls;
  private volatile long gcStalls;
  private volatile double lastStallMs;
  private volatile double baselineUs;

  JvmStallSampler(
      Clock clock,
      SignalSink sink,
      GcMonitor gc,
      long thresholdNanos,
      long resolutionNanos,
      long windowNanos) {
    if (thresholdNanos <= 0 || resolutionNanos <= 0 || windowNanos <= 0) {
      throw new IllegalArgumentException(
          "threshold, resolution and window must be positive but were "
              + thresholdNanos + ", " + resolutionNanos + ", " + windowNanos);
    }
    this.clock = clock;
    this.sink = sink;
    this.gc = gc;
    this.thresholdNanos = thresholdNanos;
    this.resolutionNanos = resolutionNanos;
    this.graceNanos = Math.max(GRACE_NANOS, 4 * resolutionNanos);
    this.windowNanos = windowNanos;
    this.gcCursor = gc.lastSeq();
  }

  /**
   * The default resolution for a threshold: half of it, within [1 ms, 25 ms] (25 ms at the default
   * 50 ms, so every stall of 1.5 x the threshold is caught). Every wake-up of the sampler thread
   * costs tens of microseconds of CPU on a virtual machine, so this is the meter's main cost: at
   * 40 wake-ups a second the wake-ups are most of what an idle Argos costs (docs/benchmarks.md,
   * idle cost, measures it beside a bare thread parking in the same slices). A GC stall's lagMs
   * is measured from the GC's own start once calibrated (before that, the GC's own pause is the
   * lower bound), so the coarser slice costs no accuracy there.
   */
  static long defaultResolutionNanos(long thresholdNanos) {
    return Math.max(
        TimeUnit.MILLISECONDS.toNanos(1),
        Math.min(thresholdNanos / 2, TimeUnit.MILLISECONDS.toNanos(25)));
  }

  static JvmStallSampler create(ArgosConfig config, GcMonitor gc, SignalSink sink) {
    long threshold = config.thresholds().eventLoopLag().toNanos();
    return new JvmStallSampler(
        config.clock(),
        sink,
        gc,
        threshold,
        defaultResolutionNanos(threshold),
        config.windowSize().toNanos());
  }

  static Histogram newHistogram() {
    return new Histogram(HIGHEST_US, 2);
  }

  @Override
  public String name() {
    return "jvmStall";
  }

  /**
   * The resolution, or finer for a while after a stall that waits for its GC notification;
   * sampler thread only.
   */
  @Override
  public long resolutionNanos() {
    if (pendingCount > 0 && lastWakeNanos - pendingWake[pendingCount - 1] < PENDING_FAST_NANOS) {
      return Math.min(resolutionNanos, PENDING_SLICE_NANOS);
    }
    return resolutionNanos;
  }

  long thresholdNanos() {
    return thresholdNanos;
  }

  /** GcMonitor's time base minus this clock's, as calibrated so far; null before (tests). */
  @Nullable Long gcClockOffsetNanos() {
    return gcCalibrated ? gcOffsetNanos : null;
  }

  @Override
  public void onWake(long parkStartNanos, long dueNanos, long wakeNanos) {
    if (lastWakeNanos != Long.MIN_VALUE && parkStartNanos - lastWakeNanos > resolutionNanos) {
      addWindow(lastWakeNanos, parkStartNanos, false); // the samplers' work: unobserved
    }
    lastWakeNanos = wakeNanos;
    long over = wakeNanos - dueNanos;
    if (over >= 0 && over < baselineNanos) {
      baselineNanos = over;
    }
    long hiccup = Math.max(0, over - baseline());
    long us = Math.min(HIGHEST_US, TimeUnit.NANOSECONDS.toMicros(hiccup));
    // the expected interval is this park's slice (finer than the resolution while an executor
    // is watched, shorter before a tick), at least 1 ms: the correction records hiccup/interval
    // values, which must stay few for a long stall
    long slice = Math.max(TimeUnit.MILLISECONDS.toNanos(1), dueNanos - parkStartNanos);
    long expectedUs = TimeUnit.NANOSECONDS.toMicros(slice);
    current.recordValueWithExpectedInterval(us, expectedUs);
    merged.recordValueWithExpectedInterval(us, expectedUs); // previous + current, kept as we go
    if (hiccup > thresholdNanos) {
      if (pendingCount == MAX_PENDING) {
        assignGcs();
        finishOldest(); // more stalls in a row than we keep waiting: report the oldest
      }
      int p = pendingCount++;
      pendingParkStart[p] = parkStartNanos;
      pendingDue[p] = dueNanos;
      pendingWake[p] = wakeNanos;
      pendingHiccup[p] = hiccup;
      addWindow(parkStartNanos, wakeNanos, true);
    }
    pollGc(wakeNanos);
    // oldest first, so that stalls are reported in order; a stall still waiting for its GC
    // notification holds back the ones after it (for at most the grace)
    while (pendingCount > 0) {
      assignGcs();
      if (!explained(0) && wakeNanos - pendingWake[0] < graceNanos) {
        break;
      }
      finishOldest();
    }
    reportUncoveredGcPauses(wakeNanos);
  }

  @Override
  public void tick(long nowNanos) {
    if (windowStartNanos == Long.MIN_VALUE) {
      windowStartNanos = nowNanos;
    } else if (nowNanos - windowStartNanos >= windowNanos) {
      Histogram t = previous;
      previous = current;
      current = t;
      current.reset();
      merged.reset(); // once a window: whole-array passes over cold memory are the costly part
      merged.add(previous);
      windowStartNanos = nowNanos;
    }
    if (lastFigures != Long.MIN_VALUE && nowNanos - lastFigures < FIGURES_NANOS) {
      return; // the snapshot's figures refresh once a second
    }
    lastFigures = nowNanos;
    if (merged.getTotalCount() > 0) {
      p50Ms = merged.getValueAtPercentile(50) / 1000.0;
      p99Ms = merged.getValueAtPercentile(99) / 1000.0;
      maxMs = merged.getMaxValue() / 1000.0;
    }
    baselineUs = baselineNanos == Long.MAX_VALUE ? 0 : baselineNanos / 1000.0;
  }

  @Override
  public void snapshot(Map<String, Object> into) {
    into.put("lag.jvm.p50Ms", p50Ms);
    into.put("lag.jvm.p99Ms", p99Ms);
    into.put("lag.jvm.maxMs", maxMs);
    into.put("lag.jvm.stalls", stalls);
    into.put("lag.jvm.gcStalls", gcStalls);
    into.put("lag.jvm.lastStallMs", lastStallMs);
    into.put("lag.jvm.baselineUs", baselineUs);
    into.put("lag.jvm.resolutionMs", resolutionNanos / 1e6);
  }

  private long baseline() {
    return baselineNanos == Long.MAX_VALUE ? 0 : baselineNanos;
  }

  // ---- GC events -------------------------------------------------------------------------

  private void pollGc(long now) {
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

  /** Start of GC pause {@code k} on this clock (the GC's own time base corrected). */
  private long gcS(int k) {
    return gcStart[k] - gcOffsetNanos;
  }

  private long gcE(int k) {
    return gcEnd[k] - gcOffsetNanos;
  }

  /**
   * Gives each GC pause that arrived and is not yet matched to the pending stall it belongs to
   * (gcOwner, -1 for none), each pause to one stall only. Once the GC clock is calibrated: the
   * stall whose window (give or take a resolution, for the calibration's error) contains the
   * pause, so that of two collections back to back each goes to its own stall, and one that
   * began while this thread was busy is not given to the stall before it. Before:
   * by arrival (the notification came after the stall's wake-up and within the grace) and size
   * (the pause fits in what is left of the stall's window), pauses in the order they started
   * and stalls oldest first, which gives the first of two back-to-back collections to the first
   * stall.
   */
  private void assignGcs() {
    java.util.Arrays.fill(ownedNanos, 0, pendingCount, 0);
    long tol = resolutionNanos + GC_TIME_TOLERANCE_NANOS;
    for (int k = 0; k < gcCount; k++) {
      gcOwner[k] = gcMatched[k] ? -1 : -2; // -2: still to place
    }
    // pauses in the order they started (the ring is small, and this runs only while a stall
    // waits): repeatedly take the earliest not yet placed
    for (int placed = 0; placed < gcCount; placed++) {
      int k = -1;
      for (int c = 0; c < gcCount; c++) {
        if (gcOwner[c] == -2 && (k < 0 || gcStart[c] < gcStart[k])) {
          k = c;
        }
      }
      if (k < 0) {
        return;
      }
      long pause = TimeUnit.MILLISECONDS.toNanos(gcDurationMs[k]);
      int best = -1;
      long bestOverlap = 0;
      for (int p = 0; p < pendingCount; p++) {
        if (gcCalibrated) {
          // inside the window, give or take the tolerance: a pause that merely touches it
          // (the next collection, begun while this thread ran the samplers) is not this stall's
          long from = pendingParkStart[p] - tol;
          long to = pendingWake[p] + tol;
          long o = overlap(gcS(k), gcE(k), from, to);
          if (gcS(k) >= from && gcE(k) <= to && o > bestOverlap) {
            bestOverlap = o;
            best = p;
          }
        } else if (gcSeenAt[k] - pendingWake[p] >= 0
            && gcSeenAt[k] - pendingWake[p] <= graceNanos
            && ownedNanos[p] + pause
                <= pendingWake[p] - pendingParkStart[p] + GC_TIME_TOLERANCE_NANOS) {
          best = p;
          break;
        }
      }
      gcOwner[k] = best;
      if (best >= 0) {
        ownedNanos[best] += pause;
      }
    }
  }

  /**
   * Whether the GC pauses assigned to pending stall {@code p} explain all of it, so that no
   * other notification needs waiting for (a young pause followed by a full one come one by one).
   */
  private boolean explained(int p) {
    return ownedNanos[p] > 0 && ownedNanos[p] >= pendingHiccup[p] - GC_TIME_TOLERANCE_NANOS;
  }

  /** Reports the oldest pending stall with the GC pauses assignGcs() gave it, and drops it. */
  private void finishOldest() {
    long parkStart = pendingParkStart[0];
    long due = pendingDue[0];
    long wake = pendingWake[0];
    long hiccup = pendingHiccup[0];
    long pauseMs = 0;
    int first = -1;
    int last = -1;
    int longest = -1;
    int matched = 0;
    for (int k = 0; k < gcCount; k++) {
      if (gcOwner[k] == 0) {
        matched++;
        gcMatched[k] = true;
        pauseMs += gcDurationMs[k];
        if (first < 0 || gcStart[k] < gcStart[first]) {
          first = k;
        }
        if (longest < 0 || gcDurationMs[k] > gcDurationMs[longest]) {
          longest = k;
        }
        if (last < 0 || gcEnd[k] > gcEnd[last]) {
          last = k;
        }
      }
    }
    pendingCount--;
    System.arraycopy(pendingParkStart, 1, pendingParkStart, 0, pendingCount);
    System.arraycopy(pendingDue, 1, pendingDue, 0, pendingCount);
    System.arraycopy(pendingWake, 1, pendingWake, 0, pendingCount);
    System.arraycopy(pendingHiccup, 1, pendingHiccup, 0, pendingCount);
    System.arraycopy(ownedNanos, 1, ownedNanos, 0, pendingCount);
    for (int k = 0; k < gcCount; k++) {
      if (gcOwner[k] > 0) {
        gcOwner[k]--; // the owners' indexes follow the shift
      }
    }
    if (first < 0) {
      report(hiccup, "unknown", 0, null, null, "meter");
      return;
    }
    long lag = hiccup;
    String measuredBy = "meter";
    if (gcCalibrated) {
      long start = Math.min(due, Math.max(parkStart, gcS(first)));
      lag = Math.max(hiccup, wake - start - baseline());
      measuredBy = "meterAndGcStart";
    } else {
      // not calibrated (the first GC stalls): the hiccup misses the part of the pause before
      // `due`, up to a resolution; the one pause matched to the stall is a better lower bound
      // (capped by the stall's window; with several matched by arrival alone, one may not be
      // this stall's, so the hiccup stays)
      long paused = Math.min(TimeUnit.MILLISECONDS.toNanos(pauseMs), wake - parkStart);
      if (matched == 1 && paused > hiccup) {
        lag = paused;
        measuredBy = "gcPause";
      }
    }
    // calibrate with this stall only after measuring it, and only when one pause explains
    // nearly the whole window: then the pause ended at most a resolution before the wake-up
    long unexplained = wake - parkStart - TimeUnit.MILLISECONDS.toNanos(gcDurationMs[last]);
    if (matched == 1 && unexplained <= resolutionNanos + GC_TIME_TOLERANCE_NANOS) {
      long sample = gcEnd[last] - wake;
      if (!gcCalibrated || sample > gcOffsetNanos) {
        gcOffsetNanos = sample;
        gcCalibrated = true;
      }
    }
    report(lag, "gc", pauseMs, gcName[longest], gcCause[longest], measuredBy);
  }

  /** GC pauses above the threshold that no reported stall covers (they hit the samplers' work). */
  private void reportUncoveredGcPauses(long now) {
    for (int k = 0; k < gcCount; k++) {
      if (gcMatched[k] || now - gcSeenAt[k] < graceNanos) {
        continue;
      }
      gcMatched[k] = true;
      if (TimeUnit.MILLISECONDS.toNanos(gcDurationMs[k]) <= thresholdNanos
          || (gcCalibrated && coveredByReportedStall(gcS(k), gcE(k)))) {
        continue;
      }
      addWindow(gcS(k), gcE(k), true);
      report(
          TimeUnit.MILLISECONDS.toNanos(gcDurationMs[k]),
          "gc",
          gcDurationMs[k],
          gcName[k],
          gcCause[k],
          "gcEvent");
    }
  }

  /**
   * Whether reported stalls cover the pause [from, to] (all but the tolerance of it): one that
   * merely touches a reported stall, such as the second of two collections back to back begun
   * while this thread ran the samplers after the first, is not covered.
   */
  private boolean coveredByReportedStall(long from, long to) {
    long covered = 0;
    for (int w = 0; w < winCount; w++) {
      if (winReported[w]) {
        covered += overlap(winStart[w], winEnd[w], from, to);
      }
    }
    return covered >= to - from - 2 * GC_TIME_TOLERANCE_NANOS;
  }

  // ---- stopped windows, for the executor watchdog ----------------------------------------

  private void addWindow(long from, long to, boolean reported) {
    int i = winNext;
    winStart[i] = from;
    winEnd[i] = to;
    winReported[i] = reported;
    winNext = (i + 1) % WINDOWS;
    winCount = Math.min(WINDOWS, winCount + 1);
  }

  /**
   * Nanoseconds within [from, to] during which the whole JVM or the sampler thread was known
   * not to run (stalls, GC pauses, the samplers' own work); sampler thread only. Overlapping
   * sources are not added up: the larger of the meter's windows and the GC pauses counts.
   */
  long stoppedNanos(long from, long to) {
    long meter = 0;
    for (int w = 0; w < winCount; w++) {
      meter += overlap(winStart[w], winEnd[w], from, to);
    }
    return Math.min(to - from, Math.max(meter, gcPauseNanos(from, to)));
  }

  /** Nanoseconds of stop-the-world GC pauses within [from, to]; sampler thread only. */
  long gcPauseNanos(long from, long to) {
    long sum = 0;
    for (int k = 0; k < gcCount; k++) {
      sum += overlap(gcS(k), gcE(k), from, to);
    }
    return sum;
  }

  private static long overlap(long a0, long a1, long b0, long b1) {
    return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  }

  // ---- signals ------------------------------------------------------------------------------

  private void report(
      long lagNanos,
      String cause,
      long gcPauseMs,
      @Nullable String gcName,
      @Nullable String gcCause,
      String measuredBy) {
    double lagMs = lagNanos / 1e6;
    stalls = ++stallCount;
    if ("gc".equals(cause)) {
      gcStalls = ++gcStallCount;
    }
    lastStallMs = lagMs;
    Severity severity =
        lagNanos >= CRITICAL_FACTOR * thresholdNanos ? Severity.CRITICAL : Severity.WARNING;
    String what =
        "gc".equals(cause)
            ? "a garbage collection (" + gcName + ", " + gcCause + ", pause " + gcPauseMs + " ms)"
            : "an unknown cause (a safepoint, CPU starvation or the OS)";
    Signal.Builder b =
        Argos.signal(Signal.TYPE_EVENT_LOOP_LAG, severity, clock)
            .key(KEY)
            .message(String.format(
                "the JVM stalled for %.1f ms (threshold %d ms), caused by %s",
                lagMs, TimeUnit.NANOSECONDS.toMillis(thresholdNanos), what))
            .data("lagMs", round(lagMs))
            .data("thresholdMs", thresholdNanos / 1e6)
            .data("inProgress", false)
            .data("thread", null)
            .data("stack", null)
            .data("cause", cause)
            .data("gcPauseMs", gcPauseMs)
            .data("gcName", gcName)
            .data("gcCause", gcCause)
            .data("measuredBy", measuredBy)
            .data("resolutionMs", resolutionNanos / 1e6)
            .data("baselineUs", round(baseline() / 1000.0));
    emit(b.build());
    emit(
        Argos.signal(Signal.TYPE_EVENT_LOOP_LAG, Severity.INFO, clock)
            .key(KEY)
            .message(String.format("the JVM runs again after a %.1f ms stall", lagMs))
            .data(Signal.DATA_STATE, Signal.STATE_RESOLVED)
            .data("durationMs", round(lagMs))
            .data("lagMs", round(lagMs))
            .data("thresholdMs", thresholdNanos / 1e6)
            .data("cause", cause)
            .data("gcPauseMs", gcPauseMs)
            .build());
  }

  private void emit(Signal s) {
    try {
      sink.emit(s);
    } catch (RuntimeException e) {
      // a sink must not stop the meter; Argos's fan-out already guards its sinks
    }
  }

  static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }
}
