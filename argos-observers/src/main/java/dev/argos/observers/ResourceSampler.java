package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/*
 * Design notes.
 *
 * Cost: reading descriptors means listing /proc/self/fd (and a readlink per entry to tell
 * sockets apart), so resources are read at a coarser interval than the sampler ticks: at most
 * once per second (never more often than sampleRate, and at least four times per window). The
 * tick in between returns at once.
 *
 * Series: descriptors, sockets and threads each keep a ring of (time, value) readings covering
 * the window (at most MAX_HISTORY readings; the interval widens for long windows).
 *
 * usage: value / limit at or above the threshold (fileHandleUsage for descriptors and sockets,
 * both against the descriptor limit; threadUsage for threads) starts an episode; it ends after
 * QUIET_CHECKS readings in a row below RESOLVE_FACTOR of the threshold (hysteresis: a figure that
 * dips below that level and comes back within them is the same episode).
 *
 * trend (a leak that has not reached the threshold yet): over a full window, the readings are cut
 * into four quarters; the series is rising when each quarter's minimum is at least the previous
 * one's and the last quarter's minimum is above the first quarter's maximum (so jitter of
 * open/close does not break it, and a flat series with noise never passes), by at least MIN_RISE.
 * The slope is between the quarters' means; the episode starts when the time to reach the limit at
 * that slope is under the horizon (max(10 min, 5 windows)) and ends when the series stops rising
 * or the time to exhaustion is over twice the horizon (for QUIET_CHECKS readings in a row).
 *
 * Episodes: each key and reason is an Episode (start, escalate, resolve with hysteresis).
 *
 * Severity: WARNING, CRITICAL at CRITICAL_USAGE or when exhaustion is under CRITICAL_SECONDS away.
 */
/** Signals {@code resourceExhaustion} for file descriptors, sockets and threads. */
final class ResourceSampler implements Sampler {
  static final String KEY_FILE_HANDLES = "fileHandles";
  static final String KEY_SOCKETS = "sockets";
  static final String KEY_THREADS = "threads";
  static final String REASON_USAGE = "usage";
  static final String REASON_TREND = "trend";

  static final long MAX_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final int MAX_HISTORY = 512;
  static final int MIN_RISE = 8;
  static final double RESOLVE_FACTOR = 0.9;
  /** Readings in a row at the resolve level before an episode resolves (hysteresis). */
  static final int QUIET_CHECKS = 3;
  static final double CRITICAL_USAGE = 0.97;
  static final double CRITICAL_SECONDS = 60;
  static final long MIN_HORIZON_NANOS = TimeUnit.MINUTES.toNanos(10);

  private final Clock clock;
  private final Thresholds thresholds;
  private final ResourceProbe probe;
  private final SignalSink sink;
  private final long windowNanos;
  private final long intervalNanos;
  private final long horizonNanos;

  private final Series fds;
  private final Series sockets;
  private final Series threads;

  private boolean sampled;
  private long lastSampleNanos;
  private volatile long lastReadNanos = -1;
  private volatile long reads;
  private long readCount;

  ResourceSampler(ArgosConfig config, ResourceProbe probe, SignalSink sink) {
    this.clock = config.clock();
    this.thresholds = config.thresholds();
    this.probe = probe;
    this.sink = sink;
    this.windowNanos = config.windowSize().toNanos();
    this.intervalNanos = interval(config.sampleRate(), config.windowSize());
    this.horizonNanos = Math.max(MIN_HORIZON_NANOS, 5 * windowNanos);
    int capacity = (int) Math.min(MAX_HISTORY, windowNanos / intervalNanos + 2);
    this.fds = new Series(KEY_FILE_HANDLES, capacity, clock);
    this.sockets = new Series(KEY_SOCKETS, capacity, clock);
    this.threads = new Series(KEY_THREADS, capacity, clock);
  }

  ResourceSampler(ArgosConfig config, SignalSink sink) {
    this(config, new OsResourceProbe(), sink);
  }

  /** max(sampleRate, min(1 s, window / 4)), widened so that a window fits MAX_HISTORY readings. */
  static long interval(Duration sampleRate, Duration window) {
    long w = window.toNanos();
    long i = Math.max(sampleRate.toNanos(), Math.min(MAX_INTERVAL_NANOS, w / 4));
    return Math.max(i, w / (MAX_HISTORY - 2));
  }

  long intervalNanos() {
    return intervalNanos;
  }

  @Override
  public String name() {
    return "resources";
  }

  @Override
  public void tick(long nowNanos) {
    if (sampled && nowNanos - lastSampleNanos < intervalNanos) {
      return;
    }
    sampled = true;
    lastSampleNanos = nowNanos;
    long t0 = System.nanoTime();
    ResourceProbe.Reading r = probe.read();
    lastReadNanos = System.nanoTime() - t0;
    readCount++;
    reads = readCount;
    double fdShare = thresholds.fileHandleUsage();
    update(fds, nowNanos, r.fdOpen(), r.fdMax(), fdShare);
    update(sockets, nowNanos, r.sockets(), r.fdMax(), fdShare);
    update(threads, nowNanos, r.threads(), r.threadsMax(), thresholds.threadUsage());
  }

  private void update(Series s, long now, long value, long max, double threshold) {
    s.max = max;
    if (value < 0) {
      s.value = -1;
      return;
    }
    s.value = value;
    s.add(now, value);
    double usage = max > 0 ? (double) value / max : Double.NaN;
    evaluateTrend(s, now, max);
    double tte = s.secondsToExhaustion;
    boolean critical = usage >= CRITICAL_USAGE || (!Double.isNaN(tte) && tte < CRITICAL_SECONDS);

    if (!Double.isNaN(usage)) {
      judge(s, s.usageEpisode, REASON_USAGE, usage >= threshold,
          usage < threshold * RESOLVE_FACTOR, critical, usage, now, threshold,
          s.key + ": " + value + " of " + max + " in use (" + pct(usage) + ")");
    }
    if (s.trendJudged) {
      boolean ends = !s.rising || Double.isNaN(tte) || tte * 1e9 > 2.0 * horizonNanos;
      boolean starts = s.rising && !Double.isNaN(tte) && tte * 1e9 < horizonNanos;
      judge(s, s.trendEpisode, REASON_TREND, starts, ends, critical, usage, now, threshold,
          s.key + " rising steadily (" + round1(s.slopePerSecond) + "/s), limit " + max
              + " reached in about " + Math.round(tte) + " s");
    }
  }

  /** Sets rising, slope and time to exhaustion of {@code s} over the last full window. */
  private void evaluateTrend(Series s, long now, long max) {
    s.trendJudged = false;
    s.rising = false;
    s.slopePerSecond = Double.NaN;
    s.secondsToExhaustion = Double.NaN;
    int n = s.size;
    if (n < 8 || now - s.time(0) < windowNanos - intervalNanos / 2) {
      return; // less than a full window of readings
    }
    // readings within the window
    int first = 0;
    while (first < n - 1 && now - s.time(first) > windowNanos) {
      first++;
    }
    int m = n - first;
    if (m < 8) {
      return;
    }
    s.trendJudged = true;
    long prevMin = Long.MIN_VALUE;
    long firstMax = 0;
    long lastMin = 0;
    double firstMean = 0;
    double lastMean = 0;
    double firstT = 0;
    double lastT = 0;
    boolean monotone = true;
    for (int q = 0; q < 4; q++) {
      int from = first + q * m / 4;
      int to = first + (q + 1) * m / 4;
      long qMin = Long.MAX_VALUE;
      long qMax = Long.MIN_VALUE;
      double sum = 0;
      double tSum = 0;
      for (int i = from; i < to; i++) {
        long v = s.value(i);
        qMin = Math.min(qMin, v);
        qMax = Math.max(qMax, v);
        sum += v;
        tSum += (s.time(i) - now) / 1e9;
      }
      int k = to - from;
      if (qMin < prevMin) {
        monotone = false;
      }
      prevMin = qMin;
      if (q == 0) {
        firstMax = qMax;
        firstMean = sum / k;
        firstT = tSum / k;
      } else if (q == 3) {
        lastMin = qMin;
        lastMean = sum / k;
        lastT = tSum / k;
      }
    }
    s.rising = monotone && lastMin > firstMax && lastMin - firstMax >= MIN_RISE;
    if (lastT > firstT) {
      s.slopePerSecond = (lastMean - firstMean) / (lastT - firstT);
    }
    if (s.slopePerSecond > 0 && max > 0) {
      s.secondsToExhaustion = Math.max(0, (max - s.value) / s.slopePerSecond);
    }
  }

  /** One check of {@code reason} on {@code s} (Episode.judgeAndEmit). */
  private void judge(
      Series s, Episode ep, String reason, boolean starts, boolean ends, boolean critical,
      double figure, long now, double threshold, String message) {
    ep.judgeAndEmit(starts, ends, critical ? Severity.CRITICAL : Severity.WARNING, figure, now,
        sink, b -> figures(b, s, reason, threshold), s.key + " exhaustion (" + reason + ")", message);
  }

  private Signal.Builder figures(Signal.Builder b, Series s, String reason, double threshold) {
    long max = s.max;
    return b
        .data(DataKeys.REASON, reason)
        .data(DataKeys.OPEN, s.value)
        .data(DataKeys.MAX, max > 0 ? max : null)
        .data(DataKeys.USAGE, max > 0 ? (double) s.value / max : null)
        .data(DataKeys.THRESHOLD, threshold)
        .data(DataKeys.SLOPE_PER_SECOND, nanToNull(s.slopePerSecond))
        .data(DataKeys.SECONDS_TO_EXHAUSTION, nanToNull(s.secondsToExhaustion))
        .data(DataKeys.WINDOW_MS, TimeUnit.NANOSECONDS.toMillis(windowNanos))
        .data(DataKeys.LIMIT_SOURCE,
            KEY_THREADS.equals(s.key) ? probe.threadLimitSource() : probe.fdLimitSource());
  }

  @Override
  public void snapshot(Map<String, Object> into) {
    put(into, "fd", fds);
    put(into, "fd.sockets", sockets.value);
    put(into, "threads", threads);
    if (reads > 0) {
      into.put("resources.lastReadMicros", lastReadNanos / 1e3);
      into.put("resources.intervalMs", TimeUnit.NANOSECONDS.toMillis(intervalNanos));
    }
  }

  private static void put(Map<String, Object> into, String prefix, Series s) {
    long v = s.value;
    long max = s.max;
    if (v >= 0) {
      into.put(prefix + (prefix.equals("fd") ? ".open" : ".live"), v);
    }
    if (max > 0) {
      into.put(prefix + ".max", max);
      if (v >= 0) {
        into.put(prefix + ".usage", (double) v / max);
      }
    }
  }

  private static void put(Map<String, Object> into, String name, long v) {
    if (v >= 0) {
      into.put(name, v);
    }
  }

  private static @Nullable Double nanToNull(double v) {
    return Double.isNaN(v) ? null : v;
  }

  private static String pct(double share) {
    return Math.round(share * 1000) / 10.0 + " %";
  }

  private static String round1(double v) {
    return String.valueOf(Math.round(v * 10) / 10.0);
  }

  /** Readings of one figure over the window, in a fixed ring; sampler thread only. */
  static final class Series {
    final String key;
    private final long[] times;
    private final long[] values;
    private int start;
    int size;
    volatile long value = -1;
    volatile long max = -1;
    boolean trendJudged;
    boolean rising;
    double slopePerSecond = Double.NaN;
    double secondsToExhaustion = Double.NaN;
    final Episode usageEpisode;
    final Episode trendEpisode;

    Series(String key, int capacity, Clock clock) {
      this.key = key;
      this.usageEpisode = episode(key, clock);
      this.trendEpisode = episode(key, clock);
      this.times = new long[capacity];
      this.values = new long[capacity];
    }

    void add(long t, long v) {
      if (size == times.length) {
        start = (start + 1) % times.length;
        size--;
      }
      int i = (start + size) % times.length;
      times[i] = t;
      values[i] = v;
      size++;
    }

    private static Episode episode(String key, Clock clock) {
      return Episode.of(Signal.TYPE_RESOURCE_EXHAUSTION, key, clock).quiet(QUIET_CHECKS, 0).build();
    }

    long time(int i) {
      return times[(start + i) % times.length];
    }

    long value(int i) {
      return values[(start + i) % values.length];
    }
  }
}
