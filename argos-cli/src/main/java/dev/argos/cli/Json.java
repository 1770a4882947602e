package dev.argos.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.argos.signals.internal.SafeJsonEscapes;
import org.jspecify.annotations.Nullable;

/**
 * JSON the command prints: control, line-separator and bidirectional-override characters are
 * escaped (so a key from the registry cannot move a terminal's cursor or fake a line), and, for
 * JSON embedded in the HTML report, {@code <}, {@code >} and {@code &} too (so no value can close
 * the {@code <script>} element it sits in).
 */
final class Json {
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
    f.setCharacterEscapes(new SafeJsonEscapes(html));
    return new ObjectMapper(f);
  }

}
