package dev.argos.core.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Checks of configuration values for the builders of every module: each returns the value or
 * throws an {@link IllegalArgumentException} whose message names the setting, the bad value and
 * what is allowed ({@code "window must be in [PT0.001S, PT168H] but was PT0S"}), and a {@link
 * NullPointerException} naming the setting for null.
 *
 * <p>Not API: see the package documentation.
 */
public final class Settings {
  /**
   * The longest duration any setting may take: its nanoseconds must fit in a {@code long} (about
   * 292 years), since deadlines are computed in nanoseconds. Longer ones ({@code
   * ChronoUnit.FOREVER}, {@code Duration.ofMillis(Long.MAX_VALUE)}) are refused when set rather
   * than failing later with an {@link ArithmeticException}.
   */
  public static final Duration NANOS_RANGE = Duration.ofNanos(Long.MAX_VALUE);

  private Settings() {}

  /** {@code value} if it is above zero. */
  public static int positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
    return value;
  }

  /** {@code value} if it is above zero and within {@link #NANOS_RANGE}. */
  public static Duration positive(String name, Duration value) {
    return positive(name, value, NANOS_RANGE);
  }

  /** {@code value} if it is above zero and at most {@code max}. */
  public static Duration positive(String name, Duration value, Duration max) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
    return within(name, value, Duration.ofNanos(1), max);
  }

  /** {@code value} if it lies in [{@code min}, {@code max}]. */
  public static Duration within(String name, Duration value, Duration min, Duration max) {
    Objects.requireNonNull(value, name);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          name + " must be in [" + min + ", " + max + "] but was " + value);
    }
    return value;
  }

  /** {@code value} if it lies in [{@code min}, {@code max}]. */
  public static int within(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be in [" + min + ", " + max + "] but was " + value);
    }
    return value;
  }
}
