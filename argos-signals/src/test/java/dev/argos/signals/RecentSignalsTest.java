package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Deterministic tests of {@link RecentSignals}. */
class RecentSignalsTest {
  private final ManualClock clock = Clock.manual();

  private Signal sig(String type, String key, Severity sev) {
    return Signal.builder(type)
        .severity(sev)
        .key(key)
        .message("m")
        .timestamp(clock.instant())
        .build();
  }

  @Test
  void queriesByTypeKeySeverityAndTime() {
    RecentSignals r = RecentSignals.create(clock);
    r.onSignal(sig("burst", "a", Severity.WARNING));
    clock.advance(Duration.ofSeconds(1));
    Instant t1 = clock.instant();
    r.onSignal(sig("burst", "b", Severity.CRITICAL));
    clock.advance(Duration.ofSeconds(1));
    r.onSignal(sig("eventLoopLag", "a", Severity.INFO));

    assertThat(r.all()).extracting(Signal::key).containsExactly("a", "b", "a");
    assertThat(r.ofType("burst")).hasSize(2);
    assertThat(r.query(null, "a", null, null)).extracting(Signal::type)
        .containsExactly("burst", "eventLoopLag");
    assertThat(r.query(null, null, Severity.WARNING, null)).hasSize(2);
    assertThat(r.query(null, null, Severity.CRITICAL, null)).extracting(Signal::key)
        .containsExactly("b");
    assertThat(r.query(null, null, null, t1)).extracting(Signal::key).containsExactly("b", "a");
    assertThat(r.query("burst", "a", Severity.WARNING, t1)).isEmpty();
    assertThat(r.recorded()).isEqualTo(3);
  }

  @Test
  void keepsAtMostTheCapacityOldestOverwritten() {
    RecentSignals r = RecentSignals.create(clock);
    for (int i = 0; i < 2_500; i++) {
      r.onSignal(sig("t", "k" + i, Severity.WARNING));
    }
    List<Signal> all = r.all();
    assertThat(all).hasSize(RecentSignals.DEFAULT_CAPACITY);
    assertThat(all.get(0).key()).isEqualTo("k1500");
    assertThat(all.get(999).key()).isEqualTo("k2499");
    assertThat(r.recorded()).isEqualTo(2_500);
  }

  @Test
  void forgetsSignalsOlderThanTheMaxAge() {
    RecentSignals r = RecentSignals.create(clock);
    r.onSignal(sig("t", "old", Severity.WARNING));
    clock.advance(Duration.ofSeconds(30));
    r.onSignal(sig("t", "new", Severity.WARNING));
    assertThat(r.size()).isEqualTo(2);
    clock.advance(Duration.ofSeconds(30).plusMillis(1));
    assertThat(r.all()).extracting(Signal::key).containsExactly("new");
    clock.advance(Duration.ofSeconds(30));
    assertThat(r.all()).isEmpty();
  }

  @Test
  void replaysToALateListenerInOrder() {
    RecentSignals r = RecentSignals.create(5, Duration.ofMinutes(1), clock);
    for (int i = 0; i < 7; i++) {
      r.onSignal(sig("t", "k" + i, Severity.WARNING));
    }
    List<String> late = new ArrayList<>();
    r.replayTo(s -> late.add(s.key()));
    assertThat(late).containsExactly("k2", "k3", "k4", "k5", "k6");
    r.clear();
    assertThat(r.all()).isEmpty();
  }

  @Test
  void rejectsInvalidSettings() {
    assertThatThrownBy(() -> RecentSignals.create(0, Duration.ofSeconds(1), clock))
        .hasMessageContaining("capacity");
    assertThatThrownBy(() -> RecentSignals.create(10, Duration.ZERO, clock))
        .hasMessageContaining("maxAge");
  }

  /** Fails on the old code: the signal carried the cut key, so the full key found nothing. */
  @Test
  void aLongKeyIsFoundByTheFullKey() {
    RecentSignals r = RecentSignals.create(clock);
    String full = "client-" + "f".repeat(1_017);
    String innocent = full.substring(0, Signal.MAX_KEY_LENGTH);
    r.onSignal(Signal.builder(Signal.TYPE_BURST).key(full).message("flood").build());
    assertThat(r.query(null, full, null, null)).hasSize(1);
    assertThat(r.query(null, innocent, null, null)).isEmpty();
  }

  /** Fails on the old code: the age's nanoseconds overflowed later (ArithmeticException). */
  @Test
  void aMaxAgeBeyondTheNanosecondRangeIsRefusedWhenSetNamingIt() {
    assertThatThrownBy(
            () -> RecentSignals.create(10, java.time.temporal.ChronoUnit.FOREVER.getDuration(), clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxAge");
    RecentSignals longest = RecentSignals.create(10, Duration.ofNanos(Long.MAX_VALUE), clock);
    longest.onSignal(Signal.builder("custom").message("m").build());
    clock.advance(Duration.ofDays(365L * 50));
    assertThat(longest.size()).isEqualTo(1);
  }
}
