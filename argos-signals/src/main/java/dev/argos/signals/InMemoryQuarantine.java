package dev.argos.signals;

import dev.argos.core.Clock;
import dev.argos.core.Quarantine;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalListener;
import dev.argos.core.Subscription;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * Read path: isQuarantined is one ConcurrentHashMap.get. A miss (the common case: the key is
 * not quarantined) touches nothing else: no clock, no lock, no allocation. A hit compares the
 * entry's immutable expiry with clock.nanoTime(): one clock read, only for keys that are
 * quarantined (which the application is about to refuse anyway). That keeps expiry exact
 * without a ticker thread; the alternative, a volatile coarse "now" refreshed by writers,
 * would keep a key quarantined forever when no write follows, and a ticker thread is a
 * thread to leak. Entries are immutable and replaced whole, so the map publishes them safely.
 *
 * Write path: quarantine, release, sweep and size take one lock (writes are rare: a key
 * enters quarantine at most a few times a minute through the agent's flood guard). Under the
 * lock live lives in two indexes: `live` (the read map) and `order`, one insertion-ordered
 * map per severity, so the eviction victim (lowest severity, then oldest) is found in O(1).
 *
 * Expiry: nothing runs in the background. Every write first checks `earliestExpiry` (a lower
 * bound of the live entries' expiries); once the clock has passed it, one O(n) sweep removes
 * every expired entry and recomputes the bound. size() and sweep() do the same check. So an
 * "expired" event is reported at the next write, size() or sweep(), while isQuarantined()
 * turns false exactly at expiry.
 *
 * Events: changes are appended, under the lock, to `pending`; the writer then drains it
 * outside the lock with a single-drainer flag, so listeners see events one at a time in
 * chain order, a slow listener never holds the lock, and a listener may call back into the
 * quarantine. `pending` is bounded (MAX_PENDING); beyond it events are dropped and counted.
 *
 * Memory: at most maxKeys entries, maxOffenders offence histories (LRU, 16 timestamps each)
 * and auditCapacity audit records.
 */

/**
 * A bounded, in-memory {@link Quarantine} with escalating terms and a tamper-evident audit
 * chain. Create it with {@link Quarantines#inMemory()} or {@link Quarantines#builder()}.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>{@link #isQuarantined(String)} is safe on any thread's hot path: for a key that is not
 *       quarantined it is one hash-map lookup (no lock, no clock, no allocation); for one
 *       that is, it adds one read of the clock. It never throws.
 *   <li>At most {@code maxKeys} keys (10 000 by default). A new key when full evicts the
 *       lowest-severity key, oldest term first, if that severity is not above the new key's;
 *       otherwise the new key is refused ({@link #quarantine} returns false).
 *   <li>A key quarantined again within the reoffend window (1 h) after its previous term
 *       ended gets twice that term, capped at {@code maxTtl} (1 h). The 4th offence within a
 *       day raises a CRITICAL {@code repeatOffender} change signal: a person should look.
 *   <li>Allowlisted keys are never quarantined. Keys longer than {@value
 *       Signal#MAX_KEY_LENGTH} characters are refused, as no signal can name them.
 *   <li>Every change is reported to {@link #onChange} listeners as a signal of type {@value
 *       Signal#TYPE_QUARANTINE} (data {@code action}, {@code ttlMs}, {@code severity}, {@code
 *       reason}, {@code offences}) and appended to an audit chain ({@link #auditRecords()}).
 *   <li>No thread is started: expired keys are removed, and their {@code expired} change
 *       reported, at the next write, {@link #size()} or {@link #sweep()}.
 * </ul>
 */
@SuppressWarnings("EnumOrdinal") // one eviction order per severity, indexed by ordinal
public final class InMemoryQuarantine implements Quarantine {
  /** Offence timestamps kept per key. */
  static final int MAX_TRACKED_OFFENCES = 16;

  static final String ACTION_QUARANTINED = "quarantined";
  static final String ACTION_EXTENDED = "extended";
  static final String ACTION_RELEASED = "released";
  static final String ACTION_EXPIRED = "expired";
  static final String ACTION_EVICTED = "evicted";
  static final String ACTION_REPEAT_OFFENDER = "repeatOffender";

  private static final Logger log = LoggerFactory.getLogger(InMemoryQuarantine.class);
  private static final String SOURCE = "argos";
  private static final int MAX_REASON_LENGTH = 256;
  private static final int MAX_PENDING = 10_000;

  private final int maxKeys;
  private final long ttlNanos;
  private final long maxTtlNanos;
  private final long reoffendWindowNanos;
  private final long offenceWindowNanos;
  private final int repeatOffenderThreshold;
  private final int auditCapacity;
  private final Set<String> allowlist;
  private final Clock clock;
  private final @Nullable Consumer<AuditRecord> auditListener;

  /** The read index. Written only under {@link #lock}. */
  private final ConcurrentHashMap<String, Entry> live;

  private final Object lock = new Object();
  // ---- guarded by lock ----
  /** One insertion-ordered map per severity, indexed by ordinal: oldest term first. */
  private final List<LinkedHashMap<String, Entry>> order = new ArrayList<>();
  private final LinkedHashMap<String, Offences> offenders;
  private final ArrayDeque<AuditRecord> audit = new ArrayDeque<>();
  private String head = AuditRecord.GENESIS;
  private long seq;
  private long earliestExpiry;
  private long quarantinedCount;
  private long extendedCount;
  private long releasedCount;
  private long expiredCount;
  private long evictedCount;
  private long refusedCount;
  private long repeatOffenderCount;
  private long auditTrimmed;
  // ---- end guarded by lock ----

  private final ConcurrentLinkedQueue<Object> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pendingSize = new AtomicInteger();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final LongAdder eventsDropped = new LongAdder();
  private final CopyOnWriteArrayList<SignalListener> listeners = new CopyOnWriteArrayList<>();

  InMemoryQuarantine(Quarantines.Builder b) {
    this.maxKeys = b.maxKeys;
    this.ttlNanos = b.ttl.toNanos();
    this.maxTtlNanos = b.maxTtl.toNanos();
    this.reoffendWindowNanos = b.reoffendWindow.toNanos();
    this.offenceWindowNanos = b.offenceWindow.toNanos();
    this.repeatOffenderThreshold = b.repeatOffenderThreshold;
    this.auditCapacity = b.auditCapacity;
    this.allowlist = Set.copyOf(b.allowlist);
    this.clock = b.clock;
    this.auditListener = b.auditListener;
    this.live = new ConcurrentHashMap<>(Math.min(maxKeys, 1 << 14) * 4 / 3 + 1);
    for (int i = 0; i < Severity.values().length; i++) {
      order.add(new LinkedHashMap<>());
    }
    int maxOffenders = b.maxOffenders;
    this.offenders =
        new LinkedHashMap<>(64, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Offences> eldest) {
            return size() > maxOffenders;
          }
        };
  }

  // ---- the hot path ----

  /**
   * True while {@code key} is quarantined. Lock-free; for a key that is not quarantined no
   * clock read and no allocation; never throws (false for null).
   */
  @Override
  public boolean isQuarantined(@Nullable String key) {
    if (key == null) {
      return false;
    }
    Entry e = live.get(key);
    if (e == null) {
      return false;
    }
    try {
      return e.expiresAt - clock.nanoTime() > 0;
    } catch (RuntimeException clockFailed) { // only a custom Clock can throw; never the caller's problem
      return true;
    }
  }

  // ---- writes ----

  /**
   * Quarantines {@code key} for the default TTL (doubled for a repeat offence). If the key is
   * already quarantined its term is extended to at least now + its term's TTL and its
   * severity raised to {@code severity} if higher.
   *
   * @return true when the key entered quarantine or its term was extended or raised; false
   *     for an allowlisted, empty or over-long key, or when full of more severe keys
   */
  @Override
  public boolean quarantine(String key, Severity severity, String reason) {
    return quarantine(key, ttlNanos, severity, reason);
  }

  /**
   * Quarantines {@code key} for {@code ttl} (or longer: a repeat offence doubles the previous
   * term, capped at {@code maxTtl}, if that is longer than {@code ttl}).
   *
   * @throws IllegalArgumentException if {@code ttl} is zero or negative
   */
  @Override
  public boolean quarantine(String key, Duration ttl, Severity severity, String reason) {
    Checks.positive("ttl", ttl);
    return quarantine(key, saturatedNanos(ttl), severity, reason);
  }

  private boolean quarantine(
      @Nullable String key, long ttl, @Nullable Severity severity, @Nullable String reason) {
    if (key == null || key.isEmpty()) {
      return false;
    }
    Severity sev = severity == null ? Severity.WARNING : severity;
    String why = reason == null ? "" : capReason(reason);
    boolean changed;
    synchronized (lock) {
      long now = clock.nanoTime();
      sweepIfDue(now);
      if (allowlist.contains(key) || key.length() > Signal.MAX_KEY_LENGTH) {
        refusedCount++;
        changed = false;
      } else {
        changed = enter(key, ttl, sev, why, now);
      }
    }
    drain();
    return changed;
  }

  /**
   * Releases {@code key} now, reported as action {@code released}.
   *
   * @return true when it was quarantined
   */
  @Override
  public boolean release(@Nullable String key) {
    if (key == null) {
      return false;
    }
    boolean released = false;
    synchronized (lock) {
      long now = clock.nanoTime();
      sweepIfDue(now);
      Entry e = live.get(key);
      if (e != null) {
        remove(e);
        released = true;
        releasedCount++;
        leave(e, ACTION_RELEASED, now);
      }
    }
    drain();
    return released;
  }

  /** Number of keys quarantined now (removes expired keys first). */
  @Override
  public int size() {
    sweep();
    return live.size();
  }

  /** Removes every expired key now, reporting each as action {@code expired}. */
  public void sweep() {
    synchronized (lock) {
      sweepIfDue(clock.nanoTime());
    }
    drain();
  }

  /**
   * Registers a listener for changes: each is a signal of type {@value Signal#TYPE_QUARANTINE}
   * with the key and data {@code action} ({@code quarantined}, {@code released}, {@code
   * expired}, {@code evicted}, {@code repeatOffender}). Listeners are called one at a time, in
   * order, on the thread that made the change; they must not block. One that throws is logged
   * and keeps its registration.
   */
  @Override
  public Subscription onChange(SignalListener listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** The remaining time-to-live of {@code key}, or {@link Duration#ZERO} if not quarantined. */
  public Duration remaining(String key) {
    Entry e = live.get(key);
    if (e == null) {
      return Duration.ZERO;
    }
    long left = e.expiresAt - clock.nanoTime();
    return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
  }

  /** The keys that are never quarantined. */
  public Set<String> allowlist() {
    return allowlist;
  }

  /**
   * A copy of the retained audit chain, oldest first: the last {@code auditCapacity} records
   * (10 000 by default). Verify it with {@link AuditRecord#verify(List)}.
   */
  public List<AuditRecord> auditRecords() {
    synchronized (lock) {
      return List.copyOf(audit);
    }
  }

  /** The hash of the newest audit record ({@link AuditRecord#GENESIS} before the first). */
  public String auditHead() {
    synchronized (lock) {
      return head;
    }
  }

  /** True when the retained audit chain verifies and ends at {@link #auditHead()}. */
  public boolean verifyAudit() {
    List<AuditRecord> records;
    String h;
    synchronized (lock) {
      records = List.copyOf(audit);
      h = head;
    }
    if (records.isEmpty()) {
      return true;
    }
    return AuditRecord.verify(records) && records.get(records.size() - 1).hash().equals(h);
  }

  /** Counters since creation. */
  public Stats stats() {
    synchronized (lock) {
      return new Stats(
          live.size(),
          quarantinedCount,
          extendedCount,
          releasedCount,
          expiredCount,
          evictedCount,
          refusedCount,
          repeatOffenderCount,
          offenders.size(),
          auditTrimmed,
          eventsDropped.sum());
    }
  }

  /**
   * Counters of an {@link InMemoryQuarantine}.
   *
   * @param size keys quarantined now (expired ones not yet swept included)
   * @param quarantined terms started
   * @param extended terms extended or raised by a new quarantine of a quarantined key
   * @param released keys released by {@link #release(String)}
   * @param expired terms that ran out
   * @param evicted keys evicted to make room
   * @param refused quarantines refused: allowlisted, over-long key, or full of more severe keys
   * @param repeatOffenders repeat-offender alarms raised
   * @param offenderHistories keys whose offence history is held (bounded by maxOffenders)
   * @param auditTrimmed audit records dropped from memory (oldest first) beyond the capacity
   * @param eventsDropped change signals dropped because listeners fell 10 000 behind
   */
  public record Stats(
      int size,
      long quarantined,
      long extended,
      long released,
      long expired,
      long evicted,
      long refused,
      long repeatOffenders,
      int offenderHistories,
      long auditTrimmed,
      long eventsDropped) {}

  @Override
  public String toString() {
    return "InMemoryQuarantine[size=" + live.size() + ", maxKeys=" + maxKeys + "]";
  }

  // ---- internals, all called under lock ----

  private boolean enter(String key, long ttl, Severity sev, String reason, long now) {
    Entry cur = live.get(key);
    if (cur != null) {
      return extend(cur, ttl, sev, reason, now);
    }
    if (live.size() >= maxKeys && !makeRoom(sev, now)) {
      refusedCount++;
      return false;
    }
    Offences rec = offenders.get(key);
    if (rec == null) {
      rec = new Offences();
      offenders.put(key, rec);
    }
    long term = ttl;
    if (rec.hasEnded && now - rec.lastEnd <= reoffendWindowNanos) {
      long doubled = rec.lastTtl > maxTtlNanos / 2 ? maxTtlNanos : Math.min(rec.lastTtl * 2, maxTtlNanos);
      term = Math.max(ttl, doubled);
    }
    int offences = rec.add(now, offenceWindowNanos);
    Entry e = new Entry(key, sev, reason, now, saturatedAdd(now, term), term, offences);
    if (live.isEmpty() || e.expiresAt - earliestExpiry < 0) {
      earliestExpiry = e.expiresAt;
    }
    live.put(key, e);
    order.get(sev.ordinal()).put(key, e);
    quarantinedCount++;
    event(e, ACTION_QUARANTINED, sev, now, false);
    if (offences == repeatOffenderThreshold) {
      repeatOffenderCount++;
      event(e, ACTION_REPEAT_OFFENDER, Severity.CRITICAL, now, false);
    }
    return true;
  }

  private boolean extend(Entry cur, long ttl, Severity sev, String reason, long now) {
    long until = saturatedAdd(now, Math.max(ttl, cur.ttl));
    Severity raised = sev.compareTo(cur.severity) > 0 ? sev : cur.severity;
    if (until - cur.expiresAt <= 0 && raised == cur.severity) {
      return false;
    }
    long expiresAt = until - cur.expiresAt > 0 ? until : cur.expiresAt;
    Entry e =
        new Entry(
            cur.key,
            raised,
            reason.isEmpty() ? cur.reason : reason,
            cur.start,
            expiresAt,
            Math.max(ttl, cur.ttl),
            cur.offences);
    order.get(cur.severity.ordinal()).remove(cur.key);
    order.get(raised.ordinal()).put(e.key, e); // re-inserted: now the newest of its severity
    live.put(e.key, e);
    extendedCount++;
    event(e, ACTION_EXTENDED, raised, now, true);
    return true;
  }

  /** Frees one slot for a key of {@code sev}; false if every key is more severe. */
  private boolean makeRoom(Severity sev, long now) {
    // every caller ran sweepIfDue(now) first: no live entry has expired, so evict
    for (Severity s : Severity.values()) {
      if (s.compareTo(sev) > 0) {
        return false;
      }
      LinkedHashMap<String, Entry> m = order.get(s.ordinal());
      if (!m.isEmpty()) {
        Entry victim = m.values().iterator().next();
        remove(victim);
        evictedCount++;
        leave(victim, ACTION_EVICTED, now);
        return true;
      }
    }
    return false;
  }

  private void sweepIfDue(long now) {
    if (!live.isEmpty() && now - earliestExpiry >= 0) {
      sweepExpired(now);
    }
  }

  private void sweepExpired(long now) {
    long earliest = 0;
    boolean any = false;
    for (LinkedHashMap<String, Entry> m : order) {
      for (Iterator<Entry> it = m.values().iterator(); it.hasNext(); ) {
        Entry e = it.next();
        if (e.expiresAt - now <= 0) {
          it.remove();
          live.remove(e.key, e);
          expiredCount++;
          leave(e, ACTION_EXPIRED, now);
        } else if (!any || e.expiresAt - earliest < 0) {
          earliest = e.expiresAt;
          any = true;
        }
      }
    }
    earliestExpiry = earliest;
  }

  private void remove(Entry e) {
    live.remove(e.key, e);
    order.get(e.severity.ordinal()).remove(e.key);
  }

  /** Records the end of a term (for the doubling rule) and reports it. */
  private void leave(Entry e, String action, long now) {
    Offences rec = offenders.get(e.key);
    if (rec == null) {
      rec = new Offences();
      offenders.put(e.key, rec);
    }
    rec.hasEnded = true;
    rec.lastEnd = now;
    rec.lastTtl = e.ttl;
    event(e, action, Severity.INFO, now, false);
  }

  private void event(Entry e, String action, Severity signalSeverity, long now, boolean extended) {
    Instant at = clock.instant();
    long ttlMs = e.ttl / 1_000_000L;
    seq++;
    AuditRecord rec =
        AuditRecord.next(seq, at, action, e.key, e.severity, ttlMs, e.offences, e.reason, head);
    head = rec.hash();
    audit.addLast(rec);
    while (audit.size() > auditCapacity) {
      audit.removeFirst();
      auditTrimmed++;
    }
    Signal.Builder b =
        Signal.builder(Signal.TYPE_QUARANTINE)
            .severity(signalSeverity)
            .key(e.key)
            .source(SOURCE)
            .timestamp(at)
            .message(message(action, e))
            .data("action", extended ? ACTION_QUARANTINED : action)
            .data("ttlMs", ttlMs)
            .data("severity", e.severity.name())
            .data("reason", e.reason)
            .data("offences", e.offences);
    if (extended) {
      b.data("extended", true);
    }
    if (!ACTION_REPEAT_OFFENDER.equals(action)) {
      b.data("remainingMs", Math.max(0, (e.expiresAt - now) / 1_000_000L));
    }
    if (ACTION_RELEASED.equals(action)
        || ACTION_EXPIRED.equals(action)
        || ACTION_EVICTED.equals(action)) {
      b.data(Signal.DATA_STATE, Signal.STATE_RESOLVED)
          .data("durationMs", Math.max(0, (now - e.start) / 1_000_000L));
    }
    enqueue(b.build());
    if (auditListener != null) {
      enqueue(rec);
    }
  }

  private static String message(String action, Entry e) {
    switch (action) {
      case ACTION_QUARANTINED:
        return "quarantined for " + (e.ttl / 1_000_000L) + " ms (offence " + e.offences + ")";
      case ACTION_EXTENDED:
        return "quarantine extended (" + e.severity + ")";
      case ACTION_RELEASED:
        return "released from quarantine";
      case ACTION_EXPIRED:
        return "quarantine expired";
      case ACTION_EVICTED:
        return "evicted from a full quarantine";
      default:
        return "repeat offender: quarantined "
            + e.offences
            + " times within a day; a person should look";
    }
  }

  private void enqueue(Object event) {
    if (pendingSize.incrementAndGet() > MAX_PENDING) {
      pendingSize.decrementAndGet();
      eventsDropped.increment();
      return;
    }
    pending.add(event);
  }

  // ---- delivery, outside the lock ----

  private void drain() {
    while (!pending.isEmpty() && draining.compareAndSet(false, true)) {
      try {
        Object ev;
        while ((ev = pending.poll()) != null) {
          pendingSize.decrementAndGet();
          deliver(ev);
        }
      } finally {
        draining.set(false);
      }
    }
  }

  private void deliver(Object ev) {
    if (ev instanceof Signal signal) {
      for (SignalListener l : listeners) {
        try {
          l.onSignal(signal);
        } catch (Throwable t) {
          log.warn("argos: a quarantine change listener threw; continuing", t);
        }
      }
    } else if (ev instanceof AuditRecord record && auditListener != null) {
      try {
        auditListener.accept(record);
      } catch (Throwable t) {
        log.warn("argos: the quarantine audit listener threw; continuing", t);
      }
    }
  }

  private static String capReason(String reason) {
    if (reason.length() <= MAX_REASON_LENGTH) {
      return reason;
    }
    int end = MAX_REASON_LENGTH;
    if (Character.isHighSurrogate(reason.charAt(end - 1))) {
      end--;
    }
    return reason.substring(0, end);
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4;
    }
  }

  private static long saturatedAdd(long now, long ttl) {
    return now + Math.min(ttl, Long.MAX_VALUE / 4);
  }

  /** One quarantine term; immutable, replaced whole. */
  private static final class Entry {
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

  /** A key's offence history: the last 16 term starts, and how its last term ended. */
  private static final class Offences {
    final long[] starts = new long[MAX_TRACKED_OFFENCES];
    int count;
    int next;
    boolean hasEnded;
    long lastEnd;
    long lastTtl;

    /** Records a term started at {@code now}; returns the terms started within the window. */
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
