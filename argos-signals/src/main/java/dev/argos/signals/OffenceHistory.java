package dev.argos.signals;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The offence history of an {@link InMemoryQuarantine}: per key, the starts of its last {@value
 * #MAX_TRACKED_OFFENCES} terms and how its last term ended, for the doubling rule and the
 * repeat-offender alarm. At most {@code maxOffenders} keys, least recently offending forgotten
 * first. Not thread-safe: the owner's lock guards every call.
 */
final class OffenceHistory {
  /** Offence timestamps kept per key. */
  static final int MAX_TRACKED_OFFENCES = 16;

  private final long reoffendWindowNanos;
  private final long offenceWindowNanos;
  private final long maxTtlNanos;
  private final LinkedHashMap<String, Offences> offenders;

  OffenceHistory(int maxOffenders, long reoffendWindowNanos, long offenceWindowNanos, long maxTtlNanos) {
    this.reoffendWindowNanos = reoffendWindowNanos;
    this.offenceWindowNanos = offenceWindowNanos;
    this.maxTtlNanos = maxTtlNanos;
    this.offenders =
        new LinkedHashMap<>(64, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Offences> eldest) {
            return size() > maxOffenders;
          }
        };
  }

  /**
   * The term for a new offence of {@code key} asked for {@code ttl}: twice the previous term
   * (capped at maxTtl) when the previous one ended within the reoffend window and that is
   * longer, else {@code ttl}.
   */
  long term(String key, long ttl, long now) {
    Offences rec = offenders.get(key);
    if (rec == null || !rec.hasEnded || now - rec.lastEnd > reoffendWindowNanos) {
      return ttl;
    }
    long doubled = rec.lastTtl > maxTtlNanos / 2 ? maxTtlNanos : Math.min(rec.lastTtl * 2, maxTtlNanos);
    return Math.max(ttl, doubled);
  }

  /** Records a term of {@code key} started at {@code now}; returns the starts within the offence window. */
  int started(String key, long now) {
    return record(key).add(now, offenceWindowNanos);
  }

  /** Records that a term of {@code key} of {@code ttl} ended at {@code now}. */
  void ended(String key, long now, long ttl) {
    Offences rec = record(key);
    rec.hasEnded = true;
    rec.lastEnd = now;
    rec.lastTtl = ttl;
  }

  /** Keys whose history is held. */
  int size() {
    return offenders.size();
  }

  private Offences record(String key) {
    Offences rec = offenders.get(key);
    if (rec == null) {
      rec = new Offences();
      offenders.put(key, rec);
    }
    return rec;
  }

  /** A key's history: the last 16 term starts, and how its last term ended. */
  private static final class Offences {
    final long[] starts = new long[MAX_TRACKED_OFFENCES];
    int count;
    int next;
    boolean hasEnded;
    long lastEnd;
    long lastTtl;

    int add(long now, long window) {
      starts[next] = now;
      next = (next + 1) % starts.length;
      if (count < starts.length) {
        count++;
      }
      int within = 0;
      for (int i = 0; i < count; i++) {
        if (now - starts[i] < window) {
          within++;
        }
      }
      return within;
    }
  }
}
