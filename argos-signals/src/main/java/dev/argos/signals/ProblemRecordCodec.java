package dev.argos.signals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.internal.SafeText;
import dev.argos.signals.internal.SafeJsonEscapes;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Turns signals into registry lines and lines back into {@link ProblemRecord}s. Shared by {@link
 * ProblemRegistry} and {@link WebhookSink} so that both write the same shape.
 */
final class ProblemRecordCodec {
  /** Longest line written; a record whose line would be longer has its data replaced. */
  static final int MAX_LINE_BYTES = 64 * 1024;

  private static final Pattern DIGITS = Pattern.compile("[0-9]+");
  private static final HexFormat HEX = HexFormat.of();

  /** The mapper every registry line goes through (thread-safe once configured). */
  static final ObjectMapper MAPPER = newMapper();

  private ProblemRecordCodec() {}

  private static ObjectMapper newMapper() {
    JsonFactory f = new JsonFactory();
    f.setCharacterEscapes(new SafeJsonEscapes(false));
    return new ObjectMapper(f);
  }

  /** See {@link ProblemRegistry#problemKey(String, String, String)}. */
  static String problemKey(String type, @Nullable String key, String message) {
    String basis = (key == null ? "" : key) + "|" + withoutNumbers(message);
    byte[] hash;
    try {
      hash = MessageDigest.getInstance("SHA-256").digest(basis.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    return type + ':' + HEX.formatHex(hash, 0, 8);
  }

  /** Every run of ASCII digits replaced by one {@code '#'}: "lag 120 ms" becomes "lag # ms". */
  static String withoutNumbers(String message) {
    return DIGITS.matcher(message).replaceAll("#");
  }

  static ProblemRecord fromSignal(
      Signal s, ProblemRegistry.Action action, String host, long pid, String app) {
    return new ProblemRecord(
        s.timestamp(),
        s.severity(),
        s.type(),
        s.key(),
        s.message(),
        s.data(),
        problemKey(s.type(), s.key(), s.message()),
        action.taken(),
        action.result(),
        host,
        pid,
        app);
  }

  /** The record as one JSON line ending in {@code '\n'}, at most {@link #MAX_LINE_BYTES}. */
  static byte[] toLine(ProblemRecord r) throws IOException {
    byte[] line = write(r, r.data());
    if (line.length > MAX_LINE_BYTES) {
      Map<String, @Nullable Object> cut = new LinkedHashMap<>();
      cut.put("truncated", true);
      cut.put("originalBytes", line.length);
      line = write(r, cut);
    }
    return line;
  }

  /** The record as a JSON object without the trailing newline (a webhook body). */
  static byte[] toJson(ProblemRecord r) throws IOException {
    byte[] line = toLine(r);
    byte[] body = new byte[line.length - 1];
    System.arraycopy(line, 0, body, 0, body.length);
    return body;
  }

  private static byte[] write(ProblemRecord r, Map<String, @Nullable Object> data)
      throws IOException {
    try (ByteArrayBuilder out = new ByteArrayBuilder(512)) {
      try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
        g.writeStartObject();
        g.writeStringField("ts", r.ts().toString());
        g.writeStringField("severity", r.severity().name());
        g.writeStringField("type", r.type());
        g.writeStringField("key", r.key());
        g.writeStringField("message", r.message());
        g.writeFieldName("data");
        MAPPER.writeValue(g, data);
        g.writeStringField("problemKey", r.problemKey());
        g.writeStringField("actionTaken", r.actionTaken());
        g.writeStringField("actionResult", r.actionResult());
        g.writeStringField("host", r.host());
        g.writeNumberField("pid", r.pid());
        g.writeStringField("app", r.app());
        g.writeEndObject();
      }
      out.write('\n');
      return out.toByteArray();
    }
  }

  /** Parses one line; null when it is not a complete, valid record. */
  static @Nullable ProblemRecord parse(String line) {
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    return parse(b, 0, b.length);
  }

  /** Parses one line of UTF-8 bytes; null when it is not a complete, valid record. */
  @SuppressWarnings("unchecked")
  static @Nullable ProblemRecord parse(byte[] bytes, int offset, int length) {
    try {
      Object tree = MAPPER.readValue(bytes, offset, length, Object.class);
      if (!(tree instanceof Map)) {
        return null;
      }
      Map<?, ?> m = (Map<?, ?>) tree;
      Object data = m.get("data");
      Object pid = m.get("pid");
      return new ProblemRecord(
          Instant.parse(str(m, "ts")),
          Severity.valueOf(str(m, "severity")),
          str(m, "type"),
          optStr(m, "key"),
          str(m, "message"),
          data instanceof Map<?, ?> ? (Map<String, @Nullable Object>) data : Map.of(),
          str(m, "problemKey"),
          str(m, "actionTaken"),
          optStr(m, "actionResult"),
          str(m, "host"),
          pid instanceof Number pn ? pn.longValue() : -1L,
          str(m, "app"));
    } catch (IOException | RuntimeException e) {
      // torn or foreign line: the caller counts it
      return null;
    }
  }

  private static String str(Map<?, ?> m, String name) {
    Object v = m.get(name);
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException("missing " + name);
    }
    return s;
  }

  private static @Nullable String optStr(Map<?, ?> m, String name) {
    Object v = m.get(name);
    return v instanceof String s ? s : null;
  }

  /** A deep, unmodifiable copy of JSON-like data (maps, lists, scalars). */
  static Map<String, @Nullable Object> freeze(Map<String, @Nullable Object> data) {
    Map<String, @Nullable Object> out = new LinkedHashMap<>();
    data.forEach((k, v) -> out.put(k, freezeValue(v, 0)));
    return Collections.unmodifiableMap(out);
  }

  private static @Nullable Object freezeValue(@Nullable Object v, int depth) {
    if (v == null
        || v instanceof String
        || v instanceof Boolean
        || v instanceof Integer
        || v instanceof Long
        || v instanceof Double
        || v instanceof BigInteger
        || v instanceof BigDecimal) {
      return v;
    }
    if (depth < 8 && v instanceof Map) {
      Map<String, @Nullable Object> out = new LinkedHashMap<>();
      ((Map<?, ?>) v).forEach((k, x) -> out.put(String.valueOf(k), freezeValue(x, depth + 1)));
      return Collections.unmodifiableMap(out);
    }
    if (depth < 8 && v instanceof List) {
      List<@Nullable Object> out = new ArrayList<>();
      for (Object x : (List<?>) v) {
        out.add(freezeValue(x, depth + 1));
      }
      return Collections.unmodifiableList(out);
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    return String.valueOf(v);
  }

  /** This machine's name without a DNS lookup: $HOSTNAME, /etc/hostname, or "unknown". */
  static String localHostName() {
    String h = System.getenv("HOSTNAME");
    if (h == null || h.isBlank()) {
      h = System.getenv("COMPUTERNAME");
    }
    if (h == null || h.isBlank()) {
      try {
        Path etc = Path.of("/etc/hostname");
        if (Files.isReadable(etc)) {
          h = Files.readString(etc, StandardCharsets.UTF_8).trim();
        }
      } catch (IOException | RuntimeException e) {
        h = null;
      }
    }
    return h == null || h.isBlank() ? "unknown" : SafeText.cap(h, 255);
  }

  static long currentPid() {
    try {
      return ProcessHandle.current().pid();
    } catch (UnsupportedOperationException e) {
      return -1L;
    }
  }

}
