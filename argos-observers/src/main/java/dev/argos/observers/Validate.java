package dev.argos.observers;

import java.time.Duration;
import java.util.Objects;

/** Argument checks with the setting's name and the bad value in the message. */
final class Validate {
  private Validate() {}

  static Duration positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
    return value;
  }

  /** A share in (0, 1]. */
  static double share(String name, double value) {
    if (Double.isNaN(value) || value <= 0 || value > 1) {
      throw new IllegalArgumentException(name + " must be in (0, 1] but was " + value);
    }
    return value;
  }

  static double greaterThanOne(String name, double value) {
    if (Double.isNaN(value) || Double.isInfinite(value) || value <= 1) {
      throw new IllegalArgumentException(name + " must be a finite number > 1 but was " + value);
    }
    return value;
  }

  static double positive(String name, double value) {
    if (Double.isNaN(value) || Double.isInfinite(value) || value <= 0) {
      throw new IllegalArgumentException(name + " must be a finite number > 0 but was " + value);
    }
    return value;
  }

  static int positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
    return value;
  }
}
