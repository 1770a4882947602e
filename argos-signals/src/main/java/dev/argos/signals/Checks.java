package dev.argos.signals;

import java.time.Duration;
import java.util.Objects;

/** Argument checks of the builders in this package: the setting's name and the bad value. */
final class Checks {
  /**
   * The longest duration a setting may take anywhere in this package: its nanoseconds must fit in a
   * {@code long} (about 292 years), since deadlines are computed in nanoseconds.
   */
  static final Duration NANOS_RANGE = Duration.ofNanos(Long.MAX_VALUE);

  private Checks() {}

  static int positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
    return value;
  }

  /** Positive and within the nanosecond range ({@link #NANOS_RANGE}). */
  static Duration positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
    return within(name, value, Duration.ofNanos(1), NANOS_RANGE);
  }

  /** {@code value} in {@code [min, max]}; the message names the setting, the value and the range. */
  static Duration within(String name, Duration value, Duration min, Duration max) {
    Objects.requireNonNull(value, name);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          name + " must be in [" + min + ", " + max + "] but was " + value);
    }
    return value;
  }

  /** {@code value} in {@code [min, max]}; the message names the setting, the value and the range. */
  static int within(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be in [" + min + ", " + max + "] but was " + value);
    }
    return value;
  }
}
