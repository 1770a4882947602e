package dev.argos.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * JSON the command prints: control, line-separator and bidirectional-override characters are
 * escaped (so a key from the registry cannot move a terminal's cursor or fake a line), and, for
 * JSON embedded in the HTML report, {@code <}, {@code >} and {@code &} too (so no value can close
 * the {@code <script>} element it sits in).
 */
final class Json {
  private static final HexFormat HEX = HexFormat.of();
  private static final ObjectMapper TEXT = mapper(false);
  private static final ObjectMapper HTML = mapper(true);

  private Json() {}

  /** The mapper used to read lines (plain Jackson). */
  static ObjectMapper reader() {
    return TEXT;
  }

  /** Pretty-printed JSON, safe for a terminal. */
  static String pretty(@Nullable Object value) {
    return write(TEXT, value, true);
  }

  /** One-line JSON, safe for a terminal. */
  static String compact(@Nullable Object value) {
    return write(TEXT, value, false);
  }

  /** One-line JSON that can sit inside an HTML {@code <script>} element. */
  static String forHtml(@Nullable Object value) {
    return write(HTML, value, false);
  }

  private static String write(ObjectMapper m, @Nullable Object value, boolean pretty) {
    try {
      return pretty
          ? m.writerWithDefaultPrettyPrinter().writeValueAsString(value)
          : m.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise", e);
    }
  }

  private static ObjectMapper mapper(boolean html) {
    JsonFactory f = new JsonFactory();
    f.setCharacterEscapes(new SafeEscapes(html));
    return new ObjectMapper(f);
  }

  /** Escapes what a terminal or an HTML parser would act on. */
  static final class SafeEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private final int[] ascii;

    SafeEscapes(boolean html) {
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
      return ascii;
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
}
