package dev.argos.forensics;

import dev.argos.core.Clock;
import dev.argos.core.internal.Settings;
import java.time.Duration;

/**
 * The load-shedding gate the application checks ({@code forensics.shedding()}), opened for a
 * while by the {@link Actions#shedLoad(Duration)} action.
 *
 * <p>{@link #shedding()} is meant for the hot path: while not shedding it reads one volatile
 * field (no clock, no lock, no allocation); while shedding it reads the clock once. Thread-safe.
 */
final class LoadShedGate {
  private final Clock clock;
  private volatile boolean active;
  // guarded by this when written; read racily only after `active`
  private volatile long untilNanos;

  LoadShedGate(Clock clock) {
    this.clock = clock;
  }

  /** True while load should be shed. Never blocks, never throws. */
  boolean shedding() {
    if (!active) {
      return false;
    }
    if (clock.nanoTime() - untilNanos < 0) {
      return true;
    }
    synchronized (this) {
      if (active && clock.nanoTime() - untilNanos >= 0) {
        active = false;
      }
      return active;
    }
  }

  /**
   * Sheds load for {@code duration} from now, or longer if already shedding longer.
   *
   * @throws IllegalArgumentException if {@code duration} is not positive
   */
  synchronized void shedFor(Duration duration) {
    Settings.positive("shedFor", duration);
    long until = clock.nanoTime() + duration.toNanos();
    if (!active || until - untilNanos > 0) {
      untilNanos = until;
    }
    active = true;
  }

  /** Stops shedding now. */
  synchronized void stop() {
    active = false;
  }
}
