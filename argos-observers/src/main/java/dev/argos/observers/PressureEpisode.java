package dev.argos.observers;

import dev.argos.core.Severity;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The edge-triggered state of one condition (one key and reason) of the heap and resource
 * samplers: a signal when it starts, again only when its severity rises, and one resolved signal
 * when it ends. Used on the sampler thread only.
 */
final class PressureEpisode {
  private @Nullable Severity severity;
  private long startNanos;

  boolean active() {
    return severity != null;
  }

  /** The highest severity signalled in this episode, or null when none is running. */
  @Nullable Severity severity() {
    return severity;
  }

  /**
   * The condition holds at {@code level}: true when a signal must be emitted (the episode starts,
   * or {@code level} is above what was signalled so far).
   */
  boolean raise(Severity level, long nowNanos) {
    Severity s = severity;
    if (s == null) {
      severity = level;
      startNanos = nowNanos;
      return true;
    }
    if (level.compareTo(s) > 0) {
      severity = level;
      return true;
    }
    return false;
  }

  /**
   * The condition cleared: the episode's duration in milliseconds when one was running (a
   * resolved signal must be emitted), else -1.
   */
  long clear(long nowNanos) {
    if (severity == null) {
      return -1;
    }
    severity = null;
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(nowNanos - startNanos));
  }
}
