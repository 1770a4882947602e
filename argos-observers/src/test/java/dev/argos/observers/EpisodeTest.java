package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The one episode model on its own, driven by a manual clock. */
class EpisodeTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final ManualClock clock = Clock.manual();

  private Episode episode(int quietChecks, long quietNanos) {
    return Episode.of("someType", "k", clock)
        .quiet(quietChecks, quietNanos)
        .peak(DataKeys.MAX_LAG_MS)
        .build();
  }

  @Test
  void startEscalateResolveCarryOneIdAndTheResolvedSignalHasTheEpisodesFigures() {
    Episode ep = episode(1, 0);
    long t0 = clock.nanoTime();
    assertThat(ep.active()).isFalse();
    assertThat(ep.hold(Severity.WARNING, 60, t0)).isEqualTo(Episode.Step.FIRED);
    Signal first = ep.signal(Severity.WARNING).build();
    assertThat(ep.hold(Severity.WARNING, 80, t0 + 10 * MS)).isEqualTo(Episode.Step.NONE);
    assertThat(ep.hold(Severity.CRITICAL, 700, t0 + 20 * MS)).isEqualTo(Episode.Step.ESCALATED);
    Signal escalated = ep.signal(Severity.CRITICAL).build();
    assertThat(ep.hold(Severity.WARNING, 90, t0 + 30 * MS))
        .as("never steps down").isEqualTo(Episode.Step.NONE);
    assertThat(ep.calm(t0 + 1500 * MS)).isEqualTo(Episode.Step.RESOLVED);
    Signal resolved = ep.resolve(t0 + 1500 * MS).build();

    String id = (String) first.data().get(DataKeys.EPISODE);
    assertThat(id).matches("someType-[1-9][0-9]*");
    assertThat(escalated.data()).containsEntry(DataKeys.EPISODE, id);
    assertThat(resolved.data()).containsEntry(DataKeys.EPISODE, id)
        .containsEntry(DataKeys.STATE, DataKeys.STATE_RESOLVED)
        .containsEntry(DataKeys.DURATION_MS, 1500L)
        .containsEntry(DataKeys.MAX_SEVERITY, "CRITICAL")
        .containsEntry(DataKeys.MAX_LAG_MS, 700.0)
        .doesNotContainKey(DataKeys.COUNT);
    assertThat(resolved.severity()).isEqualTo(Severity.INFO);
    assertThat(resolved.isResolved()).isTrue();
    assertThat(resolved.type()).isEqualTo("someType");
    assertThat(resolved.key()).isEqualTo("k");
    assertThat(resolved.source()).isEqualTo(Argos.SOURCE);
    assertThat(ep.active()).isFalse();
    assertThat(ep.id()).isNull();
  }

  @Test
  void idsAreUniqueAcrossEpisodesInstancesAndTypes() {
    Set<String> ids = new HashSet<>();
    Episode a = episode(1, 0);
    Episode b = Episode.of("other", null, clock).build();
    for (int i = 0; i < 100; i++) {
      a.hold(Severity.WARNING, 1, clock.nanoTime());
      b.hold(Severity.WARNING, 1, clock.nanoTime());
      assertThat(ids.add(a.id())).isTrue();
      assertThat(ids.add(b.id())).isTrue();
      a.resolve(clock.nanoTime());
      b.resolve(clock.nanoTime());
    }
    assertThat(ids).allMatch(id -> id.matches("(someType|other)-[1-9][0-9]*"));
  }

  @Test
  void aConditionFlappingWithinTheQuietPeriodIsOneEpisodeThatCountsItsReturns() {
    Episode ep = episode(3, 500 * MS);
    List<String> ids = new ArrayList<>();
    long t = clock.nanoTime();
    for (int flap = 0; flap < 5; flap++) {
      if (ep.hold(Severity.WARNING, 10 + flap, t) == Episode.Step.FIRED) {
        ids.add(ep.id());
      }
      t += 100 * MS;
      assertThat(ep.calm(t)).isEqualTo(Episode.Step.NONE); // 1 calm check: not enough
      t += 100 * MS;
      assertThat(ep.calm(t)).isEqualTo(Episode.Step.NONE); // 2
      t += 100 * MS;
    }
    assertThat(ids).hasSize(1);
    // calm for three checks but not yet 500 ms: still running
    long calmFrom = t;
    assertThat(ep.calm(calmFrom)).isEqualTo(Episode.Step.NONE);
    assertThat(ep.calm(calmFrom + 100 * MS)).isEqualTo(Episode.Step.NONE);
    assertThat(ep.calm(calmFrom + 200 * MS)).isEqualTo(Episode.Step.NONE);
    assertThat(ep.calm(calmFrom + 500 * MS)).isEqualTo(Episode.Step.RESOLVED);
    Signal resolved = ep.resolve(calmFrom + 500 * MS).build();
    assertThat(resolved.data()).containsEntry(DataKeys.EPISODE, ids.get(0))
        .containsEntry(DataKeys.COUNT, 5).containsEntry(DataKeys.MAX_LAG_MS, 14.0);
  }

  @Test
  void judgeHoldsBetweenTheLevelsAndCalmsBelowTheEndLevel() {
    Episode ep = episode(2, 0);
    long t = clock.nanoTime();
    assertThat(ep.judge(false, true, Severity.WARNING, 0, t)).as("idle and calm").isEqualTo(Episode.Step.NONE);
    assertThat(ep.judge(false, false, Severity.WARNING, 0, t)).as("idle, between").isEqualTo(Episode.Step.NONE);
    assertThat(ep.active()).isFalse();
    assertThat(ep.judge(true, false, Severity.WARNING, 1, t)).isEqualTo(Episode.Step.FIRED);
    assertThat(ep.judge(false, false, Severity.WARNING, 1, t)).as("between: holds").isEqualTo(Episode.Step.NONE);
    assertThat(ep.judge(false, true, Severity.WARNING, 0, t)).isEqualTo(Episode.Step.NONE);
    assertThat(ep.judge(false, false, Severity.WARNING, 1, t)).as("back between: quiet restarts").isEqualTo(Episode.Step.NONE);
    assertThat(ep.quiet()).isZero();
    assertThat(ep.judge(false, true, Severity.WARNING, 0, t)).isEqualTo(Episode.Step.NONE);
    assertThat(ep.judge(false, true, Severity.WARNING, 0, t)).isEqualTo(Episode.Step.RESOLVED);
  }

  @Test
  void anEpisodeStartsWhenItsConditionBeganAndLagDurationsAreFractional() {
    Episode ep = Episode.of("lag", "x", clock).fractionalMillis().build();
    long now = clock.nanoTime() + 1000 * MS;
    ep.hold(Severity.WARNING, 1, now - 60_500_000L, now);
    assertThat(ep.startNanos()).isEqualTo(now - 60_500_000L);
    assertThat(ep.resolve(now).build().data()).containsEntry(DataKeys.DURATION_MS, 60.5);
  }

  @Test
  void resolvingWithoutAnEpisodeAndBadSettingsAreRefused() {
    assertThatThrownBy(() -> episode(1, 0).resolve(0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> Episode.of("t", null, clock).quiet(0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Episode.of("t", null, clock).quiet(1, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
