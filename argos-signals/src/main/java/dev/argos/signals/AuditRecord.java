package dev.argos.signals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.argos.core.Severity;
import dev.argos.core.internal.SafeText;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One link of a quarantine's tamper-evident audit chain: a quarantine, extension, release,
 * expiry, eviction or repeat-offender alarm.
 *
 * <p>{@link #hash()} is the lower-case hex SHA-256 of {@code prevHash + "\n" +
 * canonicalText()} (UTF-8), where {@link #canonicalText()} length-prefixes every field, and
 * {@link #prevHash()} is the hash of the record before it, or {@link #GENESIS} (64 zeros) for
 * the first record a quarantine ever wrote. Changing any field of a record breaks its own hash
 * (moving characters from one field to the next included); recomputing that hash breaks the
 * next record's {@code prevHash}; deleting records from the start breaks {@link #verify(List)},
 * which checks the chain from its genesis record. Only the newest record can be rewritten or
 * removed consistently, so keep the latest {@link #hash()} (the head) somewhere else if that
 * matters. Immutable.
 */
public final class AuditRecord {
  /** The previous hash of the very first record: 64 zeros. */
  public static final String GENESIS = "0".repeat(64);

  static final String ACTION_QUARANTINED = "quarantined";
  static final String ACTION_EXTENDED = "extended";
  static final String ACTION_RELEASED = "released";
  static final String ACTION_EXPIRED = "expired";
  static final String ACTION_EVICTED = "evicted";
  static final String ACTION_REPEAT_OFFENDER = "repeatOffender";

  /** Every action a record may carry; anything else is refused by {@link #parse(String)}. */
  static final Set<String> ACTIONS =
      Set.of(
          ACTION_QUARANTINED,
          ACTION_EXTENDED,
          ACTION_RELEASED,
          ACTION_EXPIRED,
          ACTION_EVICTED,
          ACTION_REPEAT_OFFENDER);

  private static final HexFormat HEX = HexFormat.of();
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");


  private final long seq;
  private final Instant time;
  private final String action;
  private final String key;
  private final Severity severity;
  private final long ttlMs;
  private final int offences;
  private final String reason;
  private final String prevHash;
  private final String hash;

  private AuditRecord(
      long seq,
      Instant time,
      String action,
      String key,
      Severity severity,
      long ttlMs,
      int offences,
      String reason,
      String prevHash,
      String hash) {
    this.seq = seq;
    this.time = time;
    this.action = action;
    this.key = key;
    this.severity = severity;
    this.ttlMs = ttlMs;
    this.offences = offences;
    this.reason = reason;
    this.prevHash = prevHash;
    this.hash = hash;
  }

  /**
   * Creates the record that follows {@code prevHash}, computing its hash.
   *
   * @throws IllegalArgumentException for an action not in {@link #ACTIONS}
   */
  static AuditRecord next(
      long seq,
      Instant time,
      String action,
      String key,
      Severity severity,
      long ttlMs,
      int offences,
      String reason,
      String prevHash) {
    checkAction(action);
    AuditRecord unhashed =
        new AuditRecord(seq, time, action, key, severity, ttlMs, offences, reason, prevHash, "");
    return new AuditRecord(
        seq,
        time,
        action,
        key,
        severity,
        ttlMs,
        offences,
        reason,
        prevHash,
        computeHash(prevHash, unhashed.canonicalText()));
  }

  /** Position in the chain, 1 for the first record the quarantine wrote. */
  public long seq() {
    return seq;
  }

  /** When the change happened (the quarantine's clock). */
  public Instant time() {
    return time;
  }

  /**
   * {@code "quarantined"}, {@code "extended"}, {@code "released"}, {@code "expired"}, {@code
   * "evicted"} or {@code "repeatOffender"}.
   */
  public String action() {
    return action;
  }

  /** The key; untrusted text, neutralise it before logging it alone. */
  public String key() {
    return key;
  }

  /** The severity of the key's quarantine term. */
  public Severity severity() {
    return severity;
  }

  /** The term's time-to-live in milliseconds (0 where it does not apply). */
  public long ttlMs() {
    return ttlMs;
  }

  /** How many times the key entered quarantine within the offence window (one day). */
  public int offences() {
    return offences;
  }

  /** Why (the signal's message, capped at 256 characters); untrusted text. */
  public String reason() {
    return reason;
  }

  /** The hash of the previous record, or {@link #GENESIS}. */
  public String prevHash() {
    return prevHash;
  }

  /** Lower-case hex SHA-256 of {@code prevHash + "\n" + canonicalText()}. */
  public String hash() {
    return hash;
  }

  /**
   * The text that is hashed: every field in a fixed order, each written {@code
   * name=<length>:<value>} (the length in characters of the value's text) and separated by
   * {@code |}, so that no two different records share a text, whatever characters their
   * fields hold, e.g. {@code
   * seq=1:1|time=20:1970-01-02T00:00:00Z|action=11:quarantined|key=8:10.0.0.7|severity=7:WARNING|ttlMs=6:300000|offences=1:1|reason=5:burst}.
   */
  public String canonicalText() {
    StringBuilder sb = new StringBuilder(128 + key.length() + reason.length());
    field(sb, "seq", Long.toString(seq));
    field(sb.append('|'), "time", time.toString());
    field(sb.append('|'), "action", action);
    field(sb.append('|'), "key", key);
    field(sb.append('|'), "severity", severity.name());
    field(sb.append('|'), "ttlMs", Long.toString(ttlMs));
    field(sb.append('|'), "offences", Integer.toString(offences));
    field(sb.append('|'), "reason", reason);
    return sb.toString();
  }

  private static void field(StringBuilder sb, String name, String value) {
    sb.append(name).append('=').append(value.length()).append(':').append(value);
  }

  /** True when {@link #hash()} matches this record's fields and {@link #prevHash()}. */
  public boolean isSelfConsistent() {
    return hash.equals(computeHash(prevHash, canonicalText()));
  }

  /**
   * One JSON object on one line (control characters escaped), with every field including
   * {@code prevHash} and {@code hash}: the export format read back by {@link #parse(String)}.
   */
  public String toLine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seq", seq);
    m.put("time", time.toString());
    m.put("action", action);
    m.put("key", key);
    m.put("severity", severity.name());
    m.put("ttlMs", ttlMs);
    m.put("offences", offences);
    m.put("reason", reason);
    m.put("prevHash", prevHash);
    m.put("hash", hash);
    return Json.write(m, seq);
  }

  /**
   * Reads a line written by {@link #toLine()}. The stored hash is kept as read (not
   * recomputed), so {@link #verify(List)} detects a line that was edited.
   *
   * @throws IllegalArgumentException if the line is not such a record
   */
  public static AuditRecord parse(String line) {
    Objects.requireNonNull(line, "line");
    return Json.read(line);
  }

  /**
   * Verifies a whole chain, from its genesis: the first record has {@code seq == 1} and {@code
   * prevHash == }{@link #GENESIS}, each record's hash matches its fields, each {@code prevHash}
   * is the hash of the record before it, sequence numbers are consecutive and every action is
   * known. A chain whose first records were deleted fails at index 0. An empty list is an
   * intact (empty) chain; compare the last hash with a head kept elsewhere to notice records
   * deleted from the end.
   *
   * <p>To verify a part of a chain that does not start at its genesis (the tail an {@link
   * InMemoryQuarantine} retains, a file rotated away from the start), say where it starts with
   * {@link #firstInvalidAfter(List, String)}.
   *
   * @return -1 when the chain is intact, else the index of the first record that is not
   */
  public static int firstInvalid(List<AuditRecord> records) {
    return firstInvalidAfter(records, GENESIS);
  }

  /** True when {@link #firstInvalid(List)} finds nothing wrong: an intact chain from genesis. */
  public static boolean verify(List<AuditRecord> records) {
    return firstInvalid(records) < 0;
  }

  /**
   * Verifies records that continue a chain after the record whose hash is {@code
   * previousHash}: the first record's {@code prevHash} must be {@code previousHash} (and its
   * {@code seq} 1 exactly when that is {@link #GENESIS}); then as {@link #firstInvalid(List)}.
   * This is the explicit mid-chain check: it proves the records link onto that hash, so the
   * hash must come from somewhere trusted (the last record of an earlier export, a head written
   * elsewhere), never from the records themselves.
   *
   * @return -1 when intact, else the index of the first record that is not
   */
  public static int firstInvalidAfter(List<AuditRecord> records, String previousHash) {
    Objects.requireNonNull(records, "records");
    Objects.requireNonNull(previousHash, "previousHash");
    for (int i = 0; i < records.size(); i++) {
      AuditRecord r = records.get(i);
      if (!ACTIONS.contains(r.action) || !r.isSelfConsistent()) {
        return i;
      }
      String expectedPrev = i == 0 ? previousHash : records.get(i - 1).hash;
      if (!r.prevHash.equals(expectedPrev) || (r.seq == 1) != GENESIS.equals(r.prevHash)) {
        return i;
      }
      if (i > 0 && r.seq != records.get(i - 1).seq + 1) {
        return i;
      }
    }
    return -1;
  }

  /** True when {@link #firstInvalidAfter(List, String)} finds nothing wrong. */
  public static boolean verifyAfter(List<AuditRecord> records, String previousHash) {
    return firstInvalidAfter(records, previousHash) < 0;
  }

  private static void checkAction(String action) {
    if (!ACTIONS.contains(action)) {
      throw new IllegalArgumentException(
          "not an audit record: unknown action \"" + SafeText.neutralise(action, 64) + "\"");
    }
  }

  static String computeHash(String prevHash, String canonicalText) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
    md.update(prevHash.getBytes(StandardCharsets.UTF_8));
    md.update((byte) '\n');
    return HEX.formatHex(md.digest(utf8KeepingLoneSurrogates(canonicalText)));
  }

  /**
   * UTF-8, except that a lone surrogate is encoded as its own 3-byte sequence (Python's {@code
   * encode("utf-8", "surrogatepass")}) instead of {@code '?'}: so a key of {@code "a"} and a
   * lone high surrogate hashes differently from {@code "a?"}. Identical to UTF-8 for
   * well-formed text.
   */
  private static byte[] utf8KeepingLoneSurrogates(String text) {
    int n = text.length();
    int i = 0;
    while (i < n && !Character.isSurrogate(text.charAt(i))) {
      i++;
    }
    if (i == n) {
      return text.getBytes(StandardCharsets.UTF_8); // no surrogate: plain UTF-8, the fast path
    }
    byte[] out = new byte[n * 3]; // at most 3 bytes a char (a pair: 4 bytes for 2 chars)
    int len = 0;
    for (i = 0; i < n; i++) {
      int cp = text.charAt(i);
      if (Character.isHighSurrogate((char) cp)
          && i + 1 < n
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        cp = Character.toCodePoint((char) cp, text.charAt(++i));
      }
      if (cp < 0x80) {
        out[len++] = (byte) cp;
      } else if (cp < 0x800) {
        out[len++] = (byte) (0xc0 | (cp >>> 6));
        out[len++] = (byte) (0x80 | (cp & 0x3f));
      } else if (cp < 0x10000) { // a lone surrogate too: its own 3 bytes
        out[len++] = (byte) (0xe0 | (cp >>> 12));
        out[len++] = (byte) (0x80 | ((cp >>> 6) & 0x3f));
        out[len++] = (byte) (0x80 | (cp & 0x3f));
      } else {
        out[len++] = (byte) (0xf0 | (cp >>> 18));
        out[len++] = (byte) (0x80 | ((cp >>> 12) & 0x3f));
        out[len++] = (byte) (0x80 | ((cp >>> 6) & 0x3f));
        out[len++] = (byte) (0x80 | (cp & 0x3f));
      }
    }
    return java.util.Arrays.copyOf(out, len);
  }

  @Override
  public boolean equals(@org.jspecify.annotations.Nullable Object o) {
    return o instanceof AuditRecord other && other.toLine().equals(toLine());
  }

  @Override
  public int hashCode() {
    return hash.hashCode();
  }

  /** {@link #toLine()}: one line, safe to log. */
  @Override
  public String toString() {
    return toLine();
  }

  /**
   * Every use of Jackson, in a class of its own: loading AuditRecord (a quarantine's first change)
   * loads no Jackson class; only exporting or parsing a line does.
   */
  private static final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    static String write(Map<String, Object> m, long seq) {
      try {
        return MAPPER.writeValueAsString(m);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot write audit record " + seq, e);
      }
    }

    static AuditRecord read(String line) {
      try {
        JsonNode n = MAPPER.readTree(line);
        if (n == null || !n.isObject()) {
          throw new IllegalArgumentException("not an audit record: not a JSON object");
        }
        String action = required(n, "action").asText();
        checkAction(action);
        String prevHash = required(n, "prevHash").asText();
        String hash = required(n, "hash").asText();
        if (!HASH.matcher(prevHash).matches() || !HASH.matcher(hash).matches()) {
          throw new IllegalArgumentException(
              "not an audit record: prevHash and hash must be 64 lower-case hex digits");
        }
        return new AuditRecord(
            required(n, "seq").asLong(),
            Instant.parse(required(n, "time").asText()),
            action,
            required(n, "key").asText(),
            Severity.valueOf(required(n, "severity").asText()),
            required(n, "ttlMs").asLong(),
            required(n, "offences").asInt(),
            required(n, "reason").asText(),
            prevHash,
            hash);
      } catch (JsonProcessingException | RuntimeException e) {
        if (e instanceof IllegalArgumentException iae) {
          throw iae;
        }
        throw new IllegalArgumentException("not an audit record: " + e.getMessage(), e);
      }
    }

    private static JsonNode required(JsonNode n, String field) {
      JsonNode v = n.get(field);
      if (v == null || v.isNull()) {
        throw new IllegalArgumentException("not an audit record: missing " + field);
      }
      return v;
    }
  }
}
