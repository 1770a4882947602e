package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Deterministic tests of {@link ResourceSampler}: a manual clock and injected readings. */
class ResourceSamplerTest {
  private final ManualClock clock = Clock.manual();
  private final List<Signal> signals = new ArrayList<>();
  private final FakeProbe probe = new FakeProbe();

  /** Readings set by the test; counts reads. */
  static final class FakeProbe implements ResourceProbe {
    long fdOpen = 100;
    long fdMax = 1000;
    long sockets = 10;
    long threads = 50;
    long threadsMax = -1;
    int reads;

    @Override
    public Reading read() {
      reads++;
      return new Reading(fdOpen, fdMax, sockets, threads, threadsMax);
    }

    @Override
    public String fdLimitSource() {
      return "fake";
    }
  }

  private ResourceSampler sampler() {
    ArgosConfig config =
        ArgosConfig.builder()
            .clock(clock)
            .sampleRate(Duration.ofMillis(100))
            .windowSize(Duration.ofSeconds(60))
            .build();
    return new ResourceSampler(config, probe, signals::add);
  }

  /** {@code seconds} of 100 ms ticks; before each, {@code fdAt} sets the open descriptors. */
  private void run(ResourceSampler s, long seconds, LongUnaryOperator fdAt) {
    for (long k = 0; k < seconds * 10; k++) {
      clock.advanceMillis(100);
      probe.fdOpen = fdAt.applyAsLong(clock.nanoTime() / 1_000_000);
      s.tick(clock.nanoTime());
    }
  }

  private List<Signal> of(String key, String reason) {
    return signals.stream()
        .filter(x -> key.equals(x.key()) && reason.equals(x.data().get("reason")))
        .collect(Collectors.toList());
  }

  @Test
  void readsAtMostOncePerSecond() {
    ResourceSampler s = sampler();
    assertThat(s.intervalNanos()).isEqualTo(1_000_000_000L);
    run(s, 10, t -> 100);
    assertThat(probe.reads).isEqualTo(10);
  }

  @Test
  void intervalFollowsSampleRateAndWindow() {
    assertThat(ResourceSampler.interval(Duration.ofMillis(100), Duration.ofSeconds(60)))
        .isEqualTo(1_000_000_000L);
    assertThat(ResourceSampler.interval(Duration.ofMillis(50), Duration.ofSeconds(2)))
        .isEqualTo(500_000_000L);
    assertThat(ResourceSampler.interval(Duration.ofMillis(100), Duration.ofMillis(200)))
        .isEqualTo(100_000_000L);
    assertThat(ResourceSampler.interval(Duration.ofSeconds(2), Duration.ofSeconds(60)))
        .isEqualTo(2_000_000_000L);
    // a long window widens the interval to keep at most MAX_HISTORY readings
    assertThat(ResourceSampler.interval(Duration.ofMillis(100), Duration.ofHours(1)))
        .isGreaterThanOrEqualTo(Duration.ofHours(1).toNanos() / (ResourceSampler.MAX_HISTORY - 2));
  }

  @Test
  void fileHandleThresholdFiresEscalatesAndResolves() {
    ResourceSampler s = sampler();
    run(s, 5, t -> 500);
    assertThat(signals).isEmpty();
    run(s, 5, t -> 910);
    List<Signal> usage = of("fileHandles", "usage");
    assertThat(usage).hasSize(1);
    Signal w = usage.get(0);
    assertThat(w.type()).isEqualTo(Signal.TYPE_RESOURCE_EXHAUSTION);
    assertThat(w.severity()).isEqualTo(Severity.WARNING);
    assertThat(w.source()).isEqualTo(Argos.SOURCE);
    assertThat(w.data()).containsEntry("open", 910L).containsEntry("max", 1000L)
        .containsEntry("usage", 0.91).containsEntry("threshold", 0.9)
        .containsEntry("limitSource", "fake");
    // still above the resolve level (0.81): no new signal, no resolve
    run(s, 5, t -> 850);
    assertThat(of("fileHandles", "usage")).hasSize(1);
    run(s, 5, t -> 980);
    assertThat(of("fileHandles", "usage")).extracting(Signal::severity)
        .containsExactly(Severity.WARNING, Severity.CRITICAL);
    run(s, 5, t -> 700);
    List<Signal> all = of("fileHandles", "usage");
    assertThat(all).hasSize(3);
    assertThat(all.get(2).isResolved()).isTrue();
    assertThat(all.get(2).severity()).isEqualTo(Severity.INFO);
    // hysteresis: it resolves at the third reading in a row below the resolve level (QUIET_CHECKS),
    // 2 s after the first: 5.1 s (first 910) to 22.1 s
    assertThat((Long) all.get(2).data().get("durationMs")).isEqualTo(17_000L);
  }

  @Test
  void descriptorsAtNinetyPercentFromTheFirstReadingFireWithoutWarmUp() {
    ResourceSampler s = sampler();
    // the very first reading: no history, no learned figure needed to judge a share of the limit
    run(s, 1, t -> 920);
    List<Signal> usage = of("fileHandles", "usage");
    assertThat(usage).hasSize(1);
    assertThat(usage.get(0).data()).containsEntry("open", 920L).containsEntry("usage", 0.92);
    assertThat(probe.reads).isEqualTo(1);
  }

  @Test
  void descriptorLeakTrendFiresBeforeTheThreshold() {
    ResourceSampler s = sampler();
    probe.fdMax = 10_000;
    // +20 descriptors/s with jitter of +-15: 10 000 reached in about 8 minutes
    run(s, 59, t -> 100 + t * 20 / 1000 + ((t / 1000) % 3 == 0 ? -15 : 15));
    assertThat(signals).as("not a full window yet").isEmpty();
    run(s, 3, t -> 100 + t * 20 / 1000 + ((t / 1000) % 3 == 0 ? -15 : 15));
    List<Signal> trend = of("fileHandles", "trend");
    assertThat(trend).hasSize(1);
    Map<String, Object> d = trend.get(0).data();
    assertThat(trend.get(0).severity()).isEqualTo(Severity.WARNING);
    assertThat((Double) d.get("slopePerSecond")).isBetween(15.0, 25.0);
    assertThat((Double) d.get("secondsToExhaustion")).isBetween(300.0, 600.0);
    assertThat((Double) d.get("usage")).isLessThan(0.9);
    // the leak stops: the window flattens and the episode ends
    long stopped = 100 + 62 * 20;
    run(s, 70, t -> stopped);
    trend = of("fileHandles", "trend");
    assertThat(trend).hasSize(2);
    assertThat(trend.get(1).isResolved()).isTrue();
  }

  @Test
  void slowLeakFarFromTheLimitAndNoisyFlatSeriesDoNotFire() {
    ResourceSampler s = sampler();
    probe.fdMax = 100_000;
    // +2/s to a limit of 100 000: hours away
    run(s, 200, t -> 100 + t * 2 / 1000);
    // flat with jitter
    run(s, 200, t -> 500 + (t / 1000) % 40);
    assertThat(signals).isEmpty();
  }

  @Test
  void socketsAreJudgedAgainstTheDescriptorLimit() {
    ResourceSampler s = sampler();
    probe.sockets = 950;
    run(s, 2, t -> 960);
    assertThat(of("sockets", "usage")).hasSize(1);
    assertThat(of("sockets", "usage").get(0).data()).containsEntry("open", 950L)
        .containsEntry("max", 1000L);
    assertThat(of("fileHandles", "usage")).hasSize(1);
  }

  @Test
  void threadsWithALimitFireAndWithoutOneNeverDo() {
    ResourceSampler s = sampler();
    probe.threads = 5000;
    run(s, 5, t -> 100);
    assertThat(of("threads", "usage")).isEmpty();
    Map<String, Object> snap = new LinkedHashMap<>();
    s.snapshot(snap);
    assertThat(snap).containsEntry("threads.live", 5000L).doesNotContainKey("threads.usage");

    probe.threadsMax = 5200;
    run(s, 2, t -> 100);
    List<Signal> th = of("threads", "usage");
    assertThat(th).hasSize(1);
    assertThat(th.get(0).data()).containsEntry("open", 5000L).containsEntry("max", 5200L);
    assertThat(th.get(0).severity()).isEqualTo(Severity.WARNING);
  }

  @Test
  void threadLeakTrendFires() {
    ResourceSampler s = sampler();
    probe.threadsMax = 4000;
    for (int k = 0; k < 650; k++) {
      clock.advanceMillis(100);
      probe.threads = 50 + clock.nanoTime() / 100_000_000; // +10 threads/s
      s.tick(clock.nanoTime());
    }
    List<Signal> trend = of("threads", "trend");
    assertThat(trend).hasSize(1);
    assertThat((Double) trend.get(0).data().get("slopePerSecond")).isBetween(9.0, 11.0);
  }

  @Test
  void unknownFiguresAreSkipped() {
    ResourceSampler s = sampler();
    probe.fdMax = -1;
    probe.sockets = -1;
    run(s, 100, t -> t / 10); // rising, but no limit: no usage, no time to exhaustion
    assertThat(signals).isEmpty();
    Map<String, Object> snap = new LinkedHashMap<>();
    s.snapshot(snap);
    assertThat(snap).containsKey("fd.open").doesNotContainKeys("fd.max", "fd.usage", "fd.sockets");

    probe.fdOpen = -1;
    for (int k = 0; k < 20; k++) {
      clock.advanceMillis(100);
      s.tick(clock.nanoTime());
    }
    snap.clear();
    s.snapshot(snap);
    assertThat(snap).doesNotContainKey("fd.open");
    assertThat(snap).containsKeys("threads.live", "resources.lastReadMicros", "resources.intervalMs");
  }
}
