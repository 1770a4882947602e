package dev.argos.signals;

import dev.argos.core.internal.SafeText;
import dev.argos.core.internal.Settings;
import dev.argos.core.Clock;
import dev.argos.core.Quarantine;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalListener;
import dev.argos.core.SignalSink;
import dev.argos.core.Subscription;
import dev.argos.signals.QuarantineTable.Entry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * Jobs: this class is the policy (allowlist, escalating terms, repeat offenders) and the
 * delivery of changes. The table of terms (bounded, eviction, expiry) is QuarantineTable, the
 * offence history OffenceHistory, the hash chain AuditChain; all three are guarded by `lock`,
 * except QuarantineTable's lock-free reads.
 *
 * Read path: isQuarantined is Signal.canonicalKey (a length check for keys of at most 256
 * characters) and one ConcurrentHashMap.get. A miss touches nothing else: no clock, no lock,
 * no allocation. A hit compares the entry's immutable expiry with clock.nanoTime(): one clock
 * read, only for keys that are quarantined (which the application is about to refuse anyway).
 * That keeps expiry exact without a ticker thread; the alternative, a volatile coarse "now"
 * refreshed by writers, would keep a key quarantined forever when no write follows, and a
 * ticker thread is a thread to leak. A key longer than 256 characters pays one SHA-256 over
 * it, and only while some quarantined key is 256 characters long (the length of every long
 * key's canonical form); otherwise it is answered false at once.
 *
 * Write path: quarantine, release, sweep and size take one lock (writes are rare: a key
 * enters quarantine at most a few times a minute through the agent's flood guard).
 *
 * Expiry: nothing runs in the background. Every write first asks the table for the terms
 * expired by now (a comparison with a cached earliest expiry unless one is due), so an
 * "expired" change is reported at the next write, size() or sweep(), while isQuarantined()
 * turns false exactly at expiry.
 *
 * Delivery: no queue of its own and no thread. Each change is appended to the audit chain and
 * to `batch` under the lock; before the write releases the lock it hands the batch, in chain
 * order, to the sinks (an agent's bus: SignalSink never blocks), the change listeners and the
 * audit listener. A listener that writes back into the quarantine re-enters the lock (same
 * thread); its changes join the batch and are delivered after the current ones, never in
 * the middle of a table update. Such nested changes are bounded (MAX_NESTED), beyond that
 * dropped and counted.
 *
 * Memory: at most maxKeys terms, maxOffenders offence histories (LRU, 16 timestamps each)
 * and auditCapacity audit records.
 *
 * Start-up: the audit chain is created at the first change, not in the constructor. AuditRecord
 * holds a Jackson ObjectMapper for its JSON form, and loading it costs about 300 classes and
 * a few hundred milliseconds of a cold JVM: a quarantine that is only looked up, or only
 * held by an agent at start-up, writes no JSON and so loads none of that
 * (StartupNoJacksonTest checks it in a child JVM's class-loading log).
 */

/**
 * A bounded, in-memory {@link Quarantine} with escalating terms and a tamper-evident audit
 * chain. Create it with {@link Quarantines#inMemory()} or {@link Quarantines#builder()}.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>{@link #isQuarantined(String)} is safe on any thread's hot path: for a key of at most
 *       {@value Signal#MAX_KEY_LENGTH} characters that is not quarantined it is one hash-map
 *       lookup (no lock, no clock, no allocation); for one that is, it adds one read of the
 *       clock. A longer key costs one SHA-256 over it (microseconds for 1 024 characters),
 *       and nothing while no long key is quarantined. It never throws.
 *   <li>Keys of any length: every method applies {@link Signal#canonicalKey(String)}, the form
 *       under which signals name keys, so a client detected under a long key is quarantined,
 *       released and looked up under that key, and a client whose key is a prefix of it is
 *       not affected.
 *   <li>At most {@code maxKeys} keys (10 000 by default). A new key when full evicts the
 *       lowest-severity key, oldest term first, if that severity is not above the new key's;
 *       otherwise the new key is refused ({@link #quarantine} returns false).
 *   <li>A key quarantined again within the reoffend window (1 h) after its previous term
 *       ended gets twice that term, capped at {@code maxTtl} (1 h). The 4th offence within a
 *       day raises a CRITICAL {@code repeatOffender} change signal: a person should look.
 *   <li>Allowlisted keys are never quarantined.
 *   <li>Every change is appended to an audit chain ({@link #auditRecords()}) and handed, as a
 *       signal of type {@value Signal#TYPE_QUARANTINE} (data {@code action}, {@code ttlMs},
 *       {@code severity}, {@code reason}, {@code offences}), to the agent's sink ({@link
 *       #publishTo}) and to {@link #onChange} listeners, synchronously, in chain order.
 *   <li>No thread is started and nothing is queued: expired keys are removed, and their
 *       {@code expired} change reported, at the next write, {@link #size()} or {@link
 *       #sweep()}.
 *   <li>Null arguments never throw: a null key is not quarantined ({@code false}, {@link
 *       Duration#ZERO}), a null severity means WARNING, a null reason an empty one.
 * </ul>
 */
public final class InMemoryQuarantine implements Quarantine {
  private static final int MAX_REASON_LENGTH = 256;
  /** Most changes that listeners writing back may add to one delivery. */
  private static final int MAX_NESTED = 10_000;

  private final int maxKeys;
  private final int auditCapacity;
  private final long ttlNanos;
  private final int repeatOffenderThreshold;
  private final Set<String> allowlist;
  private final Clock clock;
  private final @Nullable Consumer<AuditRecord> auditListener;
  /** Lock-free reads; every write under {@link #lock}. */
  private final QuarantineTable table;

  private final Object lock = new Object();
  // ---- guarded by lock ----
  private final OffenceHistory offences;
  /**
   * Created at the first change: AuditRecord's class brings Jackson (its JSON form), which a
   * quarantine that never changes (or writes no JSON) should not load at start-up.
   */
  private @Nullable AuditChain chain;
  private ArrayList<Change> batch = new ArrayList<>();
  private boolean delivering;
  private long quarantinedCount;
  private long extendedCount;
  private long releasedCount;
  private long expiredCount;
  private long evictedCount;
  private long refusedCount;
  private long repeatOffenderCount;
  private long eventsDropped;
  // ---- end guarded by lock ----

  private final CopyOnWriteArrayList<SignalSink> sinks = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<SignalListener> listeners = new CopyOnWriteArrayList<>();

  InMemoryQuarantine(Quarantines.Builder b) {
    this.maxKeys = b.maxKeys;
    this.ttlNanos = saturatedNanos(b.ttl);
    this.repeatOffenderThreshold = b.repeatOffenderThreshold;
    Set<String> allowed = new LinkedHashSet<>();
    for (String k : b.allowlist) {
      allowed.add(Signal.canonicalKey(k));
    }
    this.allowlist = Set.copyOf(allowed);
    this.clock = b.clock;
    this.auditListener = b.auditListener;
    this.table = new QuarantineTable();
    this.offences =
        new OffenceHistory(
            b.maxOffenders,
            saturatedNanos(b.reoffendWindow),
            saturatedNanos(b.offenceWindow),
            saturatedNanos(b.maxTtl));
    this.auditCapacity = b.auditCapacity;
  }

  // ---- the hot path ----

  /**
   * True while {@code key} is quarantined. Lock-free; for a key of at most {@value
   * Signal#MAX_KEY_LENGTH} characters that is not quarantined no clock read and no allocation.
   * A longer key is hashed to its canonical form first (cost proportional to its length),
   * unless no long key is quarantined. Never throws; false for null.
   */
  @Override
  public boolean isQuarantined(@Nullable String key) {
    if (key == null) {
      return false;
    }
    Entry e;
    try {
      e = lookUp(key);
    } catch (RuntimeException | OutOfMemoryError failed) { // a key too large to hash
      return false;
    }
    if (e == null) {
      return false;
    }
    try {
      return e.expiresAt - clock.nanoTime() > 0;
    } catch (RuntimeException clockFailed) { // only a custom Clock can throw; never the caller's problem
      return true;
    }
  }

  /**
   * The remaining time-to-live of {@code key}, or {@link Duration#ZERO} if it is not
   * quarantined or null. Never throws.
   */
  public Duration remaining(@Nullable String key) {
    if (key == null) {
      return Duration.ZERO;
    }
    try {
      Entry e = lookUp(key);
      if (e == null) {
        return Duration.ZERO;
      }
      long left = e.expiresAt - clock.nanoTime();
      return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    } catch (RuntimeException | OutOfMemoryError failed) {
      return Duration.ZERO;
    }
  }

  /**
   * The term of {@code key}, expired or not. A key longer than {@value Signal#MAX_KEY_LENGTH}
   * characters is hashed to its canonical form only when the table may hold such a form.
   */
  private @Nullable Entry lookUp(String key) {
    if (key.length() > Signal.MAX_KEY_LENGTH && !table.mayHoldLongKeys()) {
      return null;
    }
    return table.get(Signal.canonicalKey(key));
  }

  // ---- writes ----

  /**
   * Quarantines {@code key} for the default TTL (doubled for a repeat offence). If the key is
   * already quarantined its term is extended to at least now + its term's TTL and its
   * severity raised to {@code severity} if higher.
   *
   * @return true when the key entered quarantine or its term was extended or raised; false
   *     for a null, empty or allowlisted key, or when full of more severe keys
   */
  @Override
  public boolean quarantine(
      @Nullable String key, @Nullable Severity severity, @Nullable String reason) {
    return quarantine(key, ttlNanos, severity, reason);
  }

  /**
   * Quarantines {@code key} for {@code ttl} (or longer: a repeat offence doubles the previous
   * term, capped at {@code maxTtl}, if that is longer than {@code ttl}).
   *
   * @throws IllegalArgumentException if {@code ttl} is null, zero or negative
   */
  @Override
  public boolean quarantine(
      @Nullable String key,
      @Nullable Duration ttl,
      @Nullable Severity severity,
      @Nullable String reason) {
    if (ttl == null) {
      throw new IllegalArgumentException("ttl must be positive but was null");
    }
    Settings.positive("ttl", ttl);
    return quarantine(key, saturatedNanos(ttl), severity, reason);
  }

  private boolean quarantine(
      @Nullable String key, long ttl, @Nullable Severity severity, @Nullable String reason) {
    if (key == null || key.isEmpty()) {
      return false;
    }
    String k = Signal.canonicalKey(key);
    Severity sev = severity == null ? Severity.WARNING : severity;
    String why = reason == null ? "" : SafeText.cap(reason, MAX_REASON_LENGTH);
    synchronized (lock) {
      long now = clock.nanoTime();
      expire(now);
      boolean changed;
      if (allowlist.contains(k)) {
        refusedCount++;
        changed = false;
      } else {
        changed = enter(k, ttl, sev, why, now);
      }
      deliver();
      return changed;
    }
  }

  /**
   * Releases {@code key} now, reported as action {@code released}.
   *
   * @return true when it was quarantined; false for null
   */
  @Override
  public boolean release(@Nullable String key) {
    if (key == null) {
      return false;
    }
    String k = Signal.canonicalKey(key);
    synchronized (lock) {
      long now = clock.nanoTime();
      expire(now);
      Entry e = table.get(k);
      boolean released = false;
      if (e != null) {
        table.remove(e);
        released = true;
        releasedCount++;
        leave(e, AuditRecord.ACTION_RELEASED, now);
      }
      deliver();
      return released;
    }
  }

  /** Number of keys quarantined now (removes expired keys first). */
  @Override
  public int size() {
    sweep();
    return table.size();
  }

  /** Removes every expired key now, reporting each as action {@code expired}. */
  public void sweep() {
    synchronized (lock) {
      expire(clock.nanoTime());
      deliver();
    }
  }

  /**
   * Hands every change to {@code sink} (an agent's bus): see {@link
   * Quarantine#publishTo(SignalSink)}. Called under the quarantine's lock, in chain order,
   * before the write that made the change returns; the sink must not block (a {@link
   * SignalSink} never does).
   */
  @Override
  public Subscription publishTo(SignalSink sink) {
    Objects.requireNonNull(sink, "sink");
    sinks.add(sink);
    return () -> sinks.remove(sink);
  }

  /**
   * Registers a listener for changes, for use without an agent: each change is a signal of
   * type {@value Signal#TYPE_QUARANTINE} with the key and data {@code action} ({@code
   * quarantined}, {@code released}, {@code expired}, {@code evicted}, {@code repeatOffender}).
   *
   * <p>Listeners are called synchronously on the thread that made the change, under the
   * quarantine's write lock, one at a time and in chain order, before that write returns. So
   * they must be quick and must not block: a slow listener slows every write (never {@link
   * #isQuarantined}), and one that waits for another thread that writes to this quarantine
   * deadlocks. A listener may write to the quarantine itself: those changes are delivered
   * after the current ones. One that throws is logged (its exception's class and neutralised
   * message) and keeps its registration.
   */
  @Override
  public Subscription onChange(SignalListener listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** The keys that are never quarantined, in {@linkplain Signal#canonicalKey canonical form}. */
  public Set<String> allowlist() {
    return allowlist;
  }

  /**
   * A copy of the retained audit chain, oldest first: the last {@code auditCapacity} records
   * (10 000 by default). While nothing was trimmed ({@code stats().auditTrimmed() == 0}) it
   * starts at genesis and {@link AuditRecord#verify(List)} checks it; after that it is a tail,
   * which {@link #verifyAudit()} checks against the last record trimmed.
   */
  public List<AuditRecord> auditRecords() {
    synchronized (lock) {
      return chain == null ? List.of() : chain.records();
    }
  }

  /** The hash of the newest audit record ({@link AuditRecord#GENESIS} before the first). */
  public String auditHead() {
    synchronized (lock) {
      return chain == null ? AuditRecord.GENESIS : chain.head();
    }
  }

  /**
   * True when the retained audit chain is intact: it links onto the last record trimmed from
   * memory (onto genesis while nothing was trimmed), and ends at {@link #auditHead()}.
   */
  public boolean verifyAudit() {
    List<AuditRecord> records;
    String head;
    String after;
    synchronized (lock) {
      if (chain == null) {
        return true; // nothing appended: the empty chain at genesis
      }
      records = chain.records();
      head = chain.head();
      after = chain.trimmedHead();
    }
    String last = records.isEmpty() ? after : records.get(records.size() - 1).hash();
    return AuditRecord.verifyAfter(records, after) && last.equals(head);
  }

  /** Counters since creation. */
  public Stats stats() {
    synchronized (lock) {
      return new Stats(
          table.size(),
          quarantinedCount,
          extendedCount,
          releasedCount,
          expiredCount,
          evictedCount,
          refusedCount,
          repeatOffenderCount,
          offences.size(),
          chain == null ? 0 : chain.trimmed(),
          eventsDropped);
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
   * @param refused quarantines refused: allowlisted key, or full of more severe keys
   * @param repeatOffenders repeat-offender alarms raised
   * @param offenderHistories keys whose offence history is held (bounded by maxOffenders)
   * @param auditTrimmed audit records dropped from memory (oldest first) beyond the capacity
   * @param eventsDropped changes not delivered because listeners, writing back into the
   *     quarantine during one delivery, made more than 10 000 of them (still in the audit chain)
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
    return "InMemoryQuarantine[size=" + table.size() + ", maxKeys=" + maxKeys + "]";
  }

  // ---- policy, all called under lock ----

  private void expire(long now) {
    for (Entry e : table.removeExpired(now)) {
      expiredCount++;
      leave(e, AuditRecord.ACTION_EXPIRED, now);
    }
  }

  private boolean enter(String key, long ttl, Severity sev, String reason, long now) {
    Entry cur = table.get(key);
    if (cur != null) { // not expired: expire(now) ran first
      return extend(cur, ttl, sev, reason, now);
    }
    if (table.size() >= maxKeys) {
      Entry victim = table.victim(sev);
      if (victim == null) {
        refusedCount++;
        return false;
      }
      table.remove(victim);
      evictedCount++;
      leave(victim, AuditRecord.ACTION_EVICTED, now);
    }
    long term = offences.term(key, ttl, now);
    int count = offences.started(key, now);
    Entry e = new Entry(key, sev, reason, now, saturatedAdd(now, term), term, count);
    table.put(e);
    quarantinedCount++;
    change(e, AuditRecord.ACTION_QUARANTINED, sev, now);
    if (count == repeatOffenderThreshold) {
      repeatOffenderCount++;
      change(e, AuditRecord.ACTION_REPEAT_OFFENDER, Severity.CRITICAL, now);
    }
    return true;
  }

  private boolean extend(Entry cur, long ttl, Severity sev, String reason, long now) {
    long until = saturatedAdd(now, Math.max(ttl, cur.ttl));
    Severity raised = sev.compareTo(cur.severity) > 0 ? sev : cur.severity;
    if (until - cur.expiresAt <= 0 && raised == cur.severity) {
      return false;
    }
    Entry e =
        new Entry(
            cur.key,
            raised,
            reason.isEmpty() ? cur.reason : reason,
            cur.start,
            until - cur.expiresAt > 0 ? until : cur.expiresAt,
            Math.max(ttl, cur.ttl),
            cur.offences);
    table.replace(cur, e);
    extendedCount++;
    change(e, AuditRecord.ACTION_EXTENDED, raised, now);
    return true;
  }

  /** Records the end of a term (for the doubling rule) and reports it. */
  private void leave(Entry e, String action, long now) {
    offences.ended(e.key, now, e.ttl);
    change(e, action, Severity.INFO, now);
  }

  /** Appends one change to the audit chain and to the batch to deliver. */
  private void change(Entry e, String action, Severity signalSeverity, long now) {
    Instant at = clock.instant();
    long ttlMs = e.ttl / 1_000_000L;
    AuditChain c = chain;
    if (c == null) {
      c = chain = new AuditChain(auditCapacity);
    }
    AuditRecord rec = c.append(at, action, e.key, e.severity, ttlMs, e.offences, e.reason);
    if (delivering && batch.size() >= MAX_NESTED) {
      eventsDropped++;
      return;
    }
    batch.add(new Change(ChangeSignals.of(e, action, signalSeverity, at, now), rec));
  }

  // ---- delivery, under lock, by the outermost write on this thread ----

  private void deliver() {
    if (delivering || batch.isEmpty()) {
      return;
    }
    delivering = true;
    try {
      for (int i = 0; i < batch.size(); i++) { // grows while listeners write back
        Change c = batch.get(i);
        for (SignalSink sink : sinks) {
          try {
            sink.emit(c.signal);
          } catch (Throwable t) { // a SignalSink never throws; never let one break a write
            logFailure("change sink", t);
          }
        }
        for (SignalListener l : listeners) {
          try {
            l.onSignal(c.signal);
          } catch (Throwable t) {
            logFailure("change listener", t);
          }
        }
        if (auditListener != null) {
          try {
            auditListener.accept(c.record);
          } catch (Throwable t) {
            logFailure("audit listener", t);
          }
        }
      }
    } finally {
      if (batch.size() > 64) {
        batch = new ArrayList<>(); // do not keep a large sweep's array
      } else {
        batch.clear();
      }
      delivering = false;
    }
  }

  private static void logFailure(String who, Throwable t) {
    Log.LOG.warn("{}", failureLine(who, t));
  }

  /** The logger, looked up at the first failure: creating a quarantine initialises no logging. */
  private static final class Log {
    static final Logger LOG = LoggerFactory.getLogger(InMemoryQuarantine.class);
  }

  /**
   * The warning for a user callback that threw: one line, its exception's class and message
   * neutralised (no newline, ESC or forged log line) and capped; no stack trace, which would
   * print the message verbatim.
   */
  static String failureLine(String who, Throwable t) {
    return "argos: the quarantine's "
        + who
        + " threw "
        + SafeText.neutralise(t.getClass().getName(), 200)
        + ": "
        + SafeText.neutralise(t.getMessage(), 200)
        + "; continuing";
  }

  private static long saturatedNanos(Duration d) {
    try {
      return Math.min(d.toNanos(), Long.MAX_VALUE / 4);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4;
    }
  }

  private static long saturatedAdd(long now, long ttl) {
    return now + Math.min(ttl, Long.MAX_VALUE / 4);
  }

  /** One change: the signal for sinks and listeners, the record for the audit listener. */
  private static final class Change {
    final Signal signal;
    final AuditRecord record;

    Change(Signal signal, AuditRecord record) {
      this.signal = signal;
      this.record = record;
    }
  }
}
