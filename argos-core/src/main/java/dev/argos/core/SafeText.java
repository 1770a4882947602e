package dev.argos.core;

import org.jspecify.annotations.Nullable;

/**
 * Makes untrusted text (client keys, header values, messages) safe for a log line: control
 * characters, line and paragraph separators and bidirectional overrides are escaped as {@code
 * \n}, {@code \r}, {@code \t} or {@code \}{@code uXXXX}, and the result is capped in length with
 * a trailing {@code "..."}.
 */
public final class SafeText {
  private SafeText() {}

  /**
   * Returns {@code text} neutralised and at most about {@code maxLength} characters long ({@code
   * "null"} for null).
   *
   * @throws IllegalArgumentException if {@code maxLength} is below 8
   */
  public static String neutralise(@Nullable CharSequence text, int maxLength) {
    if (maxLength < 8) {
      throw new IllegalArgumentException("maxLength must be at least 8 but was " + maxLength);
    }
    if (text == null) {
      return "null";
    }
    int n = text.length();
    if (n <= maxLength && isClean(text)) {
      return text.toString();
    }
    StringBuilder out = new StringBuilder(Math.min(n, maxLength) + 8);
    for (int i = 0; i < n; i++) {
      if (out.length() >= maxLength) {
        out.append("...");
        break;
      }
      char c = text.charAt(i);
      if (!needsEscape(c)) {
        out.append(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else {
        out.append(String.format("\\u%04x", (int) c));
      }
    }
    return out.toString();
  }

  /** Caps {@code text} at {@code maxLength} characters without escaping anything. */
  static String cap(String text, int maxLength) {
    if (text.length() <= maxLength) {
      return text;
    }
    int end = maxLength;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }

  private static boolean isClean(CharSequence text) {
    for (int i = 0, n = text.length(); i < n; i++) {
      if (needsEscape(text.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean needsEscape(char c) {
    return Character.isISOControl(c)
        || c == '\u2028'
        || c == '\u2029'
        || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u2066' && c <= '\u2069')
        || c == '\u200e'
        || c == '\u200f'
        || c == '\u061c'
        || c == '\ufeff';
  }
}
