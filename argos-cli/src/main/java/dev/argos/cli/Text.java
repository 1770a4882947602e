package dev.argos.cli;

import dev.argos.core.internal.SafeText;
import org.jspecify.annotations.Nullable;

/** Text from a registry made safe for one line of a terminal. */
final class Text {
  private Text() {}

  /** Control, line-separator and bidi characters escaped; cut at {@code max} characters. */
  static String safe(@Nullable Object value, int max) {
    return SafeText.neutralise(value == null ? "" : String.valueOf(value), max);
  }
}
