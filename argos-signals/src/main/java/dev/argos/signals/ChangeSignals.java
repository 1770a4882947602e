package dev.argos.signals;

import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.signals.QuarantineTable.Entry;
import java.time.Instant;

/** The {@value Signal#TYPE_QUARANTINE} signal that reports one change of a quarantine term. */
final class ChangeSignals {
  private static final String SOURCE = "argos";

  private ChangeSignals() {}

  /**
   * The signal for {@code action} on term {@code e}, made at {@code at} (wall clock) and {@code
   * now} (the quarantine clock's nanoseconds). An extension is reported as {@code quarantined}
   * with {@code extended = true}; an end (released, expired, evicted) as resolved.
   */
  static Signal of(Entry e, String action, Severity signalSeverity, Instant at, long now) {
    boolean extended = AuditRecord.ACTION_EXTENDED.equals(action);
    Signal.Builder b =
        Signal.builder(Signal.TYPE_QUARANTINE)
            .severity(signalSeverity)
            .key(e.key)
            .source(SOURCE)
            .timestamp(at)
            .message(message(action, e))
            .data(DataKeys.ACTION, extended ? AuditRecord.ACTION_QUARANTINED : action)
            .data(DataKeys.TTL_MS, e.ttl / 1_000_000L)
            .data(DataKeys.SEVERITY, e.severity.name())
            .data(DataKeys.REASON, e.reason)
            .data(DataKeys.OFFENCES, e.offences);
    if (extended) {
      b.data(DataKeys.EXTENDED, true);
    }
    if (!AuditRecord.ACTION_REPEAT_OFFENDER.equals(action)) {
      b.data(DataKeys.REMAINING_MS, Math.max(0, (e.expiresAt - now) / 1_000_000L));
    }
    if (AuditRecord.ACTION_RELEASED.equals(action)
        || AuditRecord.ACTION_EXPIRED.equals(action)
        || AuditRecord.ACTION_EVICTED.equals(action)) {
      b.data(Signal.DATA_STATE, Signal.STATE_RESOLVED)
          .data(DataKeys.DURATION_MS, Math.max(0, (now - e.start) / 1_000_000L));
    }
    return b.build();
  }

  private static String message(String action, Entry e) {
    switch (action) {
      case AuditRecord.ACTION_QUARANTINED:
        return "quarantined for " + (e.ttl / 1_000_000L) + " ms (offence " + e.offences + ")";
      case AuditRecord.ACTION_EXTENDED:
        return "quarantine extended (" + e.severity + ")";
      case AuditRecord.ACTION_RELEASED:
        return "released from quarantine";
      case AuditRecord.ACTION_EXPIRED:
        return "quarantine expired";
      case AuditRecord.ACTION_EVICTED:
        return "evicted from a full quarantine";
      default:
        return "repeat offender: quarantined "
            + e.offences
            + " times within a day; a person should look";
    }
  }
}
