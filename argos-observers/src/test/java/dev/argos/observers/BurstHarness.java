package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import java.util.function.IntConsumer;

/** Drives a {@link BurstSampler} by hand: requests recorded between ticks of a manual clock. */
final class BurstHarness {
  static final long TICK_MS = 100;

  final ManualClock clock = Clock.manual();
  final RequestRecorder rec;
  final BurstSampler sampler;
  final List<Signal> signals = new ArrayList<>();
  private double carry;
  private long ticks;

  BurstHarness(Duration window, Thresholds thresholds) {
    this(window, thresholds, new RequestRecorder());
  }

  BurstHarness(Duration window, Thresholds thresholds, RequestRecorder rec) {
    ArgosConfig config =
        ArgosConfig.builder()
            .clock(clock)
            .sampleRate(Duration.ofMillis(TICK_MS))
            .windowSize(window)
            .thresholds(thresholds)
            .build();
    this.rec = rec;
    this.sampler = new BurstSampler(config, rec, signals::add);
    sampler.tick(clock.nanoTime());
  }

  /** Overall traffic at {@code ratePerSecond} for {@code seconds}. */
  BurstHarness run(double ratePerSecond, double seconds) {
    return run(t -> ratePerSecond, seconds);
  }

  /** Overall traffic whose rate is a function of the tick index within this call. */
  BurstHarness run(DoubleUnaryOperator rateAtTick, double seconds) {
    int n = (int) Math.round(seconds * 1000 / TICK_MS);
    for (int i = 0; i < n; i++) {
      carry += rateAtTick.applyAsDouble(i) * TICK_MS / 1000.0;
      long k = (long) carry;
      carry -= k;
      for (long j = 0; j < k; j++) {
        rec.record();
      }
      step();
    }
    return this;
  }

  /** {@code seconds} of ticks, calling {@code perTick} with the tick index before each tick. */
  BurstHarness each(double seconds, IntConsumer perTick) {
    int n = (int) Math.round(seconds * 1000 / TICK_MS);
    for (int i = 0; i < n; i++) {
      perTick.accept(i);
      step();
    }
    return this;
  }

  void step() {
    clock.advanceMillis(TICK_MS);
    sampler.tick(clock.nanoTime());
    ticks++;
  }

  double seconds() {
    return ticks * TICK_MS / 1000.0;
  }

  Map<String, Object> figures() {
    Map<String, Object> m = new LinkedHashMap<>();
    sampler.snapshot(m);
    return m;
  }

  double figure(String name) {
    return ((Number) figures().get(name)).doubleValue();
  }

  List<Signal> overall() {
    return signals.stream().filter(s -> s.key() == null).toList();
  }

  List<Signal> keyed() {
    return signals.stream().filter(s -> s.key() != null).toList();
  }
}
