package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/*
 * Design notes.
 *
 * Input: the GC events of the shared GcMonitor (heap used after each collection, heap max, pause
 * duration), read with our own cursor each tick. No listener of our own, no MXBean call per tick.
 * Degraded mode, where com.sun.management (and so GC notifications) is missing: the standard
 * collector MXBeans are polled each tick; when their counts move, the heap pools' usage after
 * their last collection and the added collection time make one pseudo-event. Coarser (several
 * collections between two ticks count as one figure) but the same detectors run.
 *
 * Windows: the window (ArgosConfig.windowSize) is cut into SUB_WINDOWS sub-windows aligned on the
 * first tick. Each sub-window keeps, in a ring of fixed size, the number of collections, the
 * MINIMUM heap-used-after-GC and the sum of pause times. Memory is O(SUB_WINDOWS) whatever the
 * GC rate.
 *
 * Live set: the used heap after a young collection still holds old-generation garbage (objects
 * promoted and since dead), so single after-GC figures swing with the allocation rate. The
 * minimum after-GC usage over a sub-window is the best estimate of the live set in it: a full or
 * old collection, when there is one, gives the lowest figure and so wins; between them the
 * minimum rejects the saw-tooth of young collections.
 *
 * Growth: a Theil-Sen line (median of pairwise slopes, median intercept) through the per-sub-window
 * minima of the last complete window: one odd sub-window (a full GC, a burst of promotion) cannot
 * tilt it the way it tilts least squares. growth = slope * window / fitted value at the window's
 * start; it fires above Thresholds.memoryGrowth when the newest minimum confirms it (it is at
 * least half the growth above the start). Old-generation saw-tooth: with young collections only,
 * garbage promoted to the old generation raises the minima until a mixed or full collection drops
 * them again; a window whose minima fall by more than half the growth threshold below an earlier
 * one is compared trough to trough instead (lowest minimum from the last drop on against the
 * lowest before the first drop, as a rate over the time between them scaled to the window), so
 * the rising flank of the saw-tooth is not taken for a leak while rising troughs still are.
 * A window shorter than the old-generation cycle cannot see the drop: see docs. Warm-up: the first window after start is never judged
 * (class loading and caches filling look like growth), and a judgement needs MIN_POINTS
 * sub-windows with collections, so the earliest growth signal comes two windows after start.
 *
 * Exhaustion (no warm-up): the window is also cut into EX_SLICES slices, each keeping the minimum
 * after-GC usage (figures of 0 are no figures: ZGC's pause events carry none). Theil-Sen lines
 * through the slice minima of the last quarter, half and whole window, each from at least 4
 * slices; the slope used is the smaller of the line's and its newer half's (a start-up load
 * that levels off has a flat newer half). A line counts when the newest minimum is above every
 * minimum older than the line's last quarter, the rise is at least EX_MIN_RISE of the max heap,
 * and the projection reaches no further than EX_EVIDENCE times the time observed; the soonest
 * exhaustion of the three is judged against the horizon (one window). Growth also starts at half
 * the threshold once the heap would run out within the leak horizon: a constant leak shows less
 * relative growth as the live set grows, and the window of chance must not close.
 *
 * afterGcUsage: the minimum after-GC usage over the last two sub-windows, from at least
 * MIN_RECENT_GCS collections, above Thresholds.heapUsageAfterGc of the max ("stays above").
 * gcOverhead: the sum of stop-the-world pauses over the window divided by the wall time covered,
 * judged once a full window has been observed. Concurrent cycles do not count as pauses.
 *
 * Episodes: one per reason, each an Episode (start, escalate, resolve); CRITICAL when the heap would be
 * exhausted within CRITICAL_SECONDS at the current slope, when the live set is above
 * CRITICAL_USAGE of the max, or (gcOverhead) when pauses take twice the threshold. An episode ends
 * when its figure falls below RESOLVE_FACTOR of its threshold; a growth episode also needs the
 * heap not to run out within the leak horizon (max(1 h, 10 windows)) at the current slope, since a
 * leak of constant rate shows less relative growth as the live set gets larger. Hysteresis: it
 * resolves after QUIET_CHECKS evaluations in a row below that level (a figure that dips under it
 * once and comes back is the same episode). Without new collections (no evidence either way) an
 * episode stays as it is.
 */
/** Signals {@code memoryPressure} from the live set after GC and from GC pause time. */
final class HeapSampler implements Sampler {
  static final String KEY = "heap";
  static final String REASON_GROWTH = "growth";
  static final String REASON_AFTER_GC_USAGE = "afterGcUsage";
  static final String REASON_GC_OVERHEAD = "gcOverhead";
  static final String REASON_EXHAUSTION = "exhaustion";

  static final int SUB_WINDOWS = 8;
  /**
   * Sub-windows with a collection a growth judgement needs, spread over at least half the window:
   * G1 sizes its young generation to its pause goal, so a big heap can see a young collection
   * only every few seconds, and 4 of 8 sub-windows left such a collector unjudged.
   */
  static final int MIN_POINTS = 3;
  static final int MIN_RECENT_GCS = 2;
  static final double RESOLVE_FACTOR = 0.9;
  static final double CRITICAL_USAGE = 0.97;
  static final double CRITICAL_SECONDS = 60;
  /** Evaluations in a row below the resolve level before an episode resolves (hysteresis). */
  static final int QUIET_CHECKS = 2;
  /** Slices per window for the exhaustion trend (finer than the sub-windows: it must be quick). */
  static final int EX_SLICES = 16;
  /** The exhaustion trend is believed once the projection reaches no further than this many times the time it was observed. */
  static final double EX_EVIDENCE = 2;
  /** Smallest rise of the live set, as a share of the max heap, that the exhaustion rule believes. */
  static final double EX_MIN_RISE = 0.02;
  /** A slice minimum this share of the max heap below an earlier one is a drop (a saw-tooth). */
  static final double EX_DROP = 0.05;

  private final Clock clock;
  private final Thresholds thresholds;
  private final GcMonitor gc;
  private final SignalSink sink;
  private final long windowNanos;
  private final long subNanos;
  private final long leakHorizonNanos;

  // ring of sub-windows, indexed by absolute sub-window number modulo its length
  private final long[] bucketIndex = new long[SUB_WINDOWS + 2];
  private final int[] bucketCount = new int[SUB_WINDOWS + 2];
  private final long[] bucketMinAfter = new long[SUB_WINDOWS + 2];
  private final long[] bucketPauseMs = new long[SUB_WINDOWS + 2];

  // scratch for the Theil-Sen fit, allocated once
  private final double[] xs = new double[SUB_WINDOWS];
  private final double[] ys = new double[SUB_WINDOWS];
  private final double[] pairSlopes = new double[SUB_WINDOWS * (SUB_WINDOWS - 1) / 2];
  private final double[] residuals = new double[SUB_WINDOWS];

  private final Episode growthEpisode;
  private final Episode usageEpisode;
  private final Episode overheadEpisode;
  private final Episode exhaustionEpisode;

  // exhaustion: ring of slices (window / EX_SLICES), each the minimum heap-used-after-GC in it
  private final long exSliceNanos;
  private final long exHorizonNanos;
  private final long[] exIndex = new long[EX_SLICES + 2];
  private final long[] exMinAfter = new long[EX_SLICES + 2];
  private final double[] exXs = new double[EX_SLICES];
  private final double[] exYs = new double[EX_SLICES];
  private final double[] exPairSlopes = new double[EX_SLICES * (EX_SLICES - 1) / 2];
  private final double[] exResiduals = new double[EX_SLICES];
  private double exSlope = Double.NaN; // sampler thread only
  private double exSeconds = Double.NaN;

  private final List<GarbageCollectorMXBean> collectors;
  private final List<MemoryPoolMXBean> heapPools;
  private final boolean polling;
  private long polledCount = -1;
  private long polledTimeMs;

  private long seq;
  private boolean started;
  private long originNanos;
  private long lastEvaluatedIndex = -1;
  private boolean confirmedGrowth;
  private long eventsSeen;

  // figures of the last evaluation (written on the sampler thread, read by snapshot())
  private volatile long liveSetBytes = -1;
  private volatile long heapMaxBytes = -1;
  private volatile double growth = Double.NaN;
  private volatile double slopeBytesPerSecond = Double.NaN;
  private volatile double secondsToExhaustion = Double.NaN;
  private volatile double gcOverhead = Double.NaN;
  private volatile int gcCountInWindow;
  private volatile long gcEvents;

  /** GC figures from {@code gc}, or from polling the MXBeans when it is {@link GcMonitor#pollsMxBeansInstead()}. */
  HeapSampler(ArgosConfig config, GcMonitor gc, SignalSink sink) {
    this(config, gc, sink, gc.pollsMxBeansInstead(), gc.lastSeq());
  }

  /**
   * As {@link #HeapSampler(ArgosConfig, GcMonitor, SignalSink)}, reading the collections after
   * {@code fromSeq} (Argos builds its heap sampler at the first tick and passes the sequence
   * number it had when created, so that collections in between are not lost).
   */
  HeapSampler(ArgosConfig config, GcMonitor gc, SignalSink sink, long fromSeq) {
    this(config, gc, sink, gc.pollsMxBeansInstead(), fromSeq);
  }

  /**
   * With {@code pollMxBeans}, GC figures come from polling the standard collector and pool
   * MXBeans instead of GC notifications: the degraded mode where com.sun.management is missing.
   */
  HeapSampler(ArgosConfig config, GcMonitor gc, SignalSink sink, boolean pollMxBeans) {
    this(config, gc, sink, pollMxBeans, gc.lastSeq());
  }

  private HeapSampler(
      ArgosConfig config, GcMonitor gc, SignalSink sink, boolean pollMxBeans, long fromSeq) {
    this.clock = config.clock();
    this.thresholds = config.thresholds();
    this.gc = gc;
    this.sink = sink;
    this.windowNanos = config.windowSize().toNanos();
    this.subNanos = Math.max(1, windowNanos / SUB_WINDOWS);
    this.leakHorizonNanos = Math.max(TimeUnit.HOURS.toNanos(1), 10 * windowNanos);
    Arrays.fill(bucketIndex, -1);
    this.growthEpisode = episode();
    this.usageEpisode = episode();
    this.overheadEpisode = episode();
    this.exhaustionEpisode = episode();
    this.exSliceNanos = Math.max(1, windowNanos / EX_SLICES);
    this.exHorizonNanos = windowNanos;
    Arrays.fill(exIndex, -1);
    this.seq = fromSeq;
    List<GarbageCollectorMXBean> beans = new ArrayList<>();
    List<MemoryPoolMXBean> pools = new ArrayList<>();
    boolean polling = false;
    if (pollMxBeans) {
      try {
        beans.addAll(ManagementFactory.getGarbageCollectorMXBeans());
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
          if (p.getType() == MemoryType.HEAP && p.getCollectionUsage() != null) {
            pools.add(p);
          }
        }
        polling = !beans.isEmpty() && !pools.isEmpty();
      } catch (RuntimeException | LinkageError e) {
        polling = false;
      }
    }
    this.collectors = List.copyOf(beans);
    this.heapPools = List.copyOf(pools);
    this.polling = polling;
  }

  @Override
  public String name() {
    return "heap";
  }

  @Override
  public void tick(long nowNanos) {
    if (!started) {
      started = true;
      originNanos = nowNanos;
    }
    long idx = Math.max(0, (nowNanos - originNanos) / subNanos);
    List<GcMonitor.GcEvent> events = gc.since(seq);
    if (!events.isEmpty()) {
      int slot = slot(idx);
      for (GcMonitor.GcEvent e : events) {
        seq = e.seq();
        bucketCount[slot]++;
        // a figure of 0 is no figure: ZGC's pause events carry no memory usage (only its cycle
        // events do), and taking their 0 as the minimum made the live set 0 under ZGC
        long after = e.heapUsedAfterBytes();
        if (after > 0 && after < bucketMinAfter[slot]) {
          bucketMinAfter[slot] = after;
        }
        if (after > 0) {
          exRecord(nowNanos, after);
        }
        if (e.isPause() && e.durationMs() > 0) {
          bucketPauseMs[slot] += e.durationMs();
        }
        if (e.heapMaxBytes() > 0) {
          heapMaxBytes = e.heapMaxBytes();
        }
      }
      eventsSeen += events.size();
      gcEvents = eventsSeen;
    } else if (polling && poll(idx, nowNanos)) {
      // degraded mode: a collection seen through the MXBeans
    } else if (idx == lastEvaluatedIndex) {
      // nothing new and still in the same sub-window: figures cannot have changed much; the
      // overhead denominator grows within a sub-window, which only lowers it (judged next time)
      return;
    }
    lastEvaluatedIndex = idx;
    evaluate(nowNanos, idx);
  }

  /**
   * Degraded mode: when the collectors' counts moved since the last tick, records one
   * pseudo-event (the pools' usage after their last collection, the pause time added). True when
   * there was one. Concurrent cycle beans do not count as pause time.
   */
  private boolean poll(long idx, long nowNanos) {
    long count = 0;
    long timeMs = 0;
    for (GarbageCollectorMXBean b : collectors) {
      long c = b.getCollectionCount();
      if (c > 0) {
        count += c;
      }
      long t = b.getCollectionTime();
      if (t > 0 && !GcMonitor.isConcurrent(b.getName(), "")) {
        timeMs += t;
      }
    }
    if (polledCount < 0 || count == polledCount) {
      if (polledCount < 0) {
        polledCount = count;
        polledTimeMs = timeMs;
      }
      return false;
    }
    long n = count - polledCount;
    long pauseMs = Math.max(0, timeMs - polledTimeMs);
    polledCount = count;
    polledTimeMs = timeMs;
    long after = 0;
    long max = 0;
    for (MemoryPoolMXBean p : heapPools) {
      MemoryUsage u = p.getCollectionUsage();
      if (u != null && u.getUsed() > 0) {
        after += u.getUsed();
      }
      long m = p.getUsage().getMax();
      if (m > 0) {
        max += m;
      }
    }
    int slot = slot(idx);
    bucketCount[slot] += (int) Math.min(Integer.MAX_VALUE, n);
    if (after > 0 && after < bucketMinAfter[slot]) {
      bucketMinAfter[slot] = after;
    }
    if (after > 0) {
      exRecord(nowNanos, after);
    }
    bucketPauseMs[slot] += pauseMs;
    if (max > 0) {
      heapMaxBytes = max;
    }
    eventsSeen += n;
    gcEvents = eventsSeen;
    return true;
  }

  /** The ring slot of sub-window {@code idx}, cleared when it held an older sub-window. */
  private int slot(long idx) {
    int s = (int) (idx % bucketIndex.length);
    if (bucketIndex[s] != idx) {
      bucketIndex[s] = idx;
      bucketCount[s] = 0;
      bucketMinAfter[s] = Long.MAX_VALUE;
      bucketPauseMs[s] = 0;
    }
    return s;
  }

  /** Keeps the minimum after-GC figure of the exhaustion slice of {@code now}. */
  private void exRecord(long now, long after) {
    long i = Math.max(0, (now - originNanos) / exSliceNanos);
    int s = (int) (i % exIndex.length);
    if (exIndex[s] != i) {
      exIndex[s] = i;
      exMinAfter[s] = Long.MAX_VALUE;
    }
    if (after < exMinAfter[s]) {
      exMinAfter[s] = after;
    }
  }

  /** The ring slot of sub-window {@code idx}, or -1 when it saw no collection. */
  private int find(long idx) {
    if (idx < 0) {
      return -1;
    }
    int s = (int) (idx % bucketIndex.length);
    return bucketIndex[s] == idx && bucketCount[s] > 0 ? s : -1;
  }

  private void evaluate(long now, long idx) {
    long max = heapMaxBytes;
    boolean fullWindow = now - originNanos >= windowNanos;

    // live set now: minimum after-GC usage over the current and the previous sub-window
    int recentCount = 0;
    long recentMin = Long.MAX_VALUE;
    for (long i = idx - 1; i <= idx; i++) {
      int s = find(i);
      if (s >= 0) {
        recentCount += bucketCount[s];
        recentMin = Math.min(recentMin, bucketMinAfter[s]);
      }
    }
    if (recentCount > 0 && recentMin != Long.MAX_VALUE) {
      liveSetBytes = recentMin;
    }

    // GC overhead over the window (current sub-window included)
    long from = idx - SUB_WINDOWS + 1;
    long pauseMs = 0;
    int count = 0;
    for (long i = from; i <= idx; i++) {
      int s = find(i);
      if (s >= 0) {
        pauseMs += bucketPauseMs[s];
        count += bucketCount[s];
      }
    }
    gcCountInWindow = count;
    long coveredNanos = now - (originNanos + Math.max(0, from) * subNanos);
    double overhead =
        coveredNanos > 0 ? Math.min(1.0, TimeUnit.MILLISECONDS.toNanos(pauseMs) / (double) coveredNanos) : 0;
    gcOverhead = overhead;

    fitGrowth(now, idx, max);
    fitExhaustion(now, max);

    long live = liveSetBytes;
    double usage = max > 0 && live >= 0 ? (double) live / max : Double.NaN;
    double tte = secondsToExhaustion;
    boolean critical = (usage > CRITICAL_USAGE) || (!Double.isNaN(tte) && tte < CRITICAL_SECONDS);

    // exhaustion: no warm-up; judged whenever the live set has a trend
    double ex = exSeconds;
    double horizon = exHorizonNanos / 1e9;
    if (!Double.isNaN(ex) || exhaustionEpisode.active()) {
      // a heap already reported full after GC (afterGcUsage) needs no second, earlier warning
      boolean exStarts = !Double.isNaN(ex) && ex <= horizon && !usageEpisode.active();
      boolean exEnds = Double.isNaN(ex) || ex > 2 * horizon;
      judge(exhaustionEpisode, REASON_EXHAUSTION, exStarts, exEnds,
          critical || (!Double.isNaN(ex) && ex < CRITICAL_SECONDS), Double.isNaN(ex) ? 0 : horizon / Math.max(ex, 1e-3),
          now,
          "heap live set heading for exhaustion: " + mb(exSlope) + " MB/s, "
              + (Double.isNaN(ex) ? "no longer projected" : "exhausted in about " + Math.round(ex) + " s")
              + " (" + mb((double) live) + " of " + mb((double) max) + " MB)");
    }

    // growth
    double g = growth;
    if (!Double.isNaN(g)) {
      double limit = thresholds.memoryGrowth();
      // a constant leak shows less and less relative growth as the live set gets larger: once
      // the heap would run out within the leak horizon, half the threshold is enough to start
      boolean withinHorizon = !Double.isNaN(tte) && tte * 1e9 <= leakHorizonNanos;
      boolean starts = (g > limit || (withinHorizon && g > limit / 2))
          && slopeBytesPerSecond > 0 && confirmedGrowth;
      // a leak of constant rate shows less and less relative growth as the live set gets
      // larger: the episode stays open while the heap would run out within the horizon
      boolean ends = (g < limit * RESOLVE_FACTOR || slopeBytesPerSecond <= 0)
          && (Double.isNaN(tte) || tte * 1e9 > leakHorizonNanos);
      judge(growthEpisode, REASON_GROWTH, starts, ends, critical, g, now,
          "heap live set grew " + pct(g) + " within the window (" + mb(slopeBytesPerSecond)
              + " MB/s)" + (Double.isNaN(tte) ? "" : ", exhaustion in about " + Math.round(tte) + " s"));
    }

    // afterGcUsage
    if (recentCount >= MIN_RECENT_GCS && !Double.isNaN(usage) && recentMin != Long.MAX_VALUE) {
      double recentUsage = (double) recentMin / max;
      double limit = thresholds.heapUsageAfterGc();
      judge(usageEpisode, REASON_AFTER_GC_USAGE, recentUsage > limit,
          recentUsage < limit * RESOLVE_FACTOR, critical, recentUsage, now,
          "heap still " + pct(recentUsage) + " full after GC (" + mb((double) recentMin) + " of "
              + mb((double) max) + " MB)");
    }

    // gcOverhead
    if (fullWindow) {
      double limit = thresholds.gcOverhead();
      judge(overheadEpisode, REASON_GC_OVERHEAD, overhead > limit,
          overhead < limit * RESOLVE_FACTOR, critical || overhead >= Math.min(1.0, 2 * limit),
          overhead, now, "GC pauses took " + pct(overhead) + " of the time over the window");
    }
  }

  /**
   * Fits the per-sub-window minima of the last complete window; sets growth, slope and
   * secondsToExhaustion (NaN when not judged).
   */
  private void fitGrowth(long now, long idx, long max) {
    confirmedGrowth = false;
    long first = idx - SUB_WINDOWS; // oldest complete sub-window of the window
    if (first < SUB_WINDOWS) {
      // warm-up: the first window after start is never judged
      growth = Double.NaN;
      slopeBytesPerSecond = Double.NaN;
      secondsToExhaustion = Double.NaN;
      return;
    }
    double subSeconds = subNanos / 1e9;
    int n = 0;
    for (long i = first; i < idx; i++) {
      int s = find(i);
      if (s >= 0 && bucketMinAfter[s] != Long.MAX_VALUE) {
        xs[n] = (i - first + 0.5) * subSeconds;
        ys[n] = bucketMinAfter[s];
        n++;
      }
    }
    if (n < MIN_POINTS || xs[n - 1] - xs[0] < SUB_WINDOWS * subSeconds / 2) {
      growth = Double.NaN;
      slopeBytesPerSecond = Double.NaN;
      secondsToExhaustion = Double.NaN;
      return;
    }
    double windowSeconds = SUB_WINDOWS * subSeconds;
    // an old-generation saw-tooth: some minimum fell well below an earlier one (a mixed or full
    // collection reclaimed the garbage promoted meanwhile); then compare trough to trough
    double dropFactor = 1 - thresholds.memoryGrowth() / 2;
    int firstDrop = -1;
    int lastDrop = -1;
    double peak = ys[0];
    for (int i = 1; i < n; i++) {
      if (ys[i] < peak * dropFactor) {
        if (firstDrop < 0) {
          firstDrop = i;
        }
        lastDrop = i;
      }
      peak = Math.max(peak, ys[i]);
    }
    if (firstDrop > 0) {
      int lo = lowest(ys, 0, firstDrop);
      int hi = lowest(ys, lastDrop, n);
      double before = ys[lo];
      double xBefore = xs[lo];
      double after = ys[hi];
      double xAfter = xs[hi];
      double dt = xAfter - xBefore;
      if (dt < windowSeconds / 4 || before <= 0) {
        growth = Double.NaN; // troughs too close together to give a rate
        slopeBytesPerSecond = Double.NaN;
        secondsToExhaustion = Double.NaN;
        return;
      }
      double slope = (after - before) / dt;
      growth = slope * windowSeconds / before;
      slopeBytesPerSecond = slope;
      confirmedGrowth = after > before;
      secondsToExhaustion = slope > 0 && max > 0 ? Math.max(0, (max - ys[n - 1]) / slope) : Double.NaN;
      return;
    }
    int p = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        pairSlopes[p++] = (ys[j] - ys[i]) / (xs[j] - xs[i]);
      }
    }
    double slope = median(pairSlopes, p);
    for (int i = 0; i < n; i++) {
      residuals[i] = ys[i] - slope * xs[i];
    }
    double intercept = median(residuals, n); // fitted live set at the window's start
    if (intercept <= 0) {
      growth = Double.NaN;
      slopeBytesPerSecond = Double.NaN;
      secondsToExhaustion = Double.NaN;
      return;
    }
    double g = slope * windowSeconds / intercept;
    growth = g;
    slopeBytesPerSecond = slope;
    confirmedGrowth = ys[n - 1] >= intercept * (1 + thresholds.memoryGrowth() / 2);
    if (slope > 0 && max > 0) {
      double nowX = (now - (originNanos + first * subNanos)) / 1e9;
      double fittedNow = intercept + slope * nowX;
      secondsToExhaustion = Math.max(0, (max - fittedNow) / slope);
    } else {
      secondsToExhaustion = Double.NaN;
    }
  }

  /**
   * The exhaustion trend: a Theil-Sen line through the slice minima of the last window (current
   * slice included), whatever the warm-up. Sets exSlope and exSeconds (NaN unless the live set
   * is rising: at least 3 slices over at least 2 slice widths, the newest minimum above every
   * minimum older than the last quarter, a rise of at least EX_MIN_RISE of the max heap, and a
   * projection no further than EX_EVIDENCE times the time observed).
   */
  private void fitExhaustion(long now, long max) {
    exSlope = Double.NaN;
    exSeconds = Double.NaN;
    if (max <= 0) {
      return;
    }
    long cur = Math.max(0, (now - originNanos) / exSliceNanos);
    double sliceSeconds = exSliceNanos / 1e9;
    int n = 0;
    for (long i = cur - EX_SLICES + 1; i <= cur; i++) {
      if (i < 0) {
        continue;
      }
      int s = (int) (i % exIndex.length);
      if (exIndex[s] == i && exMinAfter[s] != Long.MAX_VALUE) {
        exXs[n] = (i + 0.5) * sliceSeconds;
        exYs[n] = exMinAfter[s];
        n++;
      }
    }
    double nowX = (now - originNanos) / 1e9;
    // a saw-tooth: some minimum fell well below an earlier one, a collection reclaimed promoted
    // garbage. The rising flank after it is garbage piling up again, not the live set: judge
    // trough to trough over the window instead
    double dropBytes = EX_DROP * max;
    int firstDrop = -1;
    int lastDrop = -1;
    double peak = n > 0 ? exYs[0] : 0;
    for (int i = 1; i < n; i++) {
      if (exYs[i] < peak - dropBytes) {
        if (firstDrop < 0) {
          firstDrop = i;
        }
        lastDrop = i;
      }
      peak = Math.max(peak, exYs[i]);
    }
    if (firstDrop > 0) {
      exTroughs(firstDrop, lastDrop, n, sliceSeconds, nowX, max);
      return;
    }
    // the last quarter, half and whole window: a leak that began within the window is seen
    // with its own slope, not one diluted by the flat part before it
    for (int span = EX_SLICES / 4; span <= EX_SLICES; span *= 2) {
      double fromX = (cur - span + 1) * sliceSeconds;
      int from = 0;
      while (from < n && exXs[from] < fromX) {
        from++;
      }
      exFit(from, n, sliceSeconds, nowX, max);
    }
  }

  /** Index of the first lowest of {@code ys[from, to)} ({@code from < to}: a trough). */
  private static int lowest(double[] ys, int from, int to) {
    int at = from;
    for (int i = from + 1; i < to; i++) {
      if (ys[i] < ys[at]) {
        at = i;
      }
    }
    return at;
  }

  /**
   * Trough to trough: the lowest minimum before the first drop against the lowest from the last
   * drop on; the soonest exhaustion is kept as by exFit.
   */
  private void exTroughs(int firstDrop, int lastDrop, int n, double sliceSeconds, double nowX, long max) {
    int lo = lowest(exYs, 0, firstDrop);
    int hi = lowest(exYs, lastDrop, n);
    double before = exYs[lo];
    double xBefore = exXs[lo];
    double after = exYs[hi];
    double xAfter = exXs[hi];
    double dt = xAfter - xBefore;
    if (dt < 2 * sliceSeconds - 1e-9 || after - before < EX_MIN_RISE * max) {
      return;
    }
    double slope = (after - before) / dt;
    double seconds = Math.max(0, (max - (after + slope * (nowX - xAfter))) / slope);
    double observed = nowX - (xBefore - sliceSeconds / 2);
    if (seconds > EX_EVIDENCE * observed) {
      return;
    }
    exSlope = slope;
    exSeconds = seconds;
  }

  /** One Theil-Sen fit of the slice minima {@code from..n-1}; keeps the soonest exhaustion. */
  private void exFit(int from, int n, double sliceSeconds, double nowX, long max) {
    int m = n - from;
    if (m < 4 || exXs[n - 1] - exXs[from] < 2 * sliceSeconds - 1e-9) {
      return;
    }
    double newest = exYs[n - 1];
    double older = Double.NEGATIVE_INFINITY;
    double lowest = Double.MAX_VALUE;
    int quarter = Math.max(1, m / 4);
    for (int i = from; i < n; i++) {
      if (i < n - quarter) {
        older = Math.max(older, exYs[i]);
      }
      lowest = Math.min(lowest, exYs[i]);
    }
    if (newest <= older || newest - lowest < EX_MIN_RISE * max) {
      return;
    }
    int p = 0;
    for (int i = from; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        exPairSlopes[p++] = (exYs[j] - exYs[i]) / (exXs[j] - exXs[i]);
      }
    }
    double slope = median(exPairSlopes, p);
    // a load that levels off (caches read at start-up) has a steep fit but a flat newer half:
    // the projection uses the smaller of the two slopes
    int half = from + m / 2;
    p = 0;
    for (int i = half; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        exPairSlopes[p++] = (exYs[j] - exYs[i]) / (exXs[j] - exXs[i]);
      }
    }
    slope = Math.min(slope, median(exPairSlopes, p));
    if (slope <= 0) {
      return;
    }
    for (int i = from; i < n; i++) {
      exResiduals[i - from] = exYs[i] - slope * exXs[i];
    }
    double fittedNow = median(exResiduals, m) + slope * nowX;
    double seconds = Math.max(0, (max - Math.max(fittedNow, newest)) / slope);
    double observed = nowX - (exXs[from] - sliceSeconds / 2);
    if (seconds > EX_EVIDENCE * observed) {
      return; // the projection reaches too far beyond what was seen
    }
    if (Double.isNaN(exSeconds) || seconds < exSeconds) {
      exSlope = slope;
      exSeconds = seconds;
    }
  }

  /** Median of the first {@code n} values; sorts them in place. */
  static double median(double[] values, int n) {
    Arrays.sort(values, 0, n);
    return (n % 2 == 1) ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }

  private Episode episode() {
    return Episode.of(Signal.TYPE_MEMORY_PRESSURE, KEY, clock).quiet(QUIET_CHECKS, 0).build();
  }

  /** One check of the condition {@code reason} (Episode.judgeAndEmit). */
  private void judge(
      Episode ep, String reason, boolean starts, boolean ends, boolean critical, double figure,
      long now, String message) {
    ep.judgeAndEmit(starts, ends, critical ? Severity.CRITICAL : Severity.WARNING, figure, now,
        sink, b -> figures(b, reason), "memory pressure (" + reason + ")", message);
  }

  private Signal.Builder figures(Signal.Builder b, String reason) {
    long live = liveSetBytes;
    long max = heapMaxBytes;
    boolean ex = REASON_EXHAUSTION.equals(reason);
    return b
        .data(DataKeys.REASON, reason)
        .data(DataKeys.LIVE_SET_BYTES, live >= 0 ? live : null)
        .data(DataKeys.GROWTH, nanToNull(growth))
        .data(DataKeys.HEAP_MAX_BYTES, max > 0 ? max : null)
        .data(DataKeys.USAGE, max > 0 && live >= 0 ? (double) live / max : null)
        .data(DataKeys.GC_OVERHEAD, nanToNull(gcOverhead))
        .data(DataKeys.SECONDS_TO_EXHAUSTION, nanToNull(ex ? exSeconds : secondsToExhaustion))
        .data(DataKeys.SLOPE_BYTES_PER_SECOND, nanToNull(ex ? exSlope : slopeBytesPerSecond))
        .data(DataKeys.GC_COUNT, gcCountInWindow)
        .data(DataKeys.WINDOW_MS, TimeUnit.NANOSECONDS.toMillis(windowNanos))
        .data(DataKeys.THRESHOLD, threshold(reason));
  }

  private double threshold(String reason) {
    return switch (reason) {
      case REASON_GROWTH -> thresholds.memoryGrowth();
      case REASON_AFTER_GC_USAGE -> thresholds.heapUsageAfterGc();
      case REASON_EXHAUSTION -> exHorizonNanos / 1e9;
      default -> thresholds.gcOverhead();
    };
  }

  private static @Nullable Double nanToNull(double v) {
    return Double.isNaN(v) ? null : v;
  }

  private static String pct(double share) {
    return Math.round(share * 1000) / 10.0 + " %";
  }

  private static String mb(double bytes) {
    return String.valueOf(Math.round(bytes / (1024 * 1024) * 10) / 10.0);
  }

  @Override
  public void snapshot(Map<String, Object> into) {
    long live = liveSetBytes;
    long max = heapMaxBytes;
    if (max <= 0 && gc.available()) {
      long rt = Runtime.getRuntime().maxMemory();
      max = rt == Long.MAX_VALUE ? -1 : rt;
    }
    if (live >= 0) {
      into.put("heap.liveSetBytes", live);
    }
    if (max > 0) {
      into.put("heap.maxBytes", max);
    }
    if (live >= 0 && max > 0) {
      into.put("heap.liveSetUsage", (double) live / max);
    }
    putIfNumber(into, "heap.growth", growth);
    putIfNumber(into, "heap.slopeBytesPerSecond", slopeBytesPerSecond);
    putIfNumber(into, "heap.secondsToExhaustion", secondsToExhaustion);
    putIfNumber(into, "gc.overhead", gcOverhead);
    into.put("gc.countInWindow", gcCountInWindow);
    into.put("gc.events", gcEvents);
    into.put("gc.observed", gc.available() || polling);
  }

  private static void putIfNumber(Map<String, Object> into, String name, double v) {
    if (!Double.isNaN(v)) {
      into.put(name, v);
    }
  }
}
