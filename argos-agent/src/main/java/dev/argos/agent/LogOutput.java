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

  private LogOutput() {}

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
    AppSlf4j a = app();
    if (a != null) {
      return a.isEnabled(logger, level);
    }
    return level.toInt() >= Level.INFO.toInt();
  }

  static void log(String logger, Level level, String text, @Nullable Throwable t) {
    String line = t == null ? text : text + " (" + Throwables.describe(t) + ")";
    AppSlf4j a = app();
    if (a != null && a.log(logger, level, line)) {
      return;
    }
    if (level.toInt() >= Level.INFO.toInt()) {
      StderrLog.line(level.name(), logger, line);
    }
  }
}
