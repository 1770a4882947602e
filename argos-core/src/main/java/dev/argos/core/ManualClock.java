package dev.argos.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Clock} that moves only when told to: for deterministic tests of detectors. Both
 * {@link #nanoTime()} and {@link #instant()} move together. Thread-safe.
 */
public final class ManualClock implements Clock {
  private final Instant start;
  private final AtomicLong elapsedNanos = new AtomicLong();

  ManualClock(Instant start) {
    this.start = Objects.requireNonNull(start, "start");
  }

  /**
   * Moves the clock forward by {@code duration}.
   *
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public ManualClock advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative but was " + duration);
    }
    elapsedNanos.addAndGet(duration.toNanos());
    return this;
  }

  /** Moves the clock forward by {@code millis} milliseconds. */
  public ManualClock advanceMillis(long millis) {
    return advance(Duration.ofMillis(millis));
  }

  @Override
  public long nanoTime() {
    return elapsedNanos.get();
  }

  @Override
  public Instant instant() {
    return start.plusNanos(elapsedNanos.get());
  }

  @Override
  public String toString() {
    return "ManualClock[" + instant() + "]";
  }

  /** False: it moves only when {@link #advance} is called. */
  @Override
  public boolean movesByItself() {
    return false;
  }
}
