package dev.argos.signals;

import dev.argos.core.Severity;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The audit chain of an {@link InMemoryQuarantine}: appends one {@link AuditRecord} per change
 * and keeps the newest {@code capacity} of them. Remembers the hash of the last record it
 * dropped, so the retained tail stays verifiable with {@link AuditRecord#verifyAfter}. Not
 * thread-safe: the owner's lock guards every call.
 */
final class AuditChain {
  private final int capacity;
  private final ArrayDeque<AuditRecord> records = new ArrayDeque<>();
  private String head = AuditRecord.GENESIS;
  private String trimmedHead = AuditRecord.GENESIS;
  private long seq;
  private long trimmed;

  AuditChain(int capacity) {
    this.capacity = capacity;
  }

  AuditRecord append(
      Instant at,
      String action,
      String key,
      Severity severity,
      long ttlMs,
      int offences,
      String reason) {
    AuditRecord rec =
        AuditRecord.next(++seq, at, action, key, severity, ttlMs, offences, reason, head);
    head = rec.hash();
    records.addLast(rec);
    while (records.size() > capacity) {
      trimmedHead = records.removeFirst().hash();
      trimmed++;
    }
    return rec;
  }

  List<AuditRecord> records() {
    return List.copyOf(records);
  }

  /** The newest record's hash, {@link AuditRecord#GENESIS} before the first. */
  String head() {
    return head;
  }

  /** The hash of the last record dropped from memory, {@link AuditRecord#GENESIS} if none was. */
  String trimmedHead() {
    return trimmedHead;
  }

  long trimmed() {
    return trimmed;
  }
}
