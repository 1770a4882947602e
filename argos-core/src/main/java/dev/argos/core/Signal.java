package dev.argos.core;

import dev.argos.core.internal.SafeText;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One observation that something is (or stopped being) abnormal. Immutable and thread-safe.
 *
 * <p>Fields: {@link #type()} (what kind of problem, e.g. {@value #TYPE_BURST}), {@link
 * #severity()}, {@link #timestamp()}, {@link #source()} (who emitted it: {@code "argos"} for
 * the built-in observers), {@link #key()} (the executor, client key or resource it is about,
 * or null), {@link #message()} (one human sentence) and {@link #data()} (JSON-friendly
 * details; the entries of Argos's own signals are named in {@link DataKeys} and described, with
 * their units, on each type's page under {@code docs/signals/}, e.g. {@code
 * docs/signals/eventLoopLag.md}).
 *
 * <p>Bounds: keys longer than {@value #MAX_KEY_LENGTH} characters become their fixed-length
 * {@linkplain #canonicalKey(String) canonical form} (which the quarantine matches the full key
 * by), messages are capped at {@value
 * #MAX_MESSAGE_LENGTH}, string values in data at {@value #MAX_DATA_STRING_LENGTH}. Data values
 * are normalised to JSON-friendly types: {@code String}, {@code Long}/{@code Integer}/other
 * numbers, {@code Double} (NaN and infinities become null), {@code Boolean}, null, lists and
 * string-keyed maps of those; enums become their name, durations and instants their ISO-8601
 * text, anything else its {@code toString()}. Normalising never throws and never follows a
 * cycle: a value whose {@code toString()} throws becomes the text {@code "<toString threw
 * IllegalStateException>"} (naming the exception's class), one that cannot be read otherwise
 * {@code "<value threw ...>"}, and a list, map or array nested deeper than 4
 * levels (a map and a list containing each other, say) becomes {@code "<nested deeper than
 * 4>"}. {@link #toString()} is one line with control characters escaped, safe to log.
 */
public final class Signal {
  /** An executor or the whole JVM ({@code key = "jvm"}) stopped running work on time. */
  public static final String TYPE_EVENT_LOOP_LAG = "eventLoopLag";
  /** The heap's live set grows, stays near the maximum, or GC eats the time. */
  public static final String TYPE_MEMORY_PRESSURE = "memoryPressure";
  /** A burst of requests, overall ({@code key = null}) or from one client key. */
  public static final String TYPE_BURST = "burst";
  /** File handles, sockets or threads running out. */
  public static final String TYPE_RESOURCE_EXHAUSTION = "resourceExhaustion";
  /** A change of quarantine; published on {@code argos:quarantine}, not {@code argos:signal}. */
  public static final String TYPE_QUARANTINE = "quarantine";
  /** Argos's own fault (an observer or listener threw, signals dropped): {@code argos:error}. */
  public static final String TYPE_ERROR = "argosError";
  /**
   * An incident ({@code argos-forensics}): episodes grouped under a named origin; published on
   * {@code argos:incident}, not {@code argos:signal}.
   */
  public static final String TYPE_INCIDENT = "incident";
  /**
   * An action run, skipped or suppressed under guardrails ({@code argos-forensics}); published
   * on {@code argos:action}, not {@code argos:signal}.
   */
  public static final String TYPE_ACTION = "action";

  /** The {@code data} field that marks the end of an episode ({@link DataKeys#STATE}). */
  public static final String DATA_STATE = DataKeys.STATE;
  /** The value of {@value #DATA_STATE} in the signal that ends an episode. */
  public static final String STATE_RESOLVED = DataKeys.STATE_RESOLVED;

  /**
   * Longest key kept as given, in characters ({@code char}s). A longer key is replaced by its
   * {@linkplain #canonicalKey(String) canonical form}, which is exactly this long.
   */
  public static final int MAX_KEY_LENGTH = 256;
  /** Longest message kept. */
  public static final int MAX_MESSAGE_LENGTH = 1024;
  /** Longest string value kept in {@link #data()}. */
  public static final int MAX_DATA_STRING_LENGTH = 16_384;
  /** Most entries kept in {@link #data()} (and in each nested list or map). */
  public static final int MAX_DATA_ENTRIES = 64;

  private static final Pattern TYPE_PATTERN = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final String type;
  private final Severity severity;
  private final Instant timestamp;
  private final String source;
  private final @Nullable String key;
  private final String message;
  private final Map<String, @Nullable Object> data;

  private Signal(Builder b) {
    this.type = b.type;
    this.severity = b.severity;
    this.timestamp = b.timestamp != null ? b.timestamp : Instant.now();
    this.source = b.source;
    this.key = b.key;
    this.message = b.message;
    this.data = Collections.unmodifiableMap(new LinkedHashMap<>(b.data));
  }

  /**
   * Starts a signal of {@code type}: letters, digits, {@code . _ -}, 1 to 64 characters.
   *
   * @throws IllegalArgumentException if the type is not of that form
   */
  public static Builder builder(String type) {
    return new Builder(type);
  }

  /** What kind of problem: {@value #TYPE_EVENT_LOOP_LAG}, {@value #TYPE_BURST}, ... */
  public String type() {
    return type;
  }

  public Severity severity() {
    return severity;
  }

  /** When it was observed (defaults to the time it was built). */
  public Instant timestamp() {
    return timestamp;
  }

  /** Who emitted it; empty until an agent fills in the observer's name. */
  public String source() {
    return source;
  }

  /**
   * The executor, client key or resource this signal is about, or null (all traffic), in its
   * {@linkplain #canonicalKey(String) canonical form}: a key of at most {@value
   * #MAX_KEY_LENGTH} characters as given, a longer one as its fixed-length digest form.
   */
  public @Nullable String key() {
    return key;
  }

  /** One human sentence; may contain untrusted text, so neutralise before logging it alone. */
  public String message() {
    return message;
  }

  /** Details: unmodifiable, insertion-ordered, JSON-friendly values. */
  public Map<String, @Nullable Object> data() {
    return data;
  }

  /** True when this signal ends an episode ({@code data.state = "resolved"}). */
  public boolean isResolved() {
    return STATE_RESOLVED.equals(data.get(DATA_STATE));
  }

  /** A builder holding this signal's fields, to derive a changed copy. */
  public Builder toBuilder() {
    Builder b = new Builder(type).severity(severity).timestamp(timestamp).source(source);
    b.key = key;
    b.message = message;
    b.data.putAll(data);
    return b;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Signal s)) {
      return false;
    }
    return type.equals(s.type)
        && severity == s.severity
        && timestamp.equals(s.timestamp)
        && source.equals(s.source)
        && Objects.equals(key, s.key)
        && message.equals(s.message)
        && data.equals(s.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, severity, timestamp, source, key, message, data);
  }

  /** One line, control characters escaped, long values cut: safe to log. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(256);
    sb.append("Signal[").append(type).append(' ').append(severity);
    if (key != null) {
      sb.append(" key=\"").append(SafeText.neutralise(key, 128)).append('"');
    }
    sb.append(" at ").append(timestamp);
    if (!source.isEmpty()) {
      sb.append(" from ").append(SafeText.neutralise(source, 64));
    }
    sb.append(": ").append(SafeText.neutralise(message, 256));
    if (!data.isEmpty()) {
      sb.append(" {");
      boolean first = true;
      for (Map.Entry<String, @Nullable Object> e : data.entrySet()) {
        if (sb.length() > 1500) {
          sb.append(", ...");
          break;
        }
        if (!first) {
          sb.append(", ");
        }
        first = false;
        sb.append(SafeText.neutralise(e.getKey(), 64))
            .append('=')
            .append(SafeText.neutralise(String.valueOf(e.getValue()), 160));
      }
      sb.append('}');
    }
    return sb.append(']').toString();
  }

  // ---- key canonical form ----

  /** Characters of a long key kept in its canonical form: the rest is the marker and digest. */
  private static final int LONG_KEY_PREFIX = MAX_KEY_LENGTH - 1 - 16;

  /** Never used itself, only cloned (by {@link #newSha256()}). */
  private static final MessageDigest SHA256_PROTOTYPE = sha256Instance();

  /**
   * The one form under which Argos names a key: in signals ({@link Builder#key}), in a {@link
   * Quarantine} (every shipped quarantine applies it to every key it is given) and in the
   * default {@link QuarantineHook}. So a client is detected, named and quarantined under one
   * key whatever its length.
   *
   * <ul>
   *   <li>A key of at most {@value #MAX_KEY_LENGTH} characters is returned as is (the same
   *       instance; no allocation).
   *   <li>A longer key becomes exactly {@value #MAX_KEY_LENGTH} characters: its first 239
   *       characters, {@code '\u2026'} ({@code …}), and 16 lower-case hex digits, the first 8
   *       bytes of the SHA-256 of the whole key (each {@code char} as two bytes, big-endian, so
   *       lone surrogates are hashed as they are). When the 239th character is the high half of
   *       a surrogate pair, the prefix keeps 238 characters and the marker is doubled ({@code
   *       ……}), so a pair is never cut.
   * </ul>
   *
   * <p>Two keys that differ anywhere have different canonical forms, except with the odds of a
   * 64-bit hash collision; a short key equals a long key's canonical form only if it was made
   * to (it ends with {@code …} and that key's digest), which an honest client's key does not,
   * and which gains a forger nothing he could not get by sending the long key itself. The
   * form is idempotent: {@code canonicalKey(canonicalKey(k)).equals(canonicalKey(k))}.
   *
   * <p>Cost: a length check for a short key; one SHA-256 over the key and one 256-character
   * string for a long one.
   *
   * @throws NullPointerException if {@code key} is null
   */
  public static String canonicalKey(String key) {
    if (key.length() <= MAX_KEY_LENGTH) {
      return key;
    }
    int prefix = LONG_KEY_PREFIX;
    boolean cutsPair = Character.isHighSurrogate(key.charAt(prefix - 1));
    if (cutsPair) {
      prefix--;
    }
    StringBuilder sb = new StringBuilder(MAX_KEY_LENGTH);
    sb.append(key, 0, prefix).append('\u2026');
    if (cutsPair) {
      sb.append('\u2026');
    }
    return HexFormat.of().formatHex(sb, sha256(key), 0, 8).toString();
  }

  private static byte[] sha256(String key) {
    MessageDigest md = newSha256();
    byte[] buf = new byte[2048];
    int n = key.length();
    for (int i = 0; i < n; ) {
      int len = 0;
      while (len < buf.length && i < n) {
        char c = key.charAt(i++);
        buf[len++] = (byte) (c >>> 8);
        buf[len++] = (byte) c;
      }
      md.update(buf, 0, len);
    }
    return md.digest();
  }

  /** A fresh SHA-256 digest: a clone of one prototype (cheaper than a provider look-up). */
  private static MessageDigest newSha256() {
    try {
      return (MessageDigest) SHA256_PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return sha256Instance();
    }
  }

  private static MessageDigest sha256Instance() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /** Builds a {@link Signal}. Not thread-safe. */
  public static final class Builder {
    private final String type;
    private Severity severity = Severity.WARNING;
    private @Nullable Instant timestamp;
    private String source = "";
    private @Nullable String key;
    private String message = "";
    private final Map<String, @Nullable Object> data = new LinkedHashMap<>();

    private Builder(String type) {
      Objects.requireNonNull(type, "type");
      if (!TYPE_PATTERN.matcher(type).matches()) {
        throw new IllegalArgumentException(
            "type must be 1-64 letters, digits, '.', '_' or '-' but was \""
                + SafeText.neutralise(type, 80)
                + "\"");
      }
      this.type = type;
    }

    /** Default {@link Severity#WARNING}. */
    public Builder severity(Severity severity) {
      this.severity = Objects.requireNonNull(severity, "severity");
      return this;
    }

    /** Default: the time {@link #build()} is called. */
    public Builder timestamp(Instant timestamp) {
      this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
      return this;
    }

    /** Default: the emitting observer's name, filled in by the agent. */
    public Builder source(String source) {
      this.source = SafeText.cap(Objects.requireNonNull(source, "source"), 128);
      return this;
    }

    /**
     * The subject (executor name, client key, resource); null for none. A key longer than
     * {@value #MAX_KEY_LENGTH} characters is stored as its {@linkplain #canonicalKey(String)
     * canonical form}, never cut: two long keys that share their first characters stay two keys.
     */
    public Builder key(@Nullable String key) {
      this.key = key == null ? null : canonicalKey(key);
      return this;
    }

    /** One human sentence. Capped in length. */
    public Builder message(String message) {
      this.message = SafeText.cap(Objects.requireNonNull(message, "message"), MAX_MESSAGE_LENGTH);
      return this;
    }

    /** Adds (or replaces) one data entry; the value is normalised to a JSON-friendly type. */
    public Builder data(String name, @Nullable Object value) {
      Objects.requireNonNull(name, "name");
      if (data.size() >= MAX_DATA_ENTRIES && !data.containsKey(name)) {
        return this;
      }
      data.put(SafeText.cap(name, 64), normalise(value, 0));
      return this;
    }

    /** Adds every entry of {@code values}. */
    public Builder data(Map<String, ?> values) {
      values.forEach(this::data);
      return this;
    }

    /** Removes one data entry. */
    public Builder removeData(String name) {
      data.remove(name);
      return this;
    }

    public Signal build() {
      return new Signal(this);
    }
  }

  /** Nesting levels of lists, maps and arrays kept in {@link #data()}; deeper ones are cut. */
  private static final int MAX_DATA_DEPTH = 4;
  private static final String TOO_DEEP = "<nested deeper than " + MAX_DATA_DEPTH + ">";

  /**
   * {@code v} as a JSON-friendly value, {@code depth} levels of lists and maps down. Never throws:
   * what the value's own methods throw becomes a placeholder text, and nesting stops at {@link
   * #MAX_DATA_DEPTH} (so a cycle is cut without calling any {@code toString()} on it).
   */
  private static @Nullable Object normalise(@Nullable Object v, int depth) {
    try {
      return normaliseValue(v, depth);
    } catch (Throwable e) { // user objects: an Error or a sneaky checked exception too
      rethrowIfFatal(e);
      return "<value threw " + className(e) + ">";
    }
  }

  private static @Nullable Object normaliseValue(@Nullable Object v, int depth) {
    if (v == null || v instanceof Boolean || v instanceof Long || v instanceof Integer) {
      return v;
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      return Double.isFinite(d) ? d : null;
    }
    if (v instanceof Short || v instanceof Byte) {
      return ((Number) v).intValue();
    }
    if (v instanceof BigInteger || v instanceof BigDecimal) {
      return v;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof CharSequence) {
      return SafeText.cap(text(v), MAX_DATA_STRING_LENGTH);
    }
    if (v instanceof Enum<?> e) {
      return e.name();
    }
    if (v instanceof Duration || v instanceof TemporalAccessor) {
      return text(v);
    }
    if (v instanceof Object[] || v instanceof Collection<?> || v instanceof Map<?, ?>) {
      if (depth >= MAX_DATA_DEPTH) {
        return TOO_DEEP;
      }
      if (v instanceof Object[] array) {
        return normaliseValue(java.util.Arrays.asList(array), depth);
      }
      if (v instanceof Collection<?> c) {
        List<@Nullable Object> out = new ArrayList<>();
        for (Object o : c) {
          if (out.size() >= MAX_DATA_ENTRIES) {
            break;
          }
          out.add(normalise(o, depth + 1));
        }
        return Collections.unmodifiableList(out);
      }
      Map<String, @Nullable Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        if (out.size() >= MAX_DATA_ENTRIES) {
          break;
        }
        out.put(SafeText.cap(text(e.getKey()), 64), normalise(e.getValue(), depth + 1));
      }
      return Collections.unmodifiableMap(out);
    }
    return SafeText.cap(text(v), MAX_DATA_STRING_LENGTH);
  }

  /** {@code String.valueOf(v)}, or a placeholder naming what its {@code toString()} threw. */
  private static String text(@Nullable Object v) {
    try {
      return String.valueOf(v);
    } catch (Throwable e) {
      rethrowIfFatal(e);
      return "<toString threw " + className(e) + ">";
    }
  }

  /** The JVM's own distress (out of memory, internal error) is not a value's fault: let it go. */
  private static void rethrowIfFatal(Throwable e) {
    if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
      throw (VirtualMachineError) e;
    }
  }

  private static String className(Throwable e) {
    String simple = e.getClass().getSimpleName();
    return simple.isEmpty() ? e.getClass().getName() : simple;
  }
}
