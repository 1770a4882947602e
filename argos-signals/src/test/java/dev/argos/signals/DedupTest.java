package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Deterministic tests of {@link Dedup}, driven by a {@link ManualClock}. */
class DedupTest {
  private final ManualClock clock = Clock.manual();
  private final Dedup dedup = Dedup.builder().clock(clock).build();

  private static Signal sig(String type, @Nullable String key, Severity sev) {
    return Signal.builder(type).severity(sev).key(key).message("m").build();
  }

  private static Signal resolved(String type, @Nullable String key) {
    return Signal.builder(type)
        .severity(Severity.INFO)
        .key(key)
        .message("over")
        .data(Signal.DATA_STATE, Signal.STATE_RESOLVED)
        .build();
  }

  @Test
  void firstSignalPassesUnchangedAndRepeatsAreCounted() {
    Signal s = sig("eventLoopLag", "loop-0", Severity.WARNING);
    assertThat(dedup.apply(s)).isSameAs(s);
    clock.advance(Duration.ofSeconds(10));
    assertThat(dedup.apply(sig("eventLoopLag", "loop-0", Severity.WARNING))).isNull();
    clock.advance(Duration.ofSeconds(10));
    assertThat(dedup.apply(sig("eventLoopLag", "loop-0", Severity.WARNING))).isNull();
    // another key, another severity, another type: other fingerprints
    assertThat(dedup.apply(sig("eventLoopLag", "loop-1", Severity.WARNING))).isNotNull();
    assertThat(dedup.apply(sig("eventLoopLag", "loop-0", Severity.CRITICAL))).isNotNull();
    assertThat(dedup.apply(sig("burst", "loop-0", Severity.WARNING))).isNotNull();
    assertThat(dedup.apply(sig("burst", null, Severity.WARNING))).isNotNull();
    Dedup.Stats st = dedup.stats();
    assertThat(st.seen()).isEqualTo(7);
    assertThat(st.suppressed()).isEqualTo(2);
    assertThat(st.delivered()).isEqualTo(5);
    assertThat(st.tracked()).isEqualTo(5);
  }

  @Test
  void differentReasonsOfOneDetectorAreSeparateEpisodes() {
    Signal growth = Signal.builder("memoryPressure").key("heap").message("grows").data("reason", "growth").build();
    Signal full = Signal.builder("memoryPressure").key("heap").message("full").data("reason", "afterGcUsage").build();
    assertThat(dedup.apply(growth)).isSameAs(growth);
    assertThat(dedup.apply(full)).isSameAs(full);
    assertThat(dedup.apply(growth.toBuilder().build())).isNull();
    Signal growthOver =
        Signal.builder("memoryPressure").key("heap").severity(Severity.INFO).message("over")
            .data("reason", "growth").data(Signal.DATA_STATE, Signal.STATE_RESOLVED).build();
    assertThat(dedup.apply(growthOver)).isNotNull();
    // the growth episode ended, the afterGcUsage one goes on
    assertThat(dedup.apply(growth.toBuilder().build())).isNotNull();
    assertThat(dedup.apply(full.toBuilder().build())).isNull();
  }

  @Test
  void escalatesOneLevelAfterThreeConsecutiveRepeats() {
    assertThat(dedup.apply(sig("queue", "q", Severity.INFO))).isNotNull();
    assertThat(dedup.apply(sig("queue", "q", Severity.INFO))).isNull();
    assertThat(dedup.apply(sig("queue", "q", Severity.INFO))).isNull();
    Signal up = dedup.apply(sig("queue", "q", Severity.INFO));
    assertThat(up).isNotNull();
    assertThat(up.severity()).isEqualTo(Severity.WARNING);
    assertThat(up.data()).containsEntry("repeats", 3L).containsEntry("escalatedFrom", "INFO");
    // three more: CRITICAL; then it stays there, suppressed
    assertThat(dedup.apply(sig("queue", "q", Severity.INFO))).isNull();
    assertThat(dedup.apply(sig("queue", "q", Severity.INFO))).isNull();
    Signal up2 = dedup.apply(sig("queue", "q", Severity.INFO));
    assertThat(up2).isNotNull();
    assertThat(up2.severity()).isEqualTo(Severity.CRITICAL);
    assertThat(up2.data()).containsEntry("repeats", 6L).containsEntry("escalatedFrom", "WARNING");
    for (int i = 0; i < 10; i++) {
      assertThat(dedup.apply(sig("queue", "q", Severity.INFO))).isNull();
    }
    assertThat(dedup.stats().escalated()).isEqualTo(2);
  }

  @Test
  void aRepeatAfterTheWindowIsDeliveredAsAReminderAtTheEpisodeLevel() {
    Dedup d = Dedup.builder().clock(clock).escalateAfter(100).build();
    d.apply(sig("lag", "k", Severity.WARNING));
    for (int i = 0; i < 6; i++) {
      clock.advance(Duration.ofSeconds(10));
      Signal out = d.apply(sig("lag", "k", Severity.WARNING));
      if (i < 5) {
        assertThat(out).isNull();
      } else { // 60 s after the last delivery
        assertThat(out).isNotNull();
        assertThat(out.data()).containsEntry("repeats", 6L);
      }
    }
  }

  @Test
  void aGapLongerThanTheWindowStartsANewEpisode() {
    dedup.apply(sig("lag", "k", Severity.INFO));
    dedup.apply(sig("lag", "k", Severity.INFO));
    dedup.apply(sig("lag", "k", Severity.INFO));
    assertThat(dedup.apply(sig("lag", "k", Severity.INFO)).severity()).isEqualTo(Severity.WARNING);
    clock.advance(Duration.ofSeconds(61));
    Signal fresh = sig("lag", "k", Severity.INFO);
    assertThat(dedup.apply(fresh)).isSameAs(fresh); // back to its own severity, no repeats
    assertThat(dedup.stats().tracked()).isEqualTo(1);
  }

  @Test
  void resolvedEndsTheEpisodeAndIsDeliveredWithTheRepeatCount() {
    dedup.apply(sig("lag", "k", Severity.WARNING));
    dedup.apply(sig("lag", "k", Severity.WARNING));
    dedup.apply(sig("lag", "k", Severity.CRITICAL));
    Signal r = dedup.apply(resolved("lag", "k"));
    assertThat(r).isNotNull();
    assertThat(r.isResolved()).isTrue();
    assertThat(r.data()).containsEntry("repeats", 1L);
    assertThat(dedup.stats().tracked()).isZero();
    assertThat(dedup.stats().resolved()).isEqualTo(1);
    // after it, the same signal starts a new episode at once
    Signal again = sig("lag", "k", Severity.WARNING);
    assertThat(dedup.apply(again)).isSameAs(again);
    // a resolved signal with no episode passes unchanged; a second resolved too
    Signal lone = resolved("lag", "other");
    assertThat(dedup.apply(lone)).isSameAs(lone);
    Signal r2 = resolved("lag", "k");
    assertThat(dedup.apply(r2)).isSameAs(r2);
    assertThat(dedup.apply(r2)).isSameAs(r2);
  }

  @Test
  void fingerprintMemoryIsBounded() {
    Dedup d = Dedup.builder().clock(clock).maxFingerprints(100).floodLimit(1_000_000).build();
    for (int i = 0; i < 10_000; i++) {
      assertThat(d.apply(sig("custom", "k" + i, Severity.WARNING))).isNotNull();
    }
    Dedup.Stats st = d.stats();
    assertThat(st.tracked()).isEqualTo(100);
    assertThat(st.evicted()).isEqualTo(9_900);
    // the most recent are still deduplicated
    assertThat(d.apply(sig("custom", "k9999", Severity.WARNING))).isNull();
  }

  @Test
  void defaultBoundIsTenThousandFingerprints() {
    Dedup d = Dedup.builder().clock(clock).floodLimit(1_000_000).build();
    for (int i = 0; i < 25_000; i++) {
      d.apply(sig("custom", "k" + i, Severity.WARNING));
    }
    assertThat(d.stats().tracked()).isEqualTo(Dedup.DEFAULT_MAX_FINGERPRINTS);
  }

  @Test
  void aFloodOfNewKeysIsLimitedPerTypeAndTheDropsAreSurfaced() {
    Dedup d = Dedup.builder().clock(clock).floodLimit(50).build();
    int delivered = 0;
    for (int i = 0; i < 1_000; i++) {
      if (d.apply(sig("buggy", "k" + i, Severity.WARNING)) != null) {
        delivered++;
      }
    }
    assertThat(delivered).isEqualTo(50);
    assertThat(d.stats().floodDropped()).isEqualTo(950);
    assertThat(d.stats().tracked()).isEqualTo(50);
    // another type is not affected
    assertThat(d.apply(sig("burst", "x", Severity.WARNING))).isNotNull();
    // the next window admits new keys again, and says how many were dropped
    clock.advance(Duration.ofSeconds(60));
    Signal next = d.apply(sig("buggy", "fresh", Severity.WARNING));
    assertThat(next).isNotNull();
    assertThat(next.data()).containsEntry("floodDropped", 950L);
    Signal after = d.apply(sig("buggy", "fresh2", Severity.WARNING));
    assertThat(after.data()).doesNotContainKey("floodDropped");
  }

  @Test
  void rejectsInvalidSettings() {
    assertThatThrownBy(() -> Dedup.builder().window(Duration.ZERO)).hasMessageContaining("window");
    assertThatThrownBy(() -> Dedup.builder().escalateAfter(0))
        .hasMessageContaining("escalateAfter");
    assertThatThrownBy(() -> Dedup.builder().maxFingerprints(-1))
        .hasMessageContaining("maxFingerprints");
  }

  @Test
  void aWindowWhoseNanosecondsOverflowIsRefusedWhenSet() {
    for (Duration bad : List.of(Duration.ofMillis(Long.MAX_VALUE), ChronoUnit.FOREVER.getDuration())) {
      assertThatThrownBy(() -> Dedup.builder().window(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("window")
          .hasMessageContaining(bad.toString());
    }
    assertThat(Dedup.builder().window(Dedup.MAX_WINDOW).clock(clock).build()).isNotNull();
  }

  @Test
  void pastTheTrackedTypesTheFurtherTypesShareOneNewEpisodeLimit() {
    Dedup d = Dedup.builder().clock(clock).floodLimit(3).build();
    for (int t = 0; t < 1024; t++) {
      assertThat(d.apply(sig("type" + t, "k", Severity.WARNING))).isNotNull();
    }
    int delivered = 0;
    for (int t = 0; t < 100; t++) {
      if (d.apply(sig("late" + t, "k", Severity.WARNING)) != null) {
        delivered++;
      }
    }
    assertThat(delivered).as("the late types share one limit of 3").isEqualTo(3);
    assertThat(d.stats().floodDropped()).isEqualTo(97);
    // a tracked type still has its own room
    assertThat(d.apply(sig("type0", "k2", Severity.WARNING))).isNotNull();
  }
}
