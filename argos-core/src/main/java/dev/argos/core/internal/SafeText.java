package dev.argos.core.internal;

import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * Makes untrusted text (client keys, header values, messages) safe for a log line: control
 * characters, line and paragraph separators, bidirectional overrides and unpaired surrogates are
 * escaped as {@code \n}, {@code \r}, {@code \t} or {@code \}{@code uXXXX}, and the result is
 * capped in length with a trailing {@code "..."}. A cut never splits an escape or a surrogate
 * pair, so the result is always well-formed UTF-16. No locale is involved.
 *
 * <p>Not API: see the package documentation. A {@code Signal}'s {@code toString()} is already safe
 * to log.
 */
public final class SafeText {
  /** What a cut text of {@link #neutralise} ends with. */
  private static final String CUT_MARK = "...";

  private static final HexFormat HEX = HexFormat.of();

  private SafeText() {}

  /**
   * Returns {@code text} neutralised ({@code "null"} for null): at most {@code maxLength}
   * characters of escaped text, followed by {@code "..."} when something was cut, so at most
   * {@code maxLength + 3} characters in all.
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
    if (text.length() <= maxLength && isClean(text)) {
      return text.toString();
    }
    return write(text, maxLength, true);
  }

  /**
   * Caps {@code text} at {@code maxLength} characters without escaping anything; a surrogate
   * pair that the cut would split is dropped whole, so the result may be one character shorter.
   */
  public static String cap(String text, int maxLength) {
    if (text.length() <= maxLength) {
      return text;
    }
    return write(text, Math.max(0, maxLength), false);
  }

  /**
   * The one capping loop of both methods: copies whole code points (and whole escapes when
   * {@code escape}) while they fit in {@code maxLength}; when {@code escape}, a cut text ends in
   * {@link #CUT_MARK}.
   */
  private static String write(CharSequence text, int maxLength, boolean escape) {
    int n = text.length();
    StringBuilder out = new StringBuilder(Math.min(n, maxLength) + CUT_MARK.length());
    for (int i = 0; i < n; ) {
      char c = text.charAt(i);
      boolean pair =
          Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1));
      int units = pair ? 2 : 1;
      boolean escaped = escape && !pair && needsEscape(c);
      int width = escaped ? escapeWidth(c) : units;
      if (out.length() + width > maxLength) {
        if (escape) {
          out.append(CUT_MARK);
        }
        break;
      }
      if (escaped) {
        appendEscape(out, c);
      } else {
        out.append(c);
        if (pair) {
          out.append(text.charAt(i + 1));
        }
      }
      i += units;
    }
    return out.toString();
  }

  private static int escapeWidth(char c) {
    return c == '\n' || c == '\r' || c == '\t' ? 2 : 6;
  }

  private static void appendEscape(StringBuilder out, char c) {
    switch (c) {
      case '\n' -> out.append("\\n");
      case '\r' -> out.append("\\r");
      case '\t' -> out.append("\\t");
      default -> out.append("\\u").append(HEX.toHexDigits(c));
    }
  }

  /** True when nothing in {@code text} needs escaping (every surrogate is paired). */
  private static boolean isClean(CharSequence text) {
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (needsEscape(c)) {
        return false;
      }
    }
    return true;
  }

  /** For a character that is not the first half of a surrogate pair. */
  private static boolean needsEscape(char c) {
    return Character.isISOControl(c)
        || Character.isSurrogate(c)
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
