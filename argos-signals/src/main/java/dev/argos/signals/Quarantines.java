package dev.argos.signals;

import dev.argos.core.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Factories for the bounded in-memory {@link dev.argos.core.Quarantine}.
 *
 * <pre>{@code
 * Agent agent = createAgent(AgentConfig.builder()
 *     .quarantine(Quarantines.inMemory())
 *     .observer(argos)
 *     .build());
 * }</pre>
 *
 * <p>See {@link InMemoryQuarantine} for the guarantees and {@code docs/quarantine.md} for the
 * behaviour in full.
 */
public final class Quarantines {
  /** Default most keys held at once. */
  public static final int DEFAULT_MAX_KEYS = 10_000;
  /** Default time-to-live of a first offence. */
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
  /** Default cap on a doubled time-to-live. */
  public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(1);
  /** Default: a key quarantined again within this time after its term ended gets double. */
  public static final Duration DEFAULT_REOFFEND_WINDOW = Duration.ofHours(1);
  /** Default window over which offences are counted. */
  public static final Duration DEFAULT_OFFENCE_WINDOW = Duration.ofDays(1);
  /** Default offence count (within the offence window) that raises a CRITICAL alarm. */
  public static final int DEFAULT_REPEAT_OFFENDER_THRESHOLD = 4;
  /** Default most keys whose offence history is remembered. */
  public static final int DEFAULT_MAX_OFFENDERS = 10_000;
  /** Default most audit records kept in memory. */
  public static final int DEFAULT_AUDIT_CAPACITY = 10_000;

  private Quarantines() {}

  /** A quarantine with every default: 10 000 keys, 5 min TTL, doubling capped at 1 h. */
  public static InMemoryQuarantine inMemory() {
    return builder().build();
  }

  /** A builder for a quarantine with non-default settings. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds an {@link InMemoryQuarantine}; every setter validates its argument at once. */
  public static final class Builder {
    int maxKeys = DEFAULT_MAX_KEYS;
    Duration ttl = DEFAULT_TTL;
    Duration maxTtl = DEFAULT_MAX_TTL;
    Duration reoffendWindow = DEFAULT_REOFFEND_WINDOW;
    Duration offenceWindow = DEFAULT_OFFENCE_WINDOW;
    int repeatOffenderThreshold = DEFAULT_REPEAT_OFFENDER_THRESHOLD;
    int maxOffenders = DEFAULT_MAX_OFFENDERS;
    int auditCapacity = DEFAULT_AUDIT_CAPACITY;
    final Set<String> allowlist = new LinkedHashSet<>();
    Clock clock = Clock.system();
    @Nullable Consumer<AuditRecord> auditListener;

    private Builder() {}

    /** Most keys quarantined at once (default 10 000); when full, see {@link InMemoryQuarantine}. */
    public Builder maxKeys(int maxKeys) {
      this.maxKeys = Checks.positive("maxKeys", maxKeys);
      return this;
    }

    /** Time-to-live of a first offence and of {@code quarantine(key, severity, reason)} (5 min). */
    public Builder ttl(Duration ttl) {
      this.ttl = Checks.positive("ttl", ttl);
      return this;
    }

    /** Cap on a time-to-live doubled for a repeat offence (default 1 h). */
    public Builder maxTtl(Duration maxTtl) {
      this.maxTtl = Checks.positive("maxTtl", maxTtl);
      return this;
    }

    /**
     * A key quarantined again within this time after its previous term ended (released,
     * expired or evicted) gets twice the previous term, up to {@link #maxTtl} (default 1 h).
     */
    public Builder reoffendWindow(Duration window) {
      this.reoffendWindow = Checks.positive("reoffendWindow", window);
      return this;
    }

    /** The window over which offences are counted for the repeat-offender alarm (1 day). */
    public Builder offenceWindow(Duration window) {
      this.offenceWindow = Checks.positive("offenceWindow", window);
      return this;
    }

    /** The offence count within the offence window that raises the CRITICAL alarm (4, 2..16). */
    public Builder repeatOffenderThreshold(int threshold) {
      if (threshold < 2 || threshold > OffenceHistory.MAX_TRACKED_OFFENCES) {
        throw new IllegalArgumentException(
            "repeatOffenderThreshold must be between 2 and "
                + OffenceHistory.MAX_TRACKED_OFFENCES
                + " but was "
                + threshold);
      }
      this.repeatOffenderThreshold = threshold;
      return this;
    }

    /** Most keys whose offence history is kept, least recently offending dropped (10 000). */
    public Builder maxOffenders(int maxOffenders) {
      this.maxOffenders = Checks.positive("maxOffenders", maxOffenders);
      return this;
    }

    /** Most audit records kept in memory, oldest dropped first (default 10 000). */
    public Builder auditCapacity(int capacity) {
      this.auditCapacity = Checks.positive("auditCapacity", capacity);
      return this;
    }

    /**
     * Keys that are never quarantined (exact match, after {@link
     * dev.argos.core.Signal#canonicalKey(String)}, so a long key works too), e.g. health
     * checkers, your own hosts.
     *
     * @throws NullPointerException if a key is null
     */
    public Builder allow(String... keys) {
      return allow(java.util.Arrays.asList(keys));
    }

    /** Keys that are never quarantined (exact match, after canonicalisation). */
    public Builder allow(Collection<String> keys) {
      for (String k : keys) {
        allowlist.add(Objects.requireNonNull(k, "allowlisted key"));
      }
      return this;
    }

    /**
     * Receives each audit record as it is appended, in chain order, e.g. to write it to a file
     * before it is trimmed from memory. Called synchronously under the quarantine's write lock
     * (like change listeners, see {@link InMemoryQuarantine#onChange}), so it must be quick:
     * hand the record to a bounded queue of yours if writing it may block.
     */
    public Builder onAudit(Consumer<AuditRecord> listener) {
      this.auditListener = Objects.requireNonNull(listener, "onAudit");
      return this;
    }

    /** Time source (default {@link Clock#system()}); {@link Clock#manual()} in tests. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public InMemoryQuarantine build() {
      return new InMemoryQuarantine(this);
    }
  }
}
