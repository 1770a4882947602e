package dev.argos.core.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Checks of configuration values, with the setting's name and the bad value in the message, for
 * the builders of every module.
 *
 * <p>Not API: see the package documentation.
 */
public final class Settings {
  private Settings() {}

  /**
   * {@code value} if it is positive and at most {@code max}. A duration beyond {@code max} (one
   * whose nanoseconds overflow, {@code ChronoUnit.FOREVER}) is refused here rather than failing
   * later.
   *
   * @throws NullPointerException naming the setting if {@code value} is null
   * @throws IllegalArgumentException naming the setting and the value otherwise
   */
  public static Duration positiveDuration(String name, Duration value, Duration max) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
    return atMost(name, value, max);
  }

  /**
   * {@code value} if it lies in [{@code min}, {@code max}].
   *
   * @throws NullPointerException naming the setting if {@code value} is null
   * @throws IllegalArgumentException naming the setting and the value otherwise
   */
  public static Duration duration(String name, Duration value, Duration min, Duration max) {
    Objects.requireNonNull(value, name);
    if (value.compareTo(min) < 0) {
      throw new IllegalArgumentException(name + " must be at least " + min + " but was " + value);
    }
    return atMost(name, value, max);
  }

  private static Duration atMost(String name, Duration value, Duration max) {
    if (value.compareTo(max) > 0) {
      throw new IllegalArgumentException(name + " must be at most " + max + " but was " + value);
    }
    return value;
  }

  /**
   * {@code value} if it lies in [{@code min}, {@code max}].
   *
   * @throws IllegalArgumentException naming the setting and the value otherwise
   */
  public static int intRange(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be between " + min + " and " + max + " but was " + value);
    }
    return value;
  }
}
