package dev.argos.signals;

import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/*
 * Design notes.
 *
 * Reads: get() is one ConcurrentHashMap.get and may run on any thread without the owner's
 * lock; entries are immutable and replaced whole, so the map publishes them safely. The map
 * grows with the terms held (not presized for maxKeys), so a miss touches a bucket array sized
 * for the keys held now, in cache while few are.
 *
 * Writes (put, replace, remove, victim, removeExpired) must run under the owner's lock. The
 * table keeps two indexes: `live` (the read map) and `order`, one insertion-ordered map per
 * severity, so the eviction victim (lowest severity, then oldest) is found in O(1).
 *
 * Long keys: `fullLengthKeys` counts terms whose key is 256 characters long (every long key's
 * canonical form is), so a look-up of a longer key skips its SHA-256 while there is none.
 * It is incremented before an entry enters `live` and decremented after it left.
 *
 * Expiry: `earliestExpiry` is a lower bound of the live entries' expiries; once the clock has
 * passed it, one O(n) scan removes every expired entry and recomputes the bound.
 */

/**
 * The quarantine table of an {@link InMemoryQuarantine}: the live terms, bounded, with their
 * eviction order and expiry. Knows nothing of offences, audit or delivery.
 */
@SuppressWarnings("EnumOrdinal") // one eviction order per severity, indexed by ordinal
final class QuarantineTable {
  private final ConcurrentHashMap<String, Entry> live;
  /** One insertion-ordered map per severity, indexed by ordinal: oldest term first. */
  private final List<LinkedHashMap<String, Entry>> order = new ArrayList<>();

  private long earliestExpiry;
  /**
   * Terms whose key has exactly {@link Signal#MAX_KEY_LENGTH} characters, the length of every
   * long key's canonical form. While it is 0 no long key can be quarantined, so a look-up of
   * one needs no hashing. Written under the owner's lock, read by any thread.
   */
  private volatile int fullLengthKeys;

  QuarantineTable() {
    // not presized for maxKeys: sized for 10 000 keys the bucket array is 128 KiB (32 768
    // buckets), so every look-up of a key that is not quarantined missed the L1 cache while only
    // a few keys were held; grown with the terms (a resize is a rare write, and reads stay
    // lock-free during it), a miss reads a bucket of an array sized for the keys held now.
    this.live = new ConcurrentHashMap<>();
    for (int i = 0; i < Severity.values().length; i++) {
      order.add(new LinkedHashMap<>());
    }
  }

  /** The term of {@code key} (canonical form), expired or not; lock-free, allocation-free. */
  @Nullable Entry get(String key) {
    return live.get(key);
  }

  /**
   * False when no term's key has the length of a long key's canonical form: then no key
   * longer than {@link Signal#MAX_KEY_LENGTH} is quarantined. Lock-free, one volatile read.
   */
  boolean mayHoldLongKeys() {
    return fullLengthKeys != 0;
  }

  /** Terms held, expired ones not yet removed included; lock-free. */
  int size() {
    return live.size();
  }

  /** Adds a new term. */
  void put(Entry e) {
    if (live.isEmpty() || e.expiresAt - earliestExpiry < 0) {
      earliestExpiry = e.expiresAt;
    }
    count(e, 1); // before the entry is visible: a reader that finds it also finds the count
    live.put(e.key, e);
    order.get(e.severity.ordinal()).put(e.key, e);
  }

  /** Replaces {@code cur} by {@code next} (same key), now the newest term of its severity. */
  void replace(Entry cur, Entry next) {
    order.get(cur.severity.ordinal()).remove(cur.key);
    order.get(next.severity.ordinal()).put(next.key, next);
    live.put(next.key, next);
    // an extension only moves the expiry later: earliestExpiry stays a lower bound
  }

  void remove(Entry e) {
    if (live.remove(e.key, e)) {
      count(e, -1);
    }
    order.get(e.severity.ordinal()).remove(e.key);
  }

  private void count(Entry e, int delta) {
    if (e.key.length() == Signal.MAX_KEY_LENGTH) {
      fullLengthKeys += delta; // not atomic, but only ever written under the owner's lock
    }
  }

  /**
   * The term to evict for a new key of {@code sev}: the oldest of the lowest severity, or
   * null when every term is more severe than {@code sev} (or the table is empty).
   */
  @Nullable Entry victim(Severity sev) {
    for (Severity s : Severity.values()) {
      if (s.compareTo(sev) > 0) {
        return null;
      }
      LinkedHashMap<String, Entry> m = order.get(s.ordinal());
      if (!m.isEmpty()) {
        return m.values().iterator().next();
      }
    }
    return null;
  }

  /** Removes every term expired at {@code now} and returns them (empty, allocation-free, if none is due). */
  List<Entry> removeExpired(long now) {
    if (live.isEmpty() || now - earliestExpiry < 0) {
      return List.of();
    }
    List<Entry> expired = new ArrayList<>();
    long earliest = 0;
    boolean any = false;
    for (LinkedHashMap<String, Entry> m : order) {
      for (Iterator<Entry> it = m.values().iterator(); it.hasNext(); ) {
        Entry e = it.next();
        if (e.expiresAt - now <= 0) {
          it.remove();
          if (live.remove(e.key, e)) {
            count(e, -1);
          }
          expired.add(e);
        } else if (!any || e.expiresAt - earliest < 0) {
          earliest = e.expiresAt;
          any = true;
        }
      }
    }
    earliestExpiry = earliest;
    return expired;
  }

  /** One quarantine term; immutable, replaced whole. Times in the clock's nanoseconds. */
  static final class Entry {
    final String key;
    final Severity severity;
    final String reason;
    final long start;
    final long expiresAt;
    final long ttl;
    final int offences;

    Entry(
        String key,
        Severity severity,
        String reason,
        long start,
        long expiresAt,
        long ttl,
        int offences) {
      this.key = key;
      this.severity = severity;
      this.reason = reason;
      this.start = start;
      this.expiresAt = expiresAt;
      this.ttl = ttl;
      this.offences = offences;
    }
  }
}
