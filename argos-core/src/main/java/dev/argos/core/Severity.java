package dev.argos.core;

/** How urgent a {@link Signal} is, in increasing order. */
public enum Severity {
  /** Informational: an episode ended ({@code data.state = "resolved"}) or a notable fact. */
  INFO,
  /** Abnormal behaviour that a person should look at soon. */
  WARNING,
  /** Abnormal behaviour that hurts the application now. */
  CRITICAL;

  /** The next level up, or {@code CRITICAL} when already there. */
  public Severity escalate() {
    return this == INFO ? WARNING : CRITICAL;
  }

  /** True when this severity is {@code other} or higher. */
  public boolean isAtLeast(Severity other) {
    return compareTo(other) >= 0;
  }
}
