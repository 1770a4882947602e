package dev.argos.observers;

import static dev.argos.observers.BurstSampler.CRITICAL_FACTOR;
import static dev.argos.observers.BurstSampler.EPS;
import static dev.argos.observers.BurstSampler.ms;
import static dev.argos.observers.BurstSampler.perSecond;
import static dev.argos.observers.BurstSampler.ratio;
import static dev.argos.observers.BurstSampler.round;
import static dev.argos.observers.BurstSampler.times;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import dev.argos.core.internal.SafeText;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The per-key {@code burst} detector (signal key = the client key), on the sampler thread: at
 * the end of each epoch (= the short window) the exact counts of the watched keys of the {@link
 * RequestRecorder} are judged against {@code max(keyBurstMinRate, burstMultiplier x typical
 * per-key rate)}, the typical rate being learned like the overall baseline from the sketch's
 * keyed total and distinct count, heavy keys excluded. Each key's {@link Episode} resolves after
 * {@link #KEY_QUIET_EPOCHS} epochs under the midpoint of typical rate and firing level
 * (hysteresis). See {@code docs/signals/burst.md}.
 */
final class KeyBurst {
  /** Epochs under the exit level before a key's episode resolves. */
  static final int KEY_QUIET_EPOCHS = 2;
  /**
   * During warm-up a key is judged against {@code WARM_UP_FACTOR x keyBurstMinRate} (or the level
   * learned so far, if higher): a flood that far above the floor is a burst whatever the baseline
   * turns out to be.
   */
  static final double WARM_UP_FACTOR = 10;
  /** Longest key quoted in a message (the signal's key itself is capped at 256). */
  private static final int MESSAGE_KEY_LENGTH = 64;
  /** The keys of an epoch in which nothing was watched; never written. */
  private static final @Nullable String[] NO_KEYS = new String[RequestRecorder.WATCH];

  private final RequestRecorder rec;
  private final OverallBurst overall;
  private final Clock clock;
  private final SignalSink sink;
  private final double multiplier;
  private final double keyMinRate;
  private final long windowNanos;
  private final long periodNanos;
  private final long shortNanos;

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
  /** Keyed requests the sketch counted in the last completed epoch. */
  private long lastKeyed;
  /** {@link RequestRecorder#sketched()} at the last tick and at the last epoch's end. */
  private long sketchedAtTick;
  private long sketchedAtEpoch;

  KeyBurst(
      RequestRecorder rec, OverallBurst overall, Clock clock, SignalSink sink, Thresholds t,
      long windowNanos, long periodNanos, long shortNanos) {
    this.rec = rec;
    this.overall = overall;
    this.clock = clock;
    this.sink = sink;
    this.multiplier = t.burstMultiplier();
    this.keyMinRate = t.keyBurstMinRate();
    this.windowNanos = windowNanos;
    this.periodNanos = periodNanos;
    this.shortNanos = shortNanos;
  }

  /** The first tick: the first epoch starts. */
  void start(long now, long total) {
    epochStart = now;
    epochTotalStart = total;
  }

  /** One tick: admits nominated keys, and ends the epoch when it is due. */
  void tick(long now, long total) {
    long sketched = rec.sketched();
    if (sketched != sketchedAtTick) {
      sketchedAtTick = sketched;
      admitCandidates(); // only the sketch path nominates: nothing to admit after a quiet tick
    }
    if (now - epochStart >= shortNanos - periodNanos / 2) {
      endEpoch(now, total);
    }
  }

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
                ? now - ep.startNanos() < windowNanos
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

    // judged against the level as just learned once the overall detector is warm and the
    // typical per-key rate has been learned over at least two epochs; before that, only a flood
    // far above keyBurstMinRate, which no learned baseline could explain
    judge(now, keys, dur, warm() ? keyLevel() : warmUpLevel(), epochTotal);
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
    if (overall.frozen(now)) {
      return; // frozen during an overall burst
    }
    if (overall.warm()) {
      sample = Math.min(sample, Math.max(2 * typical, keyMinRate / multiplier));
    }
    typicalLearnedNanos += dur;
    double alpha = Math.min(1, Math.max((double) dur / windowNanos, (double) dur / typicalLearnedNanos));
    typical += alpha * (sample - typical);
  }

  /** Whether keys are judged: the overall detector is warm and the typical rate learned. */
  boolean warm() {
    return overall.warm() && typicalSeeded && typicalLearnedNanos >= 3 * shortNanos / 2;
  }

  /** The firing level during warm-up: {@code max(WARM_UP_FACTOR x keyBurstMinRate, keyLevel())}. */
  double warmUpLevel() {
    return Math.max(WARM_UP_FACTOR * keyMinRate, keyLevel());
  }

  double keyLevel() {
    return Math.max(keyMinRate, multiplier * typical);
  }

  private void judge(long now, @Nullable String[] keys, long dur, double level, long epochTotal) {
    // open episodes first, so that a key whose slot was lost still resolves
    for (Iterator<Map.Entry<String, Episode>> it = keyEpisodes.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Episode> e = it.next();
      String key = e.getKey();
      Episode ep = e.getValue();
      int slot = indexOf(keys, key);
      long c = slot < 0 ? 0 : lastCount[slot];
      double rate = perSecond(c, dur);
      if (rate < (typical + level) / 2) {
        if (ep.calm(now) == Episode.Step.RESOLVED) {
          it.remove();
          String message = String.format(
              Locale.ROOT,
              "client key \"%s\" back to %.1f requests/s after a burst of %d ms, peak %.1f/s",
              SafeText.neutralise(key, MESSAGE_KEY_LENGTH), rate, ep.durationMs(now), ep.peak());
          sink.emit(ep.resolve(now)
              .message(message)
              .data(DataKeys.RATE, round(rate))
              .data(DataKeys.BASELINE_RATE, round(typical))
              .data(DataKeys.WINDOW_MS, ms(shortNanos))
              .data(DataKeys.SHARE, share(c, epochTotal))
              .build());
        }
      } else {
        hold(ep, key, rate, level, c, epochTotal, now);
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
      if (keyEpisodes.size() >= BurstSampler.MAX_KEY_EPISODES) {
        keyEpisodesDropped++;
        continue;
      }
      Episode ep =
          Episode.of(Signal.TYPE_BURST, key, clock)
              .quiet(KEY_QUIET_EPOCHS, 0)
              .peak(DataKeys.PEAK_RATE)
              .build();
      keyEpisodes.put(key, ep);
      hold(ep, key, rate, level, lastCount[s], epochTotal, now);
    }
  }

  /** The key's condition holds: its episode starts or escalates (one signal), or goes on. */
  private void hold(Episode ep, String key, double rate, double level, long count, long epochTotal, long now) {
    Severity sev = rate >= CRITICAL_FACTOR * level ? Severity.CRITICAL : Severity.WARNING;
    if (ep.hold(sev, rate, now) == Episode.Step.NONE) {
      return;
    }
    sink.emit(ep.signal(sev)
        .message(String.format(
            Locale.ROOT,
            "client key \"%s\" sends %.1f requests/s, %s the typical per-key rate %.2f/s (fires at %.1f/s)",
            SafeText.neutralise(key, MESSAGE_KEY_LENGTH), rate, times(rate, typical), typical, level))
        .data(DataKeys.RATE, round(rate))
        .data(DataKeys.BASELINE_RATE, round(typical))
        .data(DataKeys.MULTIPLIER, ratio(rate, typical))
        .data(DataKeys.WINDOW_MS, ms(shortNanos))
        .data(DataKeys.THRESHOLD_RATE, round(level))
        .data(DataKeys.SHARE, share(count, epochTotal))
        .data(DataKeys.BURST_MULTIPLIER, multiplier)
        .build());
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

  private static double share(long count, long total) {
    return total <= 0 ? 0 : round(Math.min(1.0, (double) count / total));
  }

  // ---- figures, for BurstSampler's snapshot --------------------------------------------------

  long epochIndex() {
    return epochIndex;
  }

  double typical() {
    return typical;
  }

  long distinct() {
    return distinct;
  }

  int episodes() {
    return keyEpisodes.size();
  }

  long episodesDropped() {
    return keyEpisodesDropped;
  }

  /** The {@code n} heaviest watched keys of the last epoch (neutralised) and their rates. */
  List<Map<String, Object>> top(int n) {
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
}
