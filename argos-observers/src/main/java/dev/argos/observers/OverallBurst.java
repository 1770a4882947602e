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
import java.util.Locale;

/**
 * The overall {@code burst} detector (all traffic, signal key null), on the sampler thread: a
 * short-window rate (the last {@link BurstSampler#SHORT_WINDOW} of ticks, or the whole window if
 * shorter) against a baseline learned over {@code windowSize} (an EWMA with that time constant,
 * a plain mean during warm-up). Fires at {@code max(burstMultiplier x baseline, burstMinRate)}
 * once warm; outlier ticks (over {@code min(2, (1 + multiplier) / 2) x} baseline) are not learned
 * for one short window, then only clamped; during an episode the baseline is frozen for up to one
 * window. Its {@link Episode} resolves when the short rate stays under the midpoint of baseline
 * and firing level for one short window (hysteresis). See {@code docs/signals/burst.md}.
 */
final class OverallBurst {
  private final Clock clock;
  private final SignalSink sink;
  private final double multiplier;
  private final double minRate;
  private final double outlierFactor;
  private final long windowNanos;
  private final long shortNanos;
  private final int shortTicks;
  private final long warmUpNanos;
  private final Episode episode;

  private final long[] ringCount;
  private final long[] ringNanos;
  private int ringPos;
  private double baseline;
  private boolean seeded;
  private long learnedNanos;
  private boolean warm;
  private int outlierRun;
  private double shortRate;

  OverallBurst(
      Clock clock, SignalSink sink, Thresholds t, long windowNanos, long periodNanos,
      int shortTicks) {
    this.clock = clock;
    this.sink = sink;
    this.multiplier = t.burstMultiplier();
    this.minRate = t.burstMinRate();
    this.outlierFactor = Math.min(2.0, (1 + multiplier) / 2);
    this.windowNanos = windowNanos;
    this.shortTicks = shortTicks;
    this.shortNanos = shortTicks * periodNanos;
    this.warmUpNanos = Math.max(windowNanos / 2, Math.min(windowNanos, 2 * shortNanos));
    this.ringCount = new long[shortTicks];
    this.ringNanos = new long[shortTicks];
    this.episode =
        Episode.of(Signal.TYPE_BURST, null, clock)
            .quiet(shortTicks, 0)
            .peak(DataKeys.PEAK_RATE)
            .build();
  }

  /** One tick: {@code delta} requests over the last {@code dt} nanoseconds. */
  void tick(long now, long delta, long dt) {
    ringCount[ringPos] = delta;
    ringNanos[ringPos] = dt;
    ringPos = (ringPos + 1) % shortTicks;
    long c = 0;
    long n = 0;
    for (int i = 0; i < shortTicks; i++) {
      c += ringCount[i];
      n += ringNanos[i];
    }
    shortRate = perSecond(c, n);
    if (warm) {
      judge(now, shortRate);
    }
    learn(now, perSecond(delta, dt), dt);
  }

  private void judge(long now, double rate) {
    double level = level();
    if (episode.active() && rate < (baseline + level) / 2) {
      if (episode.calm(now) == Episode.Step.RESOLVED) {
        String message = String.format(
            Locale.ROOT,
            "request rate back to %.1f/s (baseline %.1f/s) after a burst of %d ms, peak %.1f/s",
            rate, baseline, episode.durationMs(now), episode.peak());
        sink.emit(episode.resolve(now)
            .message(message)
            .data(DataKeys.RATE, round(rate))
            .data(DataKeys.BASELINE_RATE, round(baseline))
            .data(DataKeys.WINDOW_MS, ms(shortNanos))
            .build());
      }
    } else if (episode.active() || rate >= level * (1 - EPS)) {
      Severity sev = rate >= CRITICAL_FACTOR * level ? Severity.CRITICAL : Severity.WARNING;
      if (episode.hold(sev, rate, now) != Episode.Step.NONE) {
        sink.emit(signal(sev, rate, level));
      }
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
      if (episode.active()) {
        if (frozen(now)) {
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

  private Signal signal(Severity sev, double rate, double level) {
    return episode.signal(sev)
        .message(String.format(
            Locale.ROOT,
            "request rate %.1f/s over the last %d ms is %s the baseline %.1f/s (fires at %.1f/s)",
            rate, ms(shortNanos), times(rate, baseline), baseline, level))
        .data(DataKeys.RATE, round(rate))
        .data(DataKeys.BASELINE_RATE, round(baseline))
        .data(DataKeys.MULTIPLIER, ratio(rate, baseline))
        .data(DataKeys.WINDOW_MS, ms(shortNanos))
        .data(DataKeys.THRESHOLD_RATE, round(level))
        .data(DataKeys.BURST_MULTIPLIER, multiplier)
        .build();
  }

  /** Whether an overall burst younger than the window runs: learning stops meanwhile. */
  boolean frozen(long now) {
    return episode.active() && now - episode.startNanos() < windowNanos;
  }

  boolean warm() {
    return warm;
  }

  boolean bursting() {
    return episode.active();
  }

  double baseline() {
    return baseline;
  }

  double shortRate() {
    return shortRate;
  }
}
