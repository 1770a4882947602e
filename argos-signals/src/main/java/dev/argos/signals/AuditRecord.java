package dev.argos.signals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.argos.core.Severity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One link of a quarantine's tamper-evident audit chain: a quarantine, extension, release,
 * expiry, eviction or repeat-offender alarm.
 *
 * <p>{@link #hash()} is the lower-case hex SHA-256 of {@code prevHash + "\n" +
 * canonicalText()} (UTF-8), and {@link #prevHash()} is the hash of the record before it, or
 * {@link #GENESIS} (64 zeros) for the first record a quarantine ever wrote. Changing any field
 * of a record breaks its own hash; recomputing that hash breaks the next record's {@code
 * prevHash}. Only the newest record can be rewritten consistently, so keep the latest {@link
 * #hash()} (the head) somewhere else if that matters. Immutable.
 */
public final class AuditRecord {
  /** The previous hash of the very first record: 64 zeros. */
  public static final String GENESIS = "0".repeat(64);

  private static final ObjectMapper JSON = new ObjectMapper();

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

  /** Creates the record that follows {@code prevHash}, computing its hash. */
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
   * The text that is hashed: the fields in a fixed order, strings length-prefixed so that no
   * two different records share a text, e.g. {@code
   * seq=1|time=1970-01-02T00:00:00Z|action=quarantined|key=8:10.0.0.7|severity=WARNING|ttlMs=300000|offences=1|reason=5:burst}.
   */
  public String canonicalText() {
    return "seq="
        + seq
        + "|time="
        + time
        + "|action="
        + action
        + "|key="
        + key.length()
        + ':'
        + key
        + "|severity="
        + severity.name()
        + "|ttlMs="
        + ttlMs
        + "|offences="
        + offences
        + "|reason="
        + reason.length()
        + ':'
        + reason;
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
    try {
      return JSON.writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write audit record " + seq, e);
    }
  }

  /**
   * Reads a line written by {@link #toLine()}. The stored hash is kept as read (not
   * recomputed), so {@link #verify(List)} detects a line that was edited.
   *
   * @throws IllegalArgumentException if the line is not such a record
   */
  public static AuditRecord parse(String line) {
    Objects.requireNonNull(line, "line");
    try {
      JsonNode n = JSON.readTree(line);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("not an audit record: not a JSON object");
      }
      return new AuditRecord(
          required(n, "seq").asLong(),
          Instant.parse(required(n, "time").asText()),
          required(n, "action").asText(),
          required(n, "key").asText(),
          Severity.valueOf(required(n, "severity").asText()),
          required(n, "ttlMs").asLong(),
          required(n, "offences").asInt(),
          required(n, "reason").asText(),
          required(n, "prevHash").asText(),
          required(n, "hash").asText());
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

  /**
   * Verifies a chain (or the retained tail of one): each record's hash matches its fields,
   * each {@code prevHash} is the hash of the record before it, sequence numbers are
   * consecutive, and a record with {@code seq == 1} starts from {@link #GENESIS}.
   *
   * @return -1 when the chain is intact, else the index of the first record that is not
   */
  public static int firstInvalid(List<AuditRecord> records) {
    Objects.requireNonNull(records, "records");
    for (int i = 0; i < records.size(); i++) {
      AuditRecord r = records.get(i);
      if (!r.isSelfConsistent()) {
        return i;
      }
      if (i == 0) {
        if (r.seq == 1 && !GENESIS.equals(r.prevHash)) {
          return i;
        }
      } else {
        AuditRecord before = records.get(i - 1);
        if (!r.prevHash.equals(before.hash) || r.seq != before.seq + 1) {
          return i;
        }
      }
    }
    return -1;
  }

  /** True when {@link #firstInvalid(List)} finds nothing wrong. */
  public static boolean verify(List<AuditRecord> records) {
    return firstInvalid(records) < 0;
  }

  /**
   * Like {@link #verify(List)}, and also checks that the first record follows {@code
   * expectedPrevHash}: the hash of the last record of an earlier export, or {@link #GENESIS}.
   */
  public static boolean verify(List<AuditRecord> records, String expectedPrevHash) {
    Objects.requireNonNull(expectedPrevHash, "expectedPrevHash");
    if (!records.isEmpty() && !records.get(0).prevHash.equals(expectedPrevHash)) {
      return false;
    }
    return verify(records);
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
    byte[] d = md.digest(canonicalText.getBytes(StandardCharsets.UTF_8));
    char[] hex = new char[d.length * 2];
    for (int i = 0; i < d.length; i++) {
      hex[2 * i] = Character.forDigit((d[i] >> 4) & 0xf, 16);
      hex[2 * i + 1] = Character.forDigit(d[i] & 0xf, 16);
    }
    return new String(hex);
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
}
