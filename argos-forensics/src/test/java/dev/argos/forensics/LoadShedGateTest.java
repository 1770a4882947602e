package dev.argos.forensics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadShedGateTest {
  final ManualClock clock = Clock.manual();
  final LoadShedGate gate = new LoadShedGate(clock);

  @Test
  void shedsForTheDurationThenStops() {
    assertThat(gate.shedding()).isFalse();
    gate.shedFor(Duration.ofSeconds(10));
    assertThat(gate.shedding()).isTrue();
    clock.advance(Duration.ofMillis(9_999));
    assertThat(gate.shedding()).isTrue();
    clock.advance(Duration.ofMillis(1));
    assertThat(gate.shedding()).isFalse();
    assertThat(gate.shedding()).isFalse();
  }

  @Test
  void aShorterRequestDoesNotCutALongerOneAndALongerOneExtends() {
    gate.shedFor(Duration.ofSeconds(30));
    clock.advance(Duration.ofSeconds(5));
    gate.shedFor(Duration.ofSeconds(1));
    clock.advance(Duration.ofSeconds(20)); // 25 s: still the 30 s one
    assertThat(gate.shedding()).isTrue();
    gate.shedFor(Duration.ofSeconds(60)); // until 85 s
    clock.advance(Duration.ofSeconds(59));
    assertThat(gate.shedding()).isTrue();
    clock.advance(Duration.ofSeconds(1));
    assertThat(gate.shedding()).isFalse();
  }

  @Test
  void stopEndsSheddingAndBadDurationsAreRefused() {
    gate.shedFor(Duration.ofMinutes(1));
    gate.stop();
    assertThat(gate.shedding()).isFalse();
    assertThatThrownBy(() -> gate.shedFor(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shedFor")
        .hasMessageContaining("PT0S");
  }
}
