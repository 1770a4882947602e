package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** The package's shared checks: a positive duration must also fit in nanoseconds (issue 11 §2.5). */
class ChecksTest {
  @Test
  void positiveDurationsWhoseNanosecondsOverflowAreRefusedNamingTheSetting() {
    for (Duration d : new Duration[] {Duration.ofMillis(Long.MAX_VALUE), ChronoUnit.FOREVER.getDuration()}) {
      assertThatThrownBy(() -> Checks.positive("window", d))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("window must be in [")
          .hasMessageContaining("but was " + d);
    }
    assertThat(Checks.positive("window", Checks.NANOS_RANGE)).isEqualTo(Checks.NANOS_RANGE);
    assertThat(Checks.NANOS_RANGE.toNanos()).isEqualTo(Long.MAX_VALUE);
    assertThatThrownBy(() -> Checks.positive("window", Duration.ZERO))
        .hasMessage("window must be positive but was PT0S");
  }

  @Test
  void withinNamesTheSettingTheRangeAndTheValue() {
    assertThatThrownBy(() -> Checks.within("attempts", 11, 1, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attempts must be in [1, 10] but was 11");
    assertThat(Checks.within("attempts", 10, 1, 10)).isEqualTo(10);
  }
}
