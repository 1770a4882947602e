package dev.argos.agent;

import dev.argos.core.internal.SafeText;
import java.io.PrintStream;
import java.time.Instant;

/**
 * The agent's own line format on standard error, one line per event, never throwing:
 *
 * <pre>{@code 2026-12-02T05:40:01.123Z [argos-agent] WARN dev.argos.signals - <text>}</pre>
 *
 * <p>The text is neutralised (control characters escaped, at most {@value #MAX_TEXT} characters),
 * so nothing of a signal's key or message can split or forge a line.
 */
final class StderrLog {
  static final String TAG = "[argos-agent]";
  static final int MAX_TEXT = 8192;

  private StderrLog() {}

  /** Writes one line: {@code level} and {@code logger} name, then {@code text}. */
  static void line(String level, String logger, String text) {
    try {
      PrintStream err = System.err;
      err.println(
          Instant.now()
              + " "
              + TAG
              + " "
              + level
              + " "
              + SafeText.neutralise(logger, 200)
              + " - "
              + SafeText.neutralise(text, MAX_TEXT));
    } catch (Throwable ignored) { // standard error closed or broken: nothing to do
    }
  }

  /** A line of the agent itself (start, options): logger {@code dev.argos.agent}. */
  static void agent(String level, String text) {
    line(level, "dev.argos.agent", text);
  }
}
