package dev.argos.core;

import java.time.Instant;

/**
 * The source of time for every Argos detector, injected so that detectors can be tested
 * deterministically with a {@link ManualClock}.
 */
public interface Clock {
  /** Monotonic nanoseconds, as {@link System#nanoTime()}: only differences are meaningful. */
  long nanoTime();

  /** Wall-clock time, used for signal timestamps. */
  Instant instant();

  /**
   * True when this clock moves by itself with real time, as the system clock (or a clock of
   * yours built over it) does: Argos then runs its {@code argos-sampler} thread and listens to
   * the JVM's collectors. False for a {@link ManualClock}, which moves only when told: Argos
   * starts no thread and listens to no collector, and a test drives the samplers by hand.
   */
  default boolean movesByItself() {
    return true;
  }

  /** The system clock: {@link System#nanoTime()} and {@link Instant#now()}. */
  static Clock system() {
    return SystemClock.INSTANCE;
  }

  /** A new manual clock starting at the epoch + 1 day, moved only by {@link ManualClock#advance}. */
  static ManualClock manual() {
    return new ManualClock(Instant.ofEpochSecond(86_400));
  }

  /** A new manual clock whose wall time starts at {@code start}. */
  static ManualClock manual(Instant start) {
    return new ManualClock(start);
  }
}
