package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
 * GC clock: GcInfo times are milliseconds since the JVM's management layer started; GcMonitor
 * maps them onto nanoTime by its first notification's arrival, so they run late by a constant,
 * that notification's latency (about a millisecond, but up to 158 ms seen on a loaded machine,
 * see docs/signals/eventLoopLag.md). So the first GC is matched to a
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
 * Episodes: repeated stalls are one Episode (docs/lifecycle.md, issue 12 §4). The first stall
 * reported opens it: one WARNING (CRITICAL at CRITICAL_FACTOR x threshold) with that stall's own
 * figures and the episode's so far (count, maxLagMs, lostMs). A later stall in it is signalled
 * only when the episode escalates: its severity rises, its count reaches twice the count of its
 * last signal (and at least Episode.COUNT_STEP: at 4, 8, 16, ... stalls), or a stall is at least
 * Episode.SIZE_FACTOR x the largest signalled so far; any other stall only counts (and shows in the
 * snapshot figures). The episode resolves once the JVM has run for the quiet time (QUIET_NANOS,
 * 10 s; shorter in tests via quietNanos(long)) since its last stall, known stops not counted as
 * calm, with no stall waiting for its GC notification and no GC pause above the threshold
 * waiting to be reported from its own figures: one INFO with count, maxLagMs, lostMs, gcPauseMs
 * (the total), cause (the longest stall's) and durationMs from the first stall's start to the
 * last one's end. A single stall is thus two signals still,
 * the resolved one 10 s later; a JVM thrashing in GC gives O(log n) signals per episode.
 *
 * Stop log: the baseline, the stop windows and the GC pauses live in a StopLog shared with the
 * executor watchdog (each wake-up is handed to it first, whichever sampler runs first); this
 * meter matches the pauses to its stalls, calibrates the GC clock there, and reports.
 */
final class JvmStallSampler implements FineSampler {
  static final String KEY = "jvm";
  /** Severity steps to CRITICAL at this multiple of the threshold. */
  static final int CRITICAL_FACTOR = 10;
  /**
   * A JVM episode resolves after this long without a stall over the threshold: GC pauses of a
   * busy service come every few seconds, so a shorter calm would split them into an episode each.
   */
  static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(10);

  private static final long HIGHEST_US = TimeUnit.HOURS.toMicros(1);
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

  private static final long GC_TIME_TOLERANCE_NANOS = StopLog.GC_TIME_TOLERANCE_NANOS;

  private final Clock clock;
  private final SignalSink sink;
  private final StopLog stops;
  private final Episode episode;
  private final long thresholdNanos;
  private final long resolutionNanos;
  private final long graceNanos;
  private final long windowNanos;

  // meter (sampler thread only)
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
  private final int[] gcOwner = new int[StopLog.GC_RING];
  private final long[] ownedNanos = new long[MAX_PENDING];

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
  private volatile long lastStallGcPauseMs;
  private double lostNanosTotal;
  private volatile double lostMs;
  private volatile long episodeStalls;

  // the running episode (sampler thread only; quietNanos may be set from a test's thread)
  private volatile long quietNanos = QUIET_NANOS;
  private long epCount;
  private long epLostNanos;
  private long epGcPauseMs;
  private long epLastEnd;
  private long epSignalledCount;
  private long epSignalledMaxNanos;
  private long epLongestNanos;
  private String epLongestCause = "unknown";

  /** A meter with a stop log of its own over {@code gc} (tests). */
  JvmStallSampler(
      Clock clock,
      SignalSink sink,
      GcMonitor gc,
      long thresholdNanos,
      long resolutionNanos,
      long windowNanos) {
    this(clock, sink, new StopLog(gc, thresholdNanos, resolutionNanos), windowNanos);
  }

  /** A meter at the threshold and resolution of {@code stops}, which it shares. */
  JvmStallSampler(Clock clock, SignalSink sink, StopLog stops, long windowNanos) {
    if (windowNanos <= 0) {
      throw new IllegalArgumentException("window must be positive but was " + windowNanos);
    }
    this.clock = clock;
    this.sink = sink;
    this.stops = stops;
    this.thresholdNanos = stops.thresholdNanos();
    this.resolutionNanos = stops.resolutionNanos();
    this.graceNanos = Math.max(GRACE_NANOS, 4 * resolutionNanos);
    this.windowNanos = windowNanos;
    // repeated stalls are one episode; its quiet time is kept here (quietNanos), not in Episode
    this.episode =
        Episode.of(Signal.TYPE_EVENT_LOOP_LAG, KEY, clock)
            .peak(DataKeys.MAX_LAG_MS)
            .fractionalMillis()
            .build();
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

  /** The meter of {@code config}, sharing {@code stops} (with the executor watchdog). */
  static JvmStallSampler create(ArgosConfig config, StopLog stops, SignalSink sink) {
    return new JvmStallSampler(config.clock(), sink, stops, config.windowSize().toNanos());
  }

  /** The meter of {@code config} with a stop log of its own over {@code gc} (tests). */
  static JvmStallSampler create(ArgosConfig config, GcMonitor gc, SignalSink sink) {
    return create(config, StopLog.create(config, gc), sink);
  }

  /** The stop log it feeds and reads. */
  StopLog stops() {
    return stops;
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

  /**
   * Sets how long without a stall ends an episode ({@link #QUIET_NANOS} by default): tests that
   * need one episode per forced GC shorten it. Any thread; used from the next wake-up on.
   */
  void quietNanos(long nanos) {
    if (nanos < 0) {
      throw new IllegalArgumentException("quiet time must be >= 0 but was " + nanos);
    }
    this.quietNanos = nanos;
  }

  /** GcMonitor's time base minus this clock's, as calibrated so far; null before (tests). */
  @Nullable Long gcClockOffsetNanos() {
    return stops.calibrated() ? stops.gcOffsetNanos() : null;
  }

  @Override
  public void onWake(long parkStartNanos, long dueNanos, long wakeNanos) {
    stops.wake(parkStartNanos, dueNanos, wakeNanos); // stop windows, baseline, GC pauses
    lastWakeNanos = wakeNanos;
    long hiccup = Math.max(0, wakeNanos - dueNanos - baseline());
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
    }
    // oldest first, so that stalls are reported in order; a stall still waiting for its GC
    // notification holds back the ones after it (for at most the grace)
    while (pendingCount > 0) {
      assignGcs();
      if (!explained(0) && ranNanos(pendingWake[0], wakeNanos) < graceNanos) {
        break;
      }
      finishOldest();
    }
    reportUncoveredGcPauses(wakeNanos);
    if (episode.active() && pendingCount == 0 && ranNanos(epLastEnd, wakeNanos) >= quietNanos
        && !gcPauseMayBeReported()) {
      resolveEpisode();
    }
  }

  /**
   * Whether a GC pause above the threshold has arrived that no stall has claimed yet: it may
   * still be reported from its own figures (reportUncoveredGcPauses), so calm has not returned.
   */
  private boolean gcPauseMayBeReported() {
    for (int k = 0; k < stops.gcCount(); k++) {
      if (!stops.gcMatched(k)
          && TimeUnit.MILLISECONDS.toNanos(stops.gcPauseMs(k)) > thresholdNanos) {
        return true;
      }
    }
    return false;
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
    baselineUs = baseline() / 1000.0;
  }

  @Override
  public void snapshot(Map<String, Object> into) {
    into.put("lag.jvm.p50Ms", p50Ms);
    into.put("lag.jvm.p99Ms", p99Ms);
    into.put("lag.jvm.maxMs", maxMs);
    into.put("lag.jvm.stalls", stalls);
    into.put("lag.jvm.gcStalls", gcStalls);
    into.put("lag.jvm.lastStallMs", lastStallMs);
    into.put("lag.jvm.lastStallGcPauseMs", lastStallGcPauseMs);
    into.put("lag.jvm.lostMs", lostMs);
    into.put("lag.jvm.episodeStalls", episodeStalls);
    into.put("lag.jvm.baselineUs", baselineUs);
    into.put("lag.jvm.resolutionMs", resolutionNanos / 1e6);
  }

  private long baseline() {
    return stops.baselineNanos();
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
    for (int k = 0; k < stops.gcCount(); k++) {
      gcOwner[k] = stops.gcMatched(k) ? -1 : -2; // -2: still to place
    }
    // pauses in the order they started (the ring is small, and this runs only while a stall
    // waits): repeatedly take the earliest not yet placed
    for (int placed = 0; placed < stops.gcCount(); placed++) {
      int k = -1;
      for (int c = 0; c < stops.gcCount(); c++) {
        if (gcOwner[c] == -2 && (k < 0 || stops.gcStartRaw(c) < stops.gcStartRaw(k))) {
          k = c;
        }
      }
      if (k < 0) {
        return;
      }
      long pause = TimeUnit.MILLISECONDS.toNanos(stops.gcPauseMs(k));
      int best = -1;
      long bestOverlap = 0;
      for (int p = 0; p < pendingCount; p++) {
        if (stops.calibrated()) {
          // inside the window, give or take the tolerance: a pause that merely touches it
          // (the next collection, begun while this thread ran the samplers) is not this stall's
          long from = pendingParkStart[p] - tol;
          long to = pendingWake[p] + tol;
          long o = StopLog.overlap(stops.gcStart(k), stops.gcEnd(k), from, to);
          if (stops.gcStart(k) >= from && stops.gcEnd(k) <= to && o > bestOverlap) {
            bestOverlap = o;
            best = p;
          }
        } else if (stops.gcSeenAt(k) - pendingWake[p] >= 0
            && ranNanos(pendingWake[p], stops.gcSeenAt(k)) <= graceNanos
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
   * How long the JVM ran between {@code from} and {@code to}: the time less the known stops. A
   * notification cannot come while the JVM is stopped (the JMX thread is stopped too), so a
   * stall's grace counts only this: a second collection longer than the grace, right after the
   * first, does not cut the first stall's wait short (issue 12 §5).
   */
  private long ranNanos(long from, long to) {
    return to - from - stops.stoppedNanos(from, to);
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
    for (int k = 0; k < stops.gcCount(); k++) {
      if (gcOwner[k] == 0) {
        matched++;
        stops.markMatched(k);
        pauseMs += stops.gcPauseMs(k);
        if (first < 0 || stops.gcStartRaw(k) < stops.gcStartRaw(first)) {
          first = k;
        }
        if (longest < 0 || stops.gcPauseMs(k) > stops.gcPauseMs(longest)) {
          longest = k;
        }
        if (last < 0 || stops.gcEndRaw(k) > stops.gcEndRaw(last)) {
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
    for (int k = 0; k < stops.gcCount(); k++) {
      if (gcOwner[k] > 0) {
        gcOwner[k]--; // the owners' indexes follow the shift
      }
    }
    if (first < 0) {
      report(hiccup, wake, "unknown", 0, null, null, "meter");
      return;
    }
    long lag = hiccup;
    String measuredBy = "meter";
    if (stops.calibrated()) {
      long start = Math.min(due, Math.max(parkStart, stops.gcStart(first)));
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
    long unexplained = wake - parkStart - TimeUnit.MILLISECONDS.toNanos(stops.gcPauseMs(last));
    if (matched == 1 && unexplained <= resolutionNanos + GC_TIME_TOLERANCE_NANOS) {
      stops.calibrate(stops.gcEndRaw(last) - wake);
    }
    report(lag, wake, "gc", pauseMs, stops.gcName(longest), stops.gcCause(longest), measuredBy);
  }

  /** GC pauses above the threshold that no reported stall covers (they hit the samplers' work). */
  private void reportUncoveredGcPauses(long now) {
    for (int k = 0; k < stops.gcCount(); k++) {
      if (stops.gcMatched(k) || now - stops.gcSeenAt(k) < graceNanos) {
        continue;
      }
      stops.markMatched(k);
      if (TimeUnit.MILLISECONDS.toNanos(stops.gcPauseMs(k)) <= thresholdNanos
          || (stops.calibrated() && stops.coveredByReported(stops.gcStart(k), stops.gcEnd(k)))) {
        continue;
      }
      stops.addReported(stops.gcStart(k), stops.gcEnd(k));
      report(
          TimeUnit.MILLISECONDS.toNanos(stops.gcPauseMs(k)),
          stops.calibrated() ? Math.min(now, stops.gcEnd(k)) : stops.gcSeenAt(k),
          "gc",
          stops.gcPauseMs(k),
          stops.gcName(k),
          stops.gcCause(k),
          "gcEvent");
    }
  }

  // ---- signals ------------------------------------------------------------------------------

  /** One stall of {@code lagNanos} that ended at {@code endNanos}: counted, signalled if due. */
  private void report(
      long lagNanos,
      long endNanos,
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
    lastStallGcPauseMs = gcPauseMs;
    lostNanosTotal += lagNanos;
    lostMs = round(lostNanosTotal / 1e6);
    Severity severity =
        lagNanos >= CRITICAL_FACTOR * thresholdNanos ? Severity.CRITICAL : Severity.WARNING;
    if (episode.active() && ranNanos(epLastEnd, endNanos - lagNanos) >= quietNanos) {
      resolveEpisode(); // calm for the quiet time before this stall began (a stall reported late)
    }
    if (!episode.active()) {
      epCount = 0;
      epLostNanos = 0;
      epGcPauseMs = 0;
      epSignalledCount = 0;
      epSignalledMaxNanos = 0;
      epLongestNanos = 0;
      epLastEnd = Long.MIN_VALUE;
    }
    if (lagNanos > epLongestNanos) {
      epLongestNanos = lagNanos;
      epLongestCause = cause;
    }
    Episode.Step step = episode.hold(severity, lagMs, endNanos - lagNanos, endNanos);
    epCount++;
    episodeStalls = epCount;
    epLostNanos += lagNanos;
    epGcPauseMs += gcPauseMs;
    epLastEnd = epLastEnd == Long.MIN_VALUE ? endNanos : Math.max(epLastEnd, endNanos);
    String why =
        Episode.repeatSignal(step, epCount, epSignalledCount, true, lagNanos, epSignalledMaxNanos);
    if (why == null) {
      return; // one more stall of the running episode: counted, not signalled
    }
    String escalation = why.equals(Episode.FIRST) ? null : why;
    epSignalledCount = epCount;
    epSignalledMaxNanos = Math.max(epSignalledMaxNanos, lagNanos);
    String what =
        "gc".equals(cause)
            ? "a garbage collection (" + gcName + ", " + gcCause + ", pause " + gcPauseMs + " ms)"
            : "an unknown cause (a safepoint, CPU starvation or the OS)";
    String message = escalation == null
        ? String.format(
            Locale.ROOT,
            "the JVM stalled for %.1f ms (threshold %d ms), caused by %s",
            lagMs, TimeUnit.NANOSECONDS.toMillis(thresholdNanos), what)
        : String.format(
            Locale.ROOT,
            "the JVM keeps stalling: %d stalls in this episode, %.1f ms lost, the longest %.1f ms;"
                + " the last one %.1f ms (threshold %d ms), caused by %s",
            epCount, epLostNanos / 1e6, episode.peak(), lagMs,
            TimeUnit.NANOSECONDS.toMillis(thresholdNanos), what);
    Signal.Builder b =
        episode
            .signal(episode.severity()) // the episode's highest: an update never steps down
            .message(message)
            .data(lagData(lagMs, thresholdNanos, false, null, null, cause, gcPauseMs))
            .data(DataKeys.GC_NAME, gcName)
            .data(DataKeys.GC_CAUSE, gcCause)
            .data(DataKeys.MEASURED_BY, measuredBy)
            .data(DataKeys.RESOLUTION_MS, resolutionNanos / 1e6)
            .data(DataKeys.BASELINE_US, round(baseline() / 1000.0))
            .data(DataKeys.COUNT, epCount)
            .data(DataKeys.MAX_LAG_MS, round(episode.peak()))
            .data(DataKeys.LOST_MS, round(epLostNanos / 1e6));
    if (escalation != null) {
      b.data(DataKeys.ESCALATION, escalation);
    }
    emit(b.build());
  }

  /** Ends the running episode at its last stall's end: one resolved signal with its totals. */
  private void resolveEpisode() {
    long count = epCount;
    double lost = epLostNanos / 1e6;
    double peak = episode.peak();
    episodeStalls = 0;
    emit(
        episode
            .resolve(epLastEnd)
            .message(String.format(
                Locale.ROOT,
                "the JVM runs again without stalls: %d stall%s, %.1f ms lost, the longest %.1f ms",
                count, count == 1 ? "" : "s", lost, peak))
            .data(DataKeys.COUNT, count)
            .data(DataKeys.LOST_MS, round(lost))
            .data(DataKeys.THRESHOLD_MS, thresholdNanos / 1e6)
            .data(DataKeys.CAUSE, epLongestCause)
            .data(DataKeys.GC_PAUSE_MS, epGcPauseMs)
            .build());
  }

  /** Resolves a running episode (Argos closes: no calm will be seen any more). */
  @Override
  public void close() {
    if (episode.active()) {
      resolveEpisode();
    }
  }

  private void emit(Signal s) {
    try {
      sink.emit(s);
    } catch (RuntimeException e) {
      // a sink must not stop the meter; Argos's fan-out already guards its sinks
    }
  }

  static double round(double v) {
    return Episode.round(v);
  }

  /**
   * The entries every firing eventLoopLag signal carries (docs/signals/eventLoopLag.md), for the
   * JVM stalls here and the executors' stalls in ExecutorWatchdog.
   */
  static Map<String, @Nullable Object> lagData(
      double lagMs, long thresholdNanos, boolean inProgress, @Nullable String thread,
      @Nullable List<String> stack, String cause, long gcPauseMs) {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put(DataKeys.LAG_MS, round(lagMs));
    m.put(DataKeys.THRESHOLD_MS, thresholdNanos / 1e6);
    m.put(DataKeys.IN_PROGRESS, inProgress);
    m.put(DataKeys.THREAD, thread);
    m.put(DataKeys.STACK, stack);
    m.put(DataKeys.CAUSE, cause);
    m.put(DataKeys.GC_PAUSE_MS, gcPauseMs);
    return m;
  }
}
