package dev.argos.core.internal;

import dev.argos.core.DataKeys;
import dev.argos.core.Signal;

/**
 * Commits each signal the bus routes as the JFR event {@code dev.argos.Signal} (type, key,
 * severity, message, episode, source), so that it shows in JDK Mission Control on the timeline
 * beside the GC and safepoint events.
 *
 * <p>Free when no recording is running: {@link #commit(Signal)} asks JFR whether the event is
 * enabled before it reads a single field of the signal (JFR answers from one flag once the event
 * class is registered, and the empty event object is not allocated after JIT compilation);
 * measured in {@code argos-benchmarks}' {@code JfrSignalBenchmark}. On a runtime without the
 * {@code jdk.jfr} module (a trimmed jlink image) it does nothing.
 *
 * <p><b>Not API.</b> Public only for Argos's modules and benchmarks.
 */
public final class JfrSignals {
  /** The JFR event name. */
  public static final String EVENT_NAME = "dev.argos.Signal";

  private static final boolean AVAILABLE = available();

  private JfrSignals() {}

  private static boolean available() {
    try {
      // loads the event class; fails on a runtime without jdk.jfr
      Class.forName(JfrSignalEvent.class.getName(), true, JfrSignals.class.getClassLoader());
      return true;
    } catch (Throwable t) { // LinkageError, SecurityException: JFR is simply not there
      return false;
    }
  }

  /** Whether JFR is available on this runtime (the event class could be loaded). */
  public static boolean isAvailable() {
    return AVAILABLE;
  }

  /**
   * Commits {@code signal} as a {@code dev.argos.Signal} event when a recording that enables it
   * is running; otherwise returns at once. Never throws.
   */
  public static void commit(Signal signal) {
    if (!AVAILABLE) {
      return;
    }
    try {
      JfrSignalEvent event = new JfrSignalEvent();
      if (!event.shouldCommit()) {
        return;
      }
      event.type = signal.type();
      event.key = signal.key();
      event.severity = signal.severity().name();
      event.message = signal.message();
      Object episode = signal.data().get(DataKeys.EPISODE);
      event.episode = episode == null ? null : episode.toString();
      event.source = signal.source();
      event.commit();
    } catch (Throwable t) { // never reaches the bus
    }
  }
}
