package dev.argos.signals;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalFilter;
import dev.argos.core.internal.FloodWindows;
import dev.argos.core.internal.Settings;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SignalFilter} that turns a stream of repeated signals into episodes: dedup,
 * escalation, resolution and a bound on what it remembers. Add it to an agent with {@code
 * AgentConfig.builder().filter(Dedup.create())}.
 *
 * <h2>Behaviour</h2>
 *
 * <ul>
 *   <li><b>Fingerprint</b> = type + key + {@code data.reason} (when present) + severity. The
 *       first signal of a fingerprint is
 *       delivered unchanged and starts an episode.
 *   <li><b>Dedup</b>: a repeat within the window (60 s by default) of the fingerprint's last
 *       delivery is counted, not delivered. A repeat after the window, while repeats keep
 *       coming (no gap longer than the window), is delivered as a reminder with {@code
 *       data.repeats}; after a gap longer than the window a new episode starts.
 *   <li><b>Escalation</b>: after 3 consecutive suppressed repeats the signal is delivered one
 *       severity level up ({@code INFO → WARNING → CRITICAL}) with {@code data.repeats} and
 *       {@code data.escalatedFrom}; later deliveries of the episode keep that level.
 *   <li><b>Resolution</b>: a signal with {@code data.state = "resolved"} ends every episode of
 *       its type and key and is always delivered, with {@code data.repeats} when repeats were
 *       counted.
 *   <li><b>Bounds</b>: at most 10 000 fingerprints (least recently seen dropped first), and at
 *       most 1 000 new fingerprints per type per window: beyond that, signals that would start
 *       a new episode are dropped and counted, and the next delivered signal of that type
 *       carries {@code data.floodDropped}. Past 1 024 types in a window, the further types
 *       share one such limit (the same flood-window type as the agent's flood guard). See
 *       {@link #stats()}.
 * </ul>
 *
 * <p>Thread-safe (one lock; the agent calls filters from its single dispatcher thread). Cost:
 * one hash lookup and one small string per signal; a delivered changed copy allocates a
 * signal. Time comes from the injected {@link Clock}'s {@link Clock#nanoTime()}.
 */
public final class Dedup implements SignalFilter {
  /** Default dedup window. */
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);
  /** Default number of consecutive repeats after which severity steps up. */
  public static final int DEFAULT_ESCALATE_AFTER = 3;
  /** Default most fingerprints remembered. */
  public static final int DEFAULT_MAX_FINGERPRINTS = 10_000;
  /** Default most new fingerprints (episodes) per type per window. */
  public static final int DEFAULT_FLOOD_LIMIT = 1_000;
  /** Longest {@code window}: seven days. */
  public static final Duration MAX_WINDOW = Duration.ofDays(7);

  private static final int MAX_TYPES = 1024;

  private final long windowNanos;
  private final int escalateAfter;
  private final int maxFingerprints;
  private final int floodLimit;
  private final Clock clock;

  // guarded by this
  private final LinkedHashMap<String, Episode> episodes = new LinkedHashMap<>(256, 0.75f, true);
  private final FloodWindows types;
  private long seen;
  private long delivered;
  private long suppressed;
  private long escalated;
  private long resolved;
  private long evicted;
  private long floodDropped;

  private Dedup(Builder b) {
    this.windowNanos = b.window.toNanos();
    this.escalateAfter = b.escalateAfter;
    this.maxFingerprints = b.maxFingerprints;
    this.floodLimit = b.floodLimit;
    this.clock = b.clock;
    this.types = new FloodWindows(windowNanos, floodLimit, MAX_TYPES);
  }

  /** A dedup filter with the defaults: 60 s window, escalate after 3, 10 000 fingerprints. */
  public static Dedup create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public synchronized @Nullable Signal apply(Signal signal) {
    long now = clock.nanoTime();
    seen++;
    expireIdle(now);
    String type = signal.type();
    String key = signal.key();
    String reason = reasonOf(signal);
    if (signal.isResolved()) {
      long repeats = 0;
      boolean any = false;
      for (Severity s : Severity.values()) {
        Episode e = episodes.remove(fingerprint(type, key, reason, s));
        if (e != null) {
          any = true;
          repeats += e.repeats;
        }
      }
      resolved++;
      return deliver(
          any && repeats > 0 ? signal.toBuilder().data(DataKeys.REPEATS, repeats) : null, signal, type);
    }
    String fp = fingerprint(type, key, reason, signal.severity());
    Episode e = episodes.get(fp);
    if (e != null && now - e.lastSeen > windowNanos) {
      episodes.remove(fp); // a gap longer than the window: that episode is over
      e = null;
    }
    if (e == null) {
      if (!admitNew(type, now)) {
        floodDropped++;
        return null;
      }
      e = new Episode(signal.severity(), now);
      episodes.put(fp, e);
      if (episodes.size() > maxFingerprints) {
        Iterator<Episode> it = episodes.values().iterator();
        it.next();
        it.remove();
        evicted++;
      }
      return deliver(null, signal, type);
    }
    e.lastSeen = now;
    e.repeats++;
    e.consecutive++;
    if (e.consecutive >= escalateAfter && e.level != Severity.CRITICAL) {
      Severity from = e.level;
      e.level = e.level.escalate();
      e.consecutive = 0;
      e.lastDelivered = now;
      escalated++;
      return deliver(
          signal
              .toBuilder()
              .severity(e.level)
              .data(DataKeys.REPEATS, e.repeats)
              .data(DataKeys.ESCALATED_FROM, from.name()),
          signal,
          type);
    }
    if (now - e.lastDelivered >= windowNanos) {
      e.consecutive = 0;
      e.lastDelivered = now;
      Signal.Builder b = signal.toBuilder().severity(e.level).data(DataKeys.REPEATS, e.repeats);
      if (e.level != signal.severity()) {
        b.data(DataKeys.ESCALATED_FROM, signal.severity().name());
      }
      return deliver(b, signal, type);
    }
    suppressed++;
    return null;
  }

  /** Counters since creation. */
  public synchronized Stats stats() {
    return new Stats(
        seen, delivered, suppressed, escalated, resolved, evicted, floodDropped, episodes.size());
  }

  /**
   * Counters of a {@link Dedup} filter.
   *
   * @param seen signals given to the filter
   * @param delivered signals it passed on (changed or not)
   * @param suppressed repeats counted and not delivered
   * @param escalated deliveries with a severity raised by escalation
   * @param resolved resolved signals passed on
   * @param evicted fingerprints forgotten because the bound was reached
   * @param floodDropped signals dropped because their type started too many episodes
   * @param tracked fingerprints remembered now
   */
  public record Stats(
      long seen,
      long delivered,
      long suppressed,
      long escalated,
      long resolved,
      long evicted,
      long floodDropped,
      int tracked) {}

  @Override
  public String toString() {
    return "Dedup[window=" + Duration.ofNanos(windowNanos) + ", escalateAfter=" + escalateAfter + "]";
  }

  private Signal deliver(Signal.@Nullable Builder changed, Signal original, String type) {
    delivered++;
    FloodWindows.Slot w = types.slotOf(type);
    long pending = w == null ? 0 : w.takePending();
    if (pending > 0) {
      Signal.Builder b = changed != null ? changed : original.toBuilder();
      b.data(DataKeys.FLOOD_DROPPED, pending);
      return b.build();
    }
    return changed != null ? changed.build() : original;
  }

  private boolean admitNew(String type, long now) {
    return types.record(type, now).admitted();
  }

  /** Drops fingerprints not seen for longer than the window (eldest first: access order). */
  private void expireIdle(long now) {
    Iterator<Episode> it = episodes.values().iterator();
    while (it.hasNext()) {
      Episode e = it.next();
      if (now - e.lastSeen <= windowNanos) {
        return;
      }
      it.remove();
    }
  }

  /**
   * {@code data.reason} when it is a short string: one detector can report several conditions
   * about the same key (a heap that grows and a heap that is full), which are distinct episodes.
   */
  private static String reasonOf(Signal signal) {
    Object r = signal.data().get(DataKeys.REASON);
    return r instanceof String s && s.length() <= 64 ? s : "";
  }

  private static String fingerprint(
      String type, @Nullable String key, String reason, Severity severity) {
    // type has no NUL; reasons are words chosen by detectors; a null key is marked apart
    return key == null
        ? type + '\u0000' + reason + "\u0000\u0001" + severity.name()
        : type + '\u0000' + reason + '\u0000' + severity.name() + '\u0000' + key;
  }

  /** One fingerprint's episode. */
  private static final class Episode {
    Severity level;
    long lastSeen;
    long lastDelivered;
    long repeats;
    int consecutive;

    Episode(Severity level, long now) {
      this.level = level;
      this.lastSeen = now;
      this.lastDelivered = now;
    }
  }

  /** Builds a {@link Dedup}; every setter validates its argument at once. */
  public static final class Builder {
    private Duration window = DEFAULT_WINDOW;
    private int escalateAfter = DEFAULT_ESCALATE_AFTER;
    private int maxFingerprints = DEFAULT_MAX_FINGERPRINTS;
    private int floodLimit = DEFAULT_FLOOD_LIMIT;
    private Clock clock = Clock.system();

    private Builder() {}

    /**
     * Repeats within this time of the last delivery are counted, not delivered: positive, at
     * most 7 days (60 s).
     */
    public Builder window(Duration window) {
      this.window = Settings.positiveDuration("window", window, MAX_WINDOW);
      return this;
    }

    /** Consecutive suppressed repeats after which severity steps up one level (3). */
    public Builder escalateAfter(int repeats) {
      this.escalateAfter = Checks.positive("escalateAfter", repeats);
      return this;
    }

    /** Most fingerprints remembered; least recently seen forgotten first (10 000). */
    public Builder maxFingerprints(int max) {
      this.maxFingerprints = Checks.positive("maxFingerprints", max);
      return this;
    }

    /** Most new fingerprints (episodes) per type per window; beyond, dropped (1 000). */
    public Builder floodLimit(int perTypePerWindow) {
      this.floodLimit = Checks.positive("floodLimit", perTypePerWindow);
      return this;
    }

    /** Time source (default {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public Dedup build() {
      return new Dedup(this);
    }
  }
}
