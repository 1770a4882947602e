package dev.argos.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.argos.signals.internal.SafeJsonEscapes;
import dev.argos.core.Signal;
import dev.argos.core.internal.SafeText;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * JSON for the page's API and event stream: one shared {@link ObjectMapper} whose output is safe
 * in any HTML or script context ({@code <}, {@code >}, {@code &}, {@code '} and the line
 * separators U+2028 / U+2029 written as {@code \}{@code uXXXX}), never pretty-printed, so one
 * document is one line (an SSE {@code data:} line). Values are trimmed for display: strings
 * neutralised and capped, lists and maps cut, non-finite numbers written as null.
 */
final class Json {
  /** Longest string value sent, before escaping. */
  static final int MAX_STRING = 512;
  /** Most elements of a list or entries of a map sent. */
  static final int MAX_ENTRIES = 32;
  /** Longest map key sent (figure names are up to 512 characters before escaping). */
  static final int MAX_NAME = 600;
  /** Nesting kept; deeper values become a marker. */
  static final int MAX_DEPTH = 4;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  static {
    MAPPER.getFactory().setCharacterEscapes(new SafeJsonEscapes(true));
  }

  private Json() {}

  /** {@code value} as one line of UTF-8 JSON. */
  static byte[] bytes(@Nullable Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      // only plain maps, lists, strings, numbers and booleans are written: cannot happen
      return ("{\"error\":\"" + e.getClass().getSimpleName() + "\"}")
          .getBytes(StandardCharsets.UTF_8);
    }
  }

  /** A signal as the page shows it; {@code seq} orders the stream. */
  static Map<String, @Nullable Object> signal(Signal s, long seq) {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put("seq", seq);
    m.put("type", s.type());
    m.put("severity", s.severity().name());
    m.put("timestamp", s.timestamp().toString());
    m.put("source", text(s.source()));
    String key = s.key();
    m.put("key", key); // as it is: what a release names (escaped as JSON, shown only as text)
    m.put("keyText", key == null ? null : text(key));
    m.put("message", SafeText.neutralise(s.message(), Signal.MAX_MESSAGE_LENGTH));
    m.put("data", trim(s.data(), 0));
    return m;
  }

  /** Display form of untrusted text: neutralised (controls, bidi overrides escaped), capped. */
  static String text(@Nullable String s) {
    return SafeText.neutralise(s, MAX_STRING);
  }

  /**
   * Every figure of a snapshot (Argos bounds how many there are), not only the first {@link
   * #MAX_ENTRIES} as {@link #trim} would keep of another map: names neutralised and kept whole up
   * to {@link #MAX_NAME}, values trimmed.
   */
  static Map<String, @Nullable Object> figures(Map<String, ?> figures) {
    Map<String, @Nullable Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, ?> e : figures.entrySet()) {
      out.put(SafeText.neutralise(e.getKey(), MAX_NAME), trim(e.getValue(), 1));
    }
    return out;
  }

  /** {@code v} in the page's bounds: see the class documentation. */
  static @Nullable Object trim(@Nullable Object v, int depth) {
    if (v == null || v instanceof Boolean || v instanceof Long || v instanceof Integer
        || v instanceof BigInteger || v instanceof BigDecimal) {
      return v;
    }
    if (v instanceof Number n) {
      double d = n.doubleValue();
      return Double.isFinite(d) ? d : null;
    }
    if (v instanceof CharSequence cs) {
      return SafeText.neutralise(cs, MAX_STRING);
    }
    if (v instanceof List<?> || v instanceof Map<?, ?>) {
      if (depth >= MAX_DEPTH) {
        return "<nested deeper than " + MAX_DEPTH + ">";
      }
      if (v instanceof List<?> list) {
        List<@Nullable Object> out = new ArrayList<>();
        for (Object o : list) {
          if (out.size() >= MAX_ENTRIES) {
            out.add("... " + (list.size() - MAX_ENTRIES) + " more");
            break;
          }
          out.add(trim(o, depth + 1));
        }
        return out;
      }
      Map<?, ?> map = (Map<?, ?>) v;
      Map<String, @Nullable Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (out.size() >= MAX_ENTRIES) {
          break;
        }
        String name = SafeText.neutralise(String.valueOf(e.getKey()), MAX_NAME);
        out.put(name, trim(e.getValue(), depth + 1));
      }
      return out;
    }
    return SafeText.neutralise(String.valueOf(v), MAX_STRING);
  }

}
