package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The overall burst detector, driven tick by tick on a manual clock (100 ms ticks). */
class BurstSamplerTest {
  private static final Thresholds DEFAULTS = Thresholds.defaults();

  @Test
  void steadyTrafficIsQuiet() {
    BurstHarness h = new BurstHarness(Duration.ofSeconds(60), DEFAULTS).run(100, 150);
    assertThat(h.signals).isEmpty();
    assertThat(h.figures().get("requests.warm")).isEqualTo(true);
    assertThat(h.figure("requests.baselineRate")).isCloseTo(100, within(0.5));
    assertThat(h.figure("requests.rate")).isCloseTo(100, within(0.5));
  }

  @Test
  void noisyTrafficOfPlusMinus30PercentIsQuiet() {
    Random r = new Random(42);
    // each tick independently between 70 and 130 requests/s, and whole seconds swinging too
    BurstHarness h =
        new BurstHarness(Duration.ofSeconds(10), DEFAULTS)
            .run(t -> 100 * (0.7 + 0.6 * r.nextDouble()), 120);
    assertThat(h.signals).isEmpty();
    assertThat(h.figure("requests.baselineRate")).isBetween(85.0, 115.0);
    // even with a much tighter multiplier, +-30 % noise is not a burst
    Random r2 = new Random(7);
    BurstHarness tight =
        new BurstHarness(Duration.ofSeconds(10), Thresholds.builder().burstMultiplier(2).build())
            .run(t -> 100 * (0.7 + 0.6 * r2.nextDouble()), 120);
    assertThat(tight.signals).isEmpty();
  }

  @Test
  void slowDoublingOverTenSecondsIsQuiet() {
    BurstHarness h = new BurstHarness(Duration.ofSeconds(60), DEFAULTS).run(100, 40);
    h.run(t -> 100 + 100 * Math.min(1.0, t / 100.0), 10).run(200, 60);
    assertThat(h.signals).isEmpty();
    // with a short window and multiplier 3 the baseline follows the ramp closely enough
    BurstHarness tight =
        new BurstHarness(Duration.ofSeconds(10), Thresholds.builder().burstMultiplier(3).build())
            .run(100, 20);
    tight.run(t -> 100 + 100 * Math.min(1.0, t / 100.0), 10).run(200, 30);
    assertThat(tight.signals).isEmpty();
    assertThat(tight.figure("requests.baselineRate")).isCloseTo(200, within(20.0));
  }

  @Test
  void tenTimesBurstFiresAfterWarmUpWithItsFigures() {
    BurstHarness h = new BurstHarness(Duration.ofSeconds(10), DEFAULTS).run(100, 10);
    assertThat(h.figures().get("requests.warm")).isEqualTo(true);
    h.run(1000, 0.9);
    assertThat(h.signals).as("the 1 s short window is not yet full of the burst").isEmpty();
    h.run(1000, 0.1);
    assertThat(h.signals).hasSize(1);
    Signal s = h.signals.get(0);
    assertThat(s.type()).isEqualTo(Signal.TYPE_BURST);
    assertThat(s.source()).isEqualTo(Argos.SOURCE);
    assertThat(s.key()).isNull();
    assertThat(s.severity()).isEqualTo(Severity.WARNING);
    assertThat(s.timestamp()).isEqualTo(h.clock.instant());
    assertThat((Double) s.data().get("rate")).isCloseTo(1000, within(1.0));
    assertThat((Double) s.data().get("baselineRate")).isCloseTo(100, within(0.5));
    assertThat((Double) s.data().get("multiplier")).isCloseTo(10, within(0.1));
    assertThat(s.data().get("windowMs")).isEqualTo(1000L);
    assertThat((Double) s.data().get("thresholdRate")).isCloseTo(1000, within(1.0));
  }

  @Test
  void noJudgementBeforeWarmUp() {
    // window 10 s: warm-up is 5 s of learned traffic
    BurstHarness h = new BurstHarness(Duration.ofSeconds(10), DEFAULTS).run(100, 1);
    h.run(5000, 3); // 50x, but the baseline is still being learned
    assertThat(h.figures().get("requests.warm")).isEqualTo(false);
    assertThat(h.signals).isEmpty();
  }

  @Test
  void baselineDoesNotLearnTheBurstAndEpisodeResolvesOnce() {
    BurstHarness h = new BurstHarness(Duration.ofSeconds(10), DEFAULTS).run(100, 10);
    h.run(2000, 8); // shorter than the window: the baseline is frozen
    assertThat(h.overall()).hasSize(1);
    assertThat(h.figure("requests.baselineRate")).isCloseTo(100, within(0.5));
    assertThat(h.figures().get("requests.burst")).isEqualTo(true);
    h.run(100, 5);
    assertThat(h.overall()).hasSize(2);
    Signal end = h.overall().get(1);
    assertThat(end.isResolved()).isTrue();
    assertThat(end.severity()).isEqualTo(Severity.INFO);
    // fired after 1 s of burst; quiet after ~1 s of normal traffic plus 1 s of hold
    assertThat((Long) end.data().get("durationMs")).isBetween(7000L, 10000L);
    assertThat((Double) end.data().get("peakRate")).isCloseTo(2000, within(1.0));
    assertThat(h.figures().get("requests.burst")).isEqualTo(false);
    assertThat(h.figure("requests.baselineRate")).isCloseTo(100, within(1.0));
  }

  @Test
  void hoveringAtTheThresholdDoesNotFlap() {
    BurstHarness h = new BurstHarness(Duration.ofSeconds(10), DEFAULTS).run(100, 10);
    // just below the firing level (1000/s): nothing
    h.run(t -> t % 2 == 0 ? 980 : 960, 0.8).run(100, 2);
    assertThat(h.signals).isEmpty();
    h.run(1200, 1);
    assertThat(h.overall()).hasSize(1);
    // then swinging each second between 1100 (above the firing level) and 500 (below the exit
    // level of 550, the midpoint of baseline and firing level) for 10 s: one episode, no flapping
    h.run(t -> (t / 10) % 2 == 0 ? 500 : 1100, 10);
    assertThat(h.overall()).hasSize(1);
    h.run(100, 4);
    assertThat(h.overall()).hasSize(2);
    assertThat(h.overall().get(1).isResolved()).isTrue();
  }

  @Test
  void escalatesOnceToCritical() {
    BurstHarness h = new BurstHarness(Duration.ofSeconds(10), DEFAULTS).run(100, 10);
    h.run(1500, 2);
    assertThat(h.overall()).extracting(Signal::severity).containsExactly(Severity.WARNING);
    h.run(5000, 2); // >= 3 x the firing level of 1000/s
    assertThat(h.overall()).extracting(Signal::severity).containsExactly(Severity.WARNING, Severity.CRITICAL);
    h.run(1500, 1).run(5000, 1);
    assertThat(h.overall()).hasSize(2);
  }

  @Test
  void belowTheMinimumVolumeIsNoBurst() {
    // 0.5/s to 15/s is 30x but under burstMinRate (20/s)
    BurstHarness h = new BurstHarness(Duration.ofSeconds(10), DEFAULTS).run(0.5, 10).run(15, 1.5);
    assertThat(h.signals).isEmpty();
    BurstHarness above = new BurstHarness(Duration.ofSeconds(10), DEFAULTS).run(0.5, 10).run(25, 1.5);
    assertThat(above.overall()).hasSize(1);
    assertThat((Double) above.overall().get(0).data().get("thresholdRate")).isEqualTo(20.0);
  }

  @Test
  void aBurstLongerThanTheWindowIsEventuallyTheNewNormal() {
    BurstHarness h = new BurstHarness(Duration.ofSeconds(10), DEFAULTS).run(100, 10).run(1500, 60);
    assertThat(h.overall()).hasSize(2);
    assertThat(h.overall().get(1).isResolved()).isTrue();
    assertThat(h.figure("requests.baselineRate")).isGreaterThan(150);
  }
}
