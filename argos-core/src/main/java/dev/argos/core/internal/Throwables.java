package dev.argos.core.internal;

import org.jspecify.annotations.Nullable;

/**
 * Describes a throwable from untrusted code (a user callback, a listener, a hook) safely for a
 * log line or a signal: the class name and the message, both neutralised with {@link
 * SafeText#neutralise(CharSequence, int)} (no newline, ESC or bidi control survives) and
 * bounded in length. Never throws, even when {@link Throwable#getMessage()} does.
 *
 * <p>Log such failures as {@code log.warn("... {}", Throwables.describe(t))}, never by passing
 * the throwable itself to the logger: its message (and its causes') would be printed verbatim.
 *
 * <p>Not API: see the package documentation.
 */
public final class Throwables {
  /** Default bound on the message part of {@link #describe(Throwable)}, in characters. */
  public static final int DEFAULT_MAX_MESSAGE = 256;

  private static final int MAX_CLASS_NAME = 160;

  private Throwables() {}

  /**
   * {@code "<class name>: <message>"} (or the class name alone when the message is null),
   * neutralised; the message part at most about {@value #DEFAULT_MAX_MESSAGE} characters.
   * Returns {@code "null"} for null.
   */
  public static String describe(@Nullable Throwable t) {
    return describe(t, DEFAULT_MAX_MESSAGE);
  }

  /**
   * As {@link #describe(Throwable)} with the message part capped at about {@code maxMessage}
   * characters (at least 8).
   */
  public static String describe(@Nullable Throwable t, int maxMessage) {
    if (t == null) {
      return "null";
    }
    String name = SafeText.neutralise(t.getClass().getName(), MAX_CLASS_NAME);
    String message;
    try {
      message = t.getMessage();
    } catch (Throwable e) { // a hostile getMessage() must not escape
      return name
          + ": <getMessage() threw "
          + SafeText.neutralise(e.getClass().getName(), MAX_CLASS_NAME)
          + ">";
    }
    if (message == null) {
      return name;
    }
    return name + ": " + SafeText.neutralise(message, Math.max(8, maxMessage));
  }

  /**
   * The throwable's message alone, neutralised and capped at about {@code maxMessage}
   * characters; {@code "null"} when it has none. Never throws.
   */
  public static String message(@Nullable Throwable t, int maxMessage) {
    if (t == null) {
      return "null";
    }
    try {
      return SafeText.neutralise(t.getMessage(), Math.max(8, maxMessage));
    } catch (Throwable e) {
      return "<getMessage() threw>";
    }
  }
}
