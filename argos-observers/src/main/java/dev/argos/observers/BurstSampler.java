package dev.argos.observers;

import dev.argos.core.SignalSink;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The {@code burst} sampler, on the sampler thread: turns the counts of a {@link RequestRecorder}
 * into rates each tick and hands them to its two detectors, {@link OverallBurst} (all traffic)
 * and {@link KeyBurst} (per client key), each with its own episodes; publishes their figures for
 * the snapshot. See {@code docs/signals/burst.md}.
 */
final class BurstSampler implements Sampler {
  /** Short window (overall) and epoch (per key), when the analysis window is at least this. */
  static final long SHORT_WINDOW = TimeUnit.SECONDS.toNanos(1);
  /** A burst is CRITICAL when its rate reaches this multiple of the firing level. */
  static final double CRITICAL_FACTOR = 3;
  /** Most per-key episodes open at once; further keys are counted, not signalled. */
  static final int MAX_KEY_EPISODES = 100;
  static final double EPS = 1e-9;

  private final RequestRecorder rec;
  private final long shortNanos;
  private final OverallBurst overall;
  private final KeyBurst keys;

  private long lastTick = Long.MIN_VALUE;
  private long lastTotal;

  private volatile Figures figures = new Figures();

  BurstSampler(ArgosConfig config, RequestRecorder rec, SignalSink sink) {
    this.rec = rec;
    long windowNanos = config.windowSize().toNanos();
    long periodNanos = config.sampleRate().toNanos();
    int ticks = (int) Math.max(1, Math.round((double) Math.min(SHORT_WINDOW, windowNanos) / periodNanos));
    this.shortNanos = ticks * periodNanos;
    this.overall =
        new OverallBurst(config.clock(), sink, config.thresholds(), windowNanos, periodNanos, ticks);
    this.keys =
        new KeyBurst(rec, overall, config.clock(), sink, config.thresholds(), windowNanos,
            periodNanos, shortNanos);
  }

  @Override
  public String name() {
    return "burst";
  }

  @Override
  public void tick(long now) {
    long total = rec.total();
    if (lastTick == Long.MIN_VALUE) {
      lastTick = now;
      lastTotal = total;
      keys.start(now, total);
      return;
    }
    long dt = now - lastTick;
    if (dt <= 0) {
      return;
    }
    long delta = total - lastTotal;
    lastTick = now;
    lastTotal = total;
    overall.tick(now, delta, dt);
    keys.tick(now, total);
    publish(overall.shortRate());
  }

  // ---------------------------------------------------------------- rates, shared by both

  static double perSecond(long count, long nanos) {
    return nanos <= 0 ? 0 : count * 1e9 / nanos;
  }

  static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  static @Nullable Double ratio(double rate, double base) {
    return base > 0 ? round(rate / base) : null;
  }

  static String times(double rate, double base) {
    return base > 0 ? String.format(Locale.ROOT, "%.1fx", rate / base) : "far above";
  }

  // ---------------------------------------------------------------- figures

  private void publish(double shortRate) {
    Figures f = new Figures();
    f.rate = shortRate;
    f.baseline = overall.baseline();
    f.warm = overall.warm();
    f.keysWarm = keys.warm();
    f.bursting = overall.bursting();
    f.typical = keys.typical();
    f.keyLevel = keys.keyLevel();
    f.distinct = keys.distinct();
    f.keyEpisodes = keys.episodes();
    f.keyEpisodesDropped = keys.episodesDropped();
    f.cut = rec.cut();
    Figures old = figures;
    long epoch = keys.epochIndex();
    if (epoch != old.epoch) {
      f.watched = rec.watchedCount();
      f.top = f.watched > 0 ? keys.top(5) : List.of();
    } else {
      f.top = old.top;
      f.watched = old.watched;
    }
    f.epoch = epoch;
    figures = f;
  }

  @Override
  public void snapshot(Map<String, Object> into) {
    Figures f = figures;
    into.put("requests.rate", round(f.rate));
    into.put("requests.baselineRate", round(f.baseline));
    into.put("requests.windowMs", ms(shortNanos));
    into.put("requests.warm", f.warm);
    into.put("requests.burst", f.bursting);
    into.put("requests.keys.warm", f.keysWarm);
    into.put("requests.keys.typicalRate", round(f.typical));
    into.put("requests.keys.thresholdRate", round(f.keyLevel));
    into.put("requests.keys.distinct", f.distinct);
    into.put("requests.keys.watched", f.watched);
    into.put("requests.keys.bursting", f.keyEpisodes);
    into.put("requests.keys.episodesDropped", f.keyEpisodesDropped);
    into.put("requests.keys.top", f.top);
    into.put("requests.keys.nominationCut", f.cut);
    into.put("requests.recorderBytes", rec.footprintBytes());
  }

  /** Immutable once published; read by snapshot() on any thread. */
  private static final class Figures {
    double rate;
    double baseline;
    boolean warm;
    boolean keysWarm;
    boolean bursting;
    double typical;
    double keyLevel;
    long distinct;
    int watched;
    int keyEpisodes;
    long keyEpisodesDropped;
    int cut;
    long epoch = -1;
    List<Map<String, Object>> top = List.of();
  }
}
