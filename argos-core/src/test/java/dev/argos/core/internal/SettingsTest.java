package dev.argos.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** The shared setting checks: a positive duration must also fit in nanoseconds (issue 11 §2.5). */
class SettingsTest {
  @Test
  void positiveDurationsWhoseNanosecondsOverflowAreRefusedNamingTheSetting() {
    for (Duration d : new Duration[] {Duration.ofMillis(Long.MAX_VALUE), ChronoUnit.FOREVER.getDuration()}) {
      assertThatThrownBy(() -> Settings.positive("window", d))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("window must be in [")
          .hasMessageContaining("but was " + d);
    }
    assertThat(Settings.positive("window", Settings.NANOS_RANGE)).isEqualTo(Settings.NANOS_RANGE);
    assertThat(Settings.NANOS_RANGE.toNanos()).isEqualTo(Long.MAX_VALUE);
    assertThatThrownBy(() -> Settings.positive("window", Duration.ZERO))
        .hasMessage("window must be positive but was PT0S");
  }

  @Test
  void withinNamesTheSettingTheRangeAndTheValue() {
    assertThatThrownBy(() -> Settings.within("attempts", 11, 1, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attempts must be in [1, 10] but was 11");
    assertThat(Settings.within("attempts", 10, 1, 10)).isEqualTo(10);
  }
}
