package dev.argos.observers;

/**
 * Checks of number settings with the setting's name and the bad value in the message (durations
 * and sizes: {@code dev.argos.core.internal.Settings}, shared by every module).
 */
final class Validate {
  private Validate() {}

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
}
