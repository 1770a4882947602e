package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.SafeText;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The {@code burst} detector, overall and per client key, on the sampler thread. The counting
 * is done by a {@link RequestRecorder}; this class turns its counts into rates, baselines and
 * episodes. See {@code docs/signals/burst.md}.
 *
 * <p>Overall: a short-window rate (the last {@link #SHORT_WINDOW} of ticks, or the whole
 * window if shorter) against a baseline learned over {@code windowSize} (an EWMA with that time
 * constant, a plain mean during warm-up). Fires at {@code max(burstMultiplier x baseline,
 * burstMinRate)} once warm; outlier ticks (over {@code min(2, (1 + multiplier) / 2) x}
 * baseline) are not learned for one short window, then only clamped; during an episode the
 * baseline is frozen for up to one window. Resolves when the short rate stays under the midpoint
 * of baseline and firing level for one short window.
 *
 * <p>Per key: at the end of each epoch (= the short window) the exact counts of the watched
 * keys are judged against {@code max(keyBurstMinRate, burstMultiplier x typical per-key rate)},
 * the typical rate being learned like the baseline from the sketch's keyed total and distinct
 * count, heavy keys excluded.
 */
final class BurstSampler implements Sampler {
  /** Short window (overall) and epoch (per key), when the analysis window is at least this. */
  static final long SHORT_WINDOW = TimeUnit.SECONDS.toNanos(1);
  /** A burst is CRITICAL when its rate reaches this multiple of the firing level. */
  static final double CRITICAL_FACTOR = 3;
  /** Most per-key episodes open at once; further keys are counted, not signalled. */
  static final int MAX_KEY_EPISODES = 100;
  /** Epochs under the exit level before a key's episode resolves. */
  static final int KEY_QUIET_EPOCHS = 2;
  /** Longest key quoted in a message (the signal's key itself is capped at 256). */
  private static final int MESSAGE_KEY_LENGTH = 64;
  private static final double EPS = 1e-9;
  /** The keys of an epoch in which nothing was watched; never written. */
  private static final @Nullable String[] NO_KEYS = new String[RequestRecorder.WATCH];

  private final RequestRecorder rec;
  private final Clock clock;
  private final SignalSink sink;
  private final double multiplier;
  private final double minRate;
  private final double keyMinRate;
  private final double outlierFactor;
  private final long windowNanos;
  private final long periodNanos;
  private final long shortNanos;
  private final int shortTicks;
  private final long warmUpNanos;

  // overall, sampler thread only
  private final long[] ringCount;
  private final long[] ringNanos;
  private int ringPos;
  private long lastTick = Long.MIN_VALUE;
  private long lastTotal;
  private double baseline;
  private boolean seeded;
  private long learnedNanos;
  private boolean warm;
  private int outlierRun;
  private @Nullable Episode overall;

  // per key, sampler thread only
  private long epochStart;
  private long epochTotalStart;
  private long epochIndex;
  private double typical;
  private boolean typicalSeeded;
  private long typicalLearnedNanos;
  private final long[] installedEpoch = new long[RequestRecorder.WATCH];
  private final long[] lastCount = new long[RequestRecorder.WATCH];
  private final long[] stats = new long[2];
  private final Map<String, Episode> keyEpisodes = new LinkedHashMap<>();
  private long keyEpisodesDropped;
  private long distinct;

  private volatile Figures figures = new Figures();

  BurstSampler(ArgosConfig config, RequestRecorder rec, SignalSink sink) {
    this.rec = rec;
    this.clock = config.clock();
    this.sink = sink;
    Thresholds t = config.thresholds();
    this.multiplier = t.burstMultiplier();
    this.minRate = t.burstMinRate();
    this.keyMinRate = t.keyBurstMinRate();
    this.outlierFactor = Math.min(2.0, (1 + multiplier) / 2);
    this.windowNanos = config.windowSize().toNanos();
    this.periodNanos = config.sampleRate().toNanos();
    int ticks = (int) Math.max(1, Math.round((double) Math.min(SHORT_WINDOW, windowNanos) / periodNanos));
    this.shortTicks = ticks;
    this.shortNanos = ticks * periodNanos;
    this.warmUpNanos = Math.max(windowNanos / 2, Math.min(windowNanos, 2 * shortNanos));
    this.ringCount = new long[ticks];
    this.ringNanos = new long[ticks];
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
      epochStart = now;
      epochTotalStart = total;
      return;
    }
    long dt = now - lastTick;
    if (dt <= 0) {
      return;
    }
    long delta = total - lastTotal;
    lastTick = now;
    lastTotal = total;
    ringCount[ringPos] = delta;
    ringNanos[ringPos] = dt;
    ringPos = (ringPos + 1) % shortTicks;
    long c = 0;
    long n = 0;
    for (int i = 0; i < shortTicks; i++) {
      c += ringCount[i];
      n += ringNanos[i];
    }
    double shortRate = perSecond(c, n);
    double tickRate = perSecond(delta, dt);

    if (warm) {
      judgeOverall(now, shortRate);
    }
    learn(now, tickRate, dt);
    long sketched = rec.sketched();
    if (sketched != sketchedAtTick) {
      sketchedAtTick = sketched;
      admitCandidates(); // only the sketch path nominates: nothing to admit after a quiet tick
    }
    if (now - epochStart >= shortNanos - periodNanos / 2) {
      endEpoch(now, total);
    }
    publish(shortRate);
  }

  // ---------------------------------------------------------------- overall

  private void judgeOverall(long now, double rate) {
    double level = level();
    Episode ep = overall;
    if (ep == null) {
      if (rate >= level * (1 - EPS)) {
        Severity sev = rate >= CRITICAL_FACTOR * level ? Severity.CRITICAL : Severity.WARNING;
        ep = new Episode(null, now, sev, rate);
        overall = ep;
        emit(overallSignal(sev, rate, level));
      }
      return;
    }
    ep.peak = Math.max(ep.peak, rate);
    if (ep.severity == Severity.WARNING && rate >= CRITICAL_FACTOR * level) {
      ep.severity = Severity.CRITICAL;
      emit(overallSignal(Severity.CRITICAL, rate, level));
    }
    if (rate < (baseline + level) / 2) {
      if (++ep.quiet >= shortTicks) {
        overall = null;
        emit(resolved(ep, null, now, rate, baseline)
            .message(String.format("request rate back to %.1f/s (baseline %.1f/s) after a burst of %d ms, peak %.1f/s",
                rate, baseline, ms(now - ep.start), ep.peak))
            .build());
      }
    } else {
      ep.quiet = 0;
    }
  }

  private double level() {
    return Math.max(multiplier * baseline, minRate);
  }

  private void learn(long now, double rate, long dt) {
    if (!seeded) {
      seeded = true;
      baseline = rate;
      learnedNanos = dt;
      warm = learnedNanos >= warmUpNanos;
      return;
    }
    double sample = rate;
    if (warm) {
      double ceiling = Math.max(outlierFactor * baseline, minRate);
      Episode ep = overall;
      if (ep != null) {
        if (now - ep.start < windowNanos) {
          return; // frozen: the burst must not teach the baseline
        }
        sample = Math.min(sample, ceiling); // a burst longer than the window: adapt slowly
      } else if (rate > ceiling) {
        if (++outlierRun <= shortTicks) {
          return; // an outlier tick, perhaps the start of a burst: not learned
        }
        sample = ceiling; // a lasting change of level: learned, clamped
      } else {
        outlierRun = 0;
      }
    }
    learnedNanos += dt;
    double alpha = Math.min(1, Math.max((double) dt / windowNanos, (double) dt / learnedNanos));
    baseline += alpha * (sample - baseline);
    if (learnedNanos >= warmUpNanos) {
      warm = true;
    }
  }

  private Signal overallSignal(Severity sev, double rate, double level) {
    return base(sev, null)
        .message(String.format("request rate %.1f/s over the last %d ms is %s the baseline %.1f/s (fires at %.1f/s)",
            rate, ms(shortNanos), times(rate, baseline), baseline, level))
        .data("rate", round(rate))
        .data("baselineRate", round(baseline))
        .data("multiplier", ratio(rate, baseline))
        .data("windowMs", ms(shortNanos))
        .data("thresholdRate", round(level))
        .data("burstMultiplier", multiplier)
        .build();
  }

  // ---------------------------------------------------------------- per key

  private void admitCandidates() {
    int gen = rec.generation();
    for (int i = 0; i < RequestRecorder.CANDIDATES; i++) {
      String key = rec.takeCandidate(i);
      if (key == null || rec.findWatched(key) >= 0) {
        continue;
      }
      int b = RequestRecorder.bucketOf(key);
      int slot = -1;
      for (int s = b; s < b + 2 && slot < 0; s++) {
        if (rec.watched(s) == null) {
          slot = s;
        }
      }
      if (slot < 0) {
        // replace the weaker of the two occupants if the candidate is clearly heavier; a key in
        // an episode stays
        long est = rec.estimate(key, gen);
        long weakest = Long.MAX_VALUE;
        for (int s = b; s < b + 2; s++) {
          String occupant = rec.watched(s);
          if (occupant == null || keyEpisodes.containsKey(occupant)) {
            continue;
          }
          long score = Math.max(lastCount[s], rec.peek(s));
          if (est > 2 * score && score < weakest) {
            weakest = score;
            slot = s;
          }
        }
      }
      if (slot >= 0) {
        rec.watch(slot, key);
        installedEpoch[slot] = epochIndex;
        lastCount[slot] = 0;
      }
    }
  }

  /** Keyed requests the sketch counted in the last completed epoch. */
  private long lastKeyed;
  /** {@link RequestRecorder#sketched()} at the last tick and at the last epoch's end. */
  private long sketchedAtTick;
  private long sketchedAtEpoch;

  private void endEpoch(long now, long total) {
    long dur = now - epochStart;
    long epochTotal = total - epochTotalStart;
    epochStart = now;
    epochTotalStart = total;
    double level = keyLevel();
    int completed = rec.flip(cutFor(level, dur, lastKeyed));
    long sketched = rec.sketched();
    if (sketched != sketchedAtEpoch) {
      sketchedAtEpoch = sketched;
      rec.rowStats(completed, stats);
    } else {
      stats[0] = 0; // nothing counted in the sketch this epoch: every cell is still empty
      stats[1] = rec.width();
    }

    // watched keys are counted exactly and not in the sketch: add them back (with none watched,
    // every slot's lastCount is already 0: a slot is emptied only once it counted nothing)
    long keyed = stats[0];
    long watchedActive = 0;
    boolean anyWatched = rec.watchedCount() > 0;
    @Nullable String[] keys = anyWatched ? new String[RequestRecorder.WATCH] : NO_KEYS;
    long heavyCount = 0;
    int heavyKeys = 0;
    if (anyWatched) {
      for (int s = 0; s < RequestRecorder.WATCH; s++) {
        String k = rec.watched(s);
        if (k == null) {
          lastCount[s] = 0; // harvested when it was emptied
          continue;
        }
        long c = rec.harvest(s);
        lastCount[s] = c;
        keys[s] = k;
        keyed += c;
        if (c > 0 && !rec.inSketch(k, completed)) {
          watchedActive++; // not already in the sketch's distinct count (watched mid-epoch)
        }
        // heavy keys do not teach the typical rate: keys in an episode younger than the window,
        // and keys at the firing level once there is a typical rate to fire against
        Episode ep = keyEpisodes.get(k);
        boolean heavy =
            ep != null
                ? now - ep.start < windowNanos
                : typicalSeeded && perSecond(c, dur) >= level * (1 - EPS);
        if (heavy && c > 0) {
          heavyCount += c;
          heavyKeys++;
        }
      }
    }
    if (stats[0] > 0) {
      rec.clear(completed); // an idle epoch left it empty: skip the 512 KiB write
    }
    distinct = distinctKeys(stats[1], stats[0]) + watchedActive;
    learnTypical(now, keyed - heavyCount, distinct - heavyKeys, dur);

    // judged against the level as just learned; a key is judged once the overall detector is
    // warm and the typical per-key rate has been learned over at least two epochs
    if (keysWarm()) {
      judgeKeys(now, keys, dur, keyLevel(), epochTotal);
    }
    if (anyWatched) {
      for (int s = 0; s < RequestRecorder.WATCH; s++) {
        String k = keys[s];
        if (k != null && lastCount[s] == 0 && installedEpoch[s] < epochIndex
            && !keyEpisodes.containsKey(k)) {
          rec.unwatch(s);
        }
      }
    }
    epochIndex++;
    lastKeyed = stats[0];
    rec.cut(cutFor(keyLevel(), dur, lastKeyed));
  }

  /**
   * Per-stripe nomination cut: a key at the firing level, spread over every stripe, reaches it;
   * and at least twice the sketch's noise per cell (last epoch's keyed requests spread over a
   * stripe's row), so that one-off keys lifted by collisions alone rarely nominate themselves
   * and overwrite the candidate slots of the keys that are really heavy.
   */
  private int cutFor(double level, long epochNanos, long keyedLastEpoch) {
    double perStripe = level * epochNanos / 1e9 / rec.stripes();
    double noise = (double) keyedLastEpoch / rec.stripes() / rec.width();
    return (int) Math.max(2, Math.min(1 << 30, Math.max(perStripe, 2 * noise)));
  }

  /** Linear counting on row 0 (saturates at about width x ln(2 x width)). */
  private long distinctKeys(long zeros, long keyed) {
    int w = rec.width();
    double z = Math.max(0.5, (double) zeros);
    long est = Math.round(-w * Math.log(z / w));
    return Math.min(est, keyed);
  }

  private void learnTypical(long now, long count, long keys, long dur) {
    if (keys <= 0 || count <= 0) {
      return;
    }
    double sample = perSecond(count, dur) / keys;
    if (!typicalSeeded) {
      typicalSeeded = true;
      typical = sample;
      typicalLearnedNanos = dur;
      return;
    }
    Episode ep = overall;
    if (ep != null && now - ep.start < windowNanos) {
      return; // frozen during an overall burst
    }
    if (warm) {
      sample = Math.min(sample, Math.max(2 * typical, keyMinRate / multiplier));
    }
    typicalLearnedNanos += dur;
    double alpha = Math.min(1, Math.max((double) dur / windowNanos, (double) dur / typicalLearnedNanos));
    typical += alpha * (sample - typical);
  }

  private boolean keysWarm() {
    return warm && typicalSeeded && typicalLearnedNanos >= 3 * shortNanos / 2;
  }

  private double keyLevel() {
    return Math.max(keyMinRate, multiplier * typical);
  }

  private void judgeKeys(long now, @Nullable String[] keys, long dur, double level, long epochTotal) {
    // open episodes first, so that a key whose slot was lost still resolves
    for (Iterator<Episode> it = keyEpisodes.values().iterator(); it.hasNext(); ) {
      Episode ep = it.next();
      String key = ep.key;
      int slot = key == null ? -1 : indexOf(keys, key);
      long c = slot < 0 ? 0 : lastCount[slot];
      double rate = perSecond(c, dur);
      ep.peak = Math.max(ep.peak, rate);
      if (ep.severity == Severity.WARNING && rate >= CRITICAL_FACTOR * level) {
        ep.severity = Severity.CRITICAL;
        emit(keySignal(Severity.CRITICAL, key, rate, level, c, epochTotal));
      }
      if (rate < (typical + level) / 2) {
        if (++ep.quiet >= KEY_QUIET_EPOCHS) {
          it.remove();
          emit(resolved(ep, key, now, rate, typical)
              .message(String.format("client key \"%s\" back to %.1f requests/s after a burst of %d ms, peak %.1f/s",
                  SafeText.neutralise(String.valueOf(key), MESSAGE_KEY_LENGTH), rate, ms(now - ep.start), ep.peak))
              .data("share", share(c, epochTotal))
              .build());
        }
      } else {
        ep.quiet = 0;
      }
    }
    if (keys == NO_KEYS) {
      return; // nothing watched this epoch: no key to judge
    }
    for (int s = 0; s < RequestRecorder.WATCH; s++) {
      String key = keys[s];
      if (key == null || keyEpisodes.containsKey(key)) {
        continue;
      }
      double rate = perSecond(lastCount[s], dur);
      if (rate < level * (1 - EPS)) {
        continue;
      }
      if (keyEpisodes.size() >= MAX_KEY_EPISODES) {
        keyEpisodesDropped++;
        continue;
      }
      Severity sev = rate >= CRITICAL_FACTOR * level ? Severity.CRITICAL : Severity.WARNING;
      keyEpisodes.put(key, new Episode(key, now, sev, rate));
      emit(keySignal(sev, key, rate, level, lastCount[s], epochTotal));
    }
  }

  private static int indexOf(@Nullable String[] keys, String key) {
    int b = RequestRecorder.bucketOf(key);
    for (int s = b; s < b + 2; s++) {
      if (key.equals(keys[s])) {
        return s;
      }
    }
    return -1;
  }

  private Signal keySignal(Severity sev, @Nullable String key, double rate, double level, long count, long epochTotal) {
    return base(sev, key)
        .message(String.format("client key \"%s\" sends %.1f requests/s, %s the typical per-key rate %.2f/s (fires at %.1f/s)",
            SafeText.neutralise(String.valueOf(key), MESSAGE_KEY_LENGTH), rate, times(rate, typical), typical, level))
        .data("rate", round(rate))
        .data("baselineRate", round(typical))
        .data("multiplier", ratio(rate, typical))
        .data("windowMs", ms(shortNanos))
        .data("thresholdRate", round(level))
        .data("share", share(count, epochTotal))
        .data("burstMultiplier", multiplier)
        .build();
  }

  // ---------------------------------------------------------------- common

  private Signal.Builder base(Severity sev, @Nullable String key) {
    return Argos.signal(Signal.TYPE_BURST, sev, clock)
        .key(key);
  }

  private Signal.Builder resolved(Episode ep, @Nullable String key, long now, double rate, double baselineRate) {
    return base(Severity.INFO, key)
        .data(Signal.DATA_STATE, Signal.STATE_RESOLVED)
        .data("durationMs", ms(now - ep.start))
        .data("rate", round(rate))
        .data("baselineRate", round(baselineRate))
        .data("peakRate", round(ep.peak))
        .data("windowMs", ms(shortNanos));
  }

  private void emit(Signal s) {
    sink.emit(s);
  }

  private static double perSecond(long count, long nanos) {
    return nanos <= 0 ? 0 : count * 1e9 / nanos;
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static @Nullable Double ratio(double rate, double base) {
    return base > 0 ? round(rate / base) : null;
  }

  private static String times(double rate, double base) {
    return base > 0 ? String.format("%.1fx", rate / base) : "far above";
  }

  private static double share(long count, long total) {
    return total <= 0 ? 0 : round(Math.min(1.0, (double) count / total));
  }

  /** Also the per-key episode; {@code key} null for overall. */
  private static final class Episode {
    final @Nullable String key;
    final long start;
    Severity severity;
    double peak;
    int quiet;

    Episode(@Nullable String key, long start, Severity severity, double rate) {
      this.key = key;
      this.start = start;
      this.severity = severity;
      this.peak = rate;
    }
  }

  // ---------------------------------------------------------------- figures

  private void publish(double shortRate) {
    Figures f = new Figures();
    f.rate = shortRate;
    f.baseline = baseline;
    f.warm = warm;
    f.keysWarm = keysWarm();
    f.bursting = overall != null;
    f.typical = typical;
    f.keyLevel = keyLevel();
    f.distinct = distinct;
    f.keyEpisodes = keyEpisodes.size();
    f.keyEpisodesDropped = keyEpisodesDropped;
    f.cut = rec.cut();
    Figures old = figures;
    if (epochIndex != old.epoch) {
      f.watched = rec.watchedCount();
      f.top = f.watched > 0 ? top(5) : List.of();
    } else {
      f.top = old.top;
      f.watched = old.watched;
    }
    f.epoch = epochIndex;
    figures = f;
  }

  private List<Map<String, Object>> top(int n) {
    List<Map<String, Object>> out = new ArrayList<>();
    boolean[] taken = new boolean[RequestRecorder.WATCH];
    double epochSeconds = shortNanos / 1e9;
    for (int i = 0; i < n; i++) {
      int best = -1;
      for (int s = 0; s < RequestRecorder.WATCH; s++) {
        if (!taken[s] && rec.watched(s) != null && lastCount[s] > 0 && (best < 0 || lastCount[s] > lastCount[best])) {
          best = s;
        }
      }
      if (best < 0) {
        break;
      }
      taken[best] = true;
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("key", SafeText.neutralise(String.valueOf(rec.watched(best)), 128));
      e.put("rate", round(lastCount[best] / epochSeconds));
      out.add(e);
    }
    return List.copyOf(out);
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
