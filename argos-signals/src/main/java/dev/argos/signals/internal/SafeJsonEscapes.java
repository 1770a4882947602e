package dev.argos.signals.internal;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * The JSON escapes of every JSON Argos writes from untrusted text (keys, messages, data): on top
 * of JSON's own, DEL, the C1 controls, the line and paragraph separators, bidirectional controls
 * and marks, the byte-order mark and lone surrogates become {@code \\uXXXX}, so that a registry
 * line shown in a terminal or a log cannot move the cursor, reorder text or forge a line. With
 * {@code html}, also {@code < > & '}, so that the JSON can sit inside an HTML {@code <script>}
 * element or attribute (the report, the live page). Internal, not API.
 */
public final class SafeJsonEscapes extends CharacterEscapes {
  private static final long serialVersionUID = 1L;
  private static final HexFormat HEX = HexFormat.of();

  private final int[] ascii;

  /** The escapes for terminals and logs; with {@code html}, for an HTML page too. */
  public SafeJsonEscapes(boolean html) {
    ascii = standardAsciiEscapesForJSON();
    ascii[0x7f] = ESCAPE_STANDARD;
    if (html) {
      ascii['<'] = ESCAPE_STANDARD;
      ascii['>'] = ESCAPE_STANDARD;
      ascii['&'] = ESCAPE_STANDARD;
      ascii['\''] = ESCAPE_STANDARD;
    }
  }

  @Override
  public int[] getEscapeCodesForAscii() {
    return ascii.clone();
  }

  @Override
  public @Nullable SerializableString getEscapeSequence(int ch) {
    if ((ch >= 0x80 && ch <= 0x9f)
        || ch == 0x2028
        || ch == 0x2029
        || (ch >= 0x202a && ch <= 0x202e)
        || (ch >= 0x2066 && ch <= 0x2069)
        || ch == 0x200e
        || ch == 0x200f
        || ch == 0x061c
        || ch == 0xfeff
        || (ch >= 0xd800 && ch <= 0xdfff)) {
      return new SerializedString("\\u" + HEX.toHexDigits((char) ch));
    }
    return null;
  }
}
