package dev.argos.agent;

import dev.argos.core.internal.Throwables;
import org.jspecify.annotations.Nullable;
import org.slf4j.event.Level;

/**
 * Where the agent's log lines go, decided once, at the first line (so that the application's
 * logging is not initialised by the agent before its {@code main} runs): the application's SLF4J
 * when it has a working one on the system class path ({@link AppSlf4j}), else standard error
 * ({@link StderrLog}, INFO and above). Option {@code log=stderr} skips the search.
 *
 * <p>Throwables are never handed over: a line carries their one-line description (class and
 * neutralised message), never a stack trace, as everywhere in Argos.
 */
final class LogOutput {
  private static volatile boolean stderrOnly;
  private static volatile boolean resolved;
  private static volatile @Nullable AppSlf4j app;
  private static volatile @Nullable Thread starting;

  private LogOutput() {}

  /**
   * While the agent starts on {@code thread} (null: no longer), lines logged on that thread before
   * the first line decided where lines go (the live page's "on URI" line) go to standard error
   * like the start line, without deciding: the application's logging is never initialised by the
   * agent's start, in parallel with its {@code main}.
   */
  static void startingOn(@Nullable Thread thread) {
    starting = thread;
  }

  /** Whether the first line has decided where lines go (for tests). */
  static boolean resolved() {
    return resolved;
  }

  /** Tests only: undecided again, nothing starting. */
  static synchronized void resetForTests() {
    resolved = false;
    app = null;
    starting = null;
    stderrOnly = false;
  }

  private static boolean deferred() {
    return !resolved && Thread.currentThread() == starting;
  }

  /** Called before Argos starts: {@code log=stderr} forces standard error. */
  static void stderrOnly(boolean only) {
    stderrOnly = only;
  }

  private static @Nullable AppSlf4j app() {
    if (!resolved) {
      synchronized (LogOutput.class) {
        if (!resolved) {
          AppSlf4j found = stderrOnly ? null : AppSlf4j.find();
          app = found;
          resolved = true;
          if (found != null) {
            StderrLog.agent(
                "INFO", "Argos logs to the application's SLF4J (" + found.describe() + ")");
          }
        }
      }
    }
    return app;
  }

  static boolean isEnabled(String logger, Level level) {
    if (deferred()) {
      return level.toInt() >= Level.INFO.toInt();
    }
    AppSlf4j a = app();
    if (a != null) {
      return a.isEnabled(logger, level);
    }
    return level.toInt() >= Level.INFO.toInt();
  }

  static void log(String logger, Level level, String text, @Nullable Throwable t) {
    String line = t == null ? text : text + " (" + Throwables.describe(t) + ")";
    AppSlf4j a = deferred() ? null : app();
    if (a != null && a.log(logger, level, line)) {
      return;
    }
    if (level.toInt() >= Level.INFO.toInt()) {
      StderrLog.line(level.name(), logger, line);
    }
  }
}
