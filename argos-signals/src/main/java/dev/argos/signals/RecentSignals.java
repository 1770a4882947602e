package dev.argos.signals;

import dev.argos.core.Clock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A ring buffer of the most recent signals, for dashboards and for listeners that join late.
 * Subscribe it to a topic ({@code agent.on(Agent.TOPIC_SIGNAL, recent)}) or call {@link
 * #onSignal(Signal)} yourself.
 *
 * <p>Bounds: at most {@code capacity} signals (1 000 by default; the oldest is overwritten)
 * and none older than {@code maxAge} (60 s by default, measured with the injected {@link
 * Clock#nanoTime()} from when the signal was recorded). Thread-safe: recording and queries
 * take one short lock; a query copies at most {@code capacity} references.
 */
public final class RecentSignals implements SignalListener {
  /** Default number of signals kept. */
  public static final int DEFAULT_CAPACITY = 1_000;
  /** Default age after which a signal is forgotten. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(60);

  private final Clock clock;
  private final long maxAgeNanos;
  private final @Nullable Signal[] signals;
  private final long[] recordedAt;
  private int next;
  private int size;
  private long recorded;

  private RecentSignals(int capacity, Duration maxAge, Clock clock) {
    this.clock = clock;
    this.maxAgeNanos = maxAge.toNanos(); // Checks.positive: fits in nanoseconds
    this.signals = new Signal[capacity];
    this.recordedAt = new long[capacity];
  }

  /** A buffer of 1 000 signals, 60 s max age, on the system clock. */
  public static RecentSignals create() {
    return create(DEFAULT_CAPACITY, DEFAULT_MAX_AGE, Clock.system());
  }

  /** A buffer of 1 000 signals, 60 s max age, on {@code clock}. */
  public static RecentSignals create(Clock clock) {
    return create(DEFAULT_CAPACITY, DEFAULT_MAX_AGE, clock);
  }

  /**
   * A buffer of {@code capacity} signals (1 to 1 000 000) kept at most {@code maxAge} (positive,
   * at most about 292 years: its nanoseconds must fit in a {@code long}).
   *
   * @throws IllegalArgumentException for a capacity out of range, or an age that is not positive
   *     or too long ({@link java.time.temporal.ChronoUnit#FOREVER} included), naming it
   */
  public static RecentSignals create(int capacity, Duration maxAge, Clock clock) {
    if (capacity <= 0 || capacity > 1_000_000) {
      throw new IllegalArgumentException(
          "capacity must be between 1 and 1000000 but was " + capacity);
    }
    Checks.positive("maxAge", maxAge);
    return new RecentSignals(capacity, maxAge, Objects.requireNonNull(clock, "clock"));
  }

  /** Records one signal. Never throws. */
  @Override
  public void onSignal(@Nullable Signal signal) {
    if (signal == null) {
      return;
    }
    long now = clock.nanoTime();
    synchronized (this) {
      signals[next] = signal;
      recordedAt[next] = now;
      next = (next + 1) % signals.length;
      if (size < signals.length) {
        size++;
      }
      recorded++;
    }
  }

  /**
   * The retained signals that match every given criterion, oldest first. A null criterion
   * matches everything.
   *
   * @param type the signal type, e.g. {@code "burst"}
   * @param key the signal key, of any length: compared in {@linkplain Signal#canonicalKey
   *     canonical form}, the form signals carry, so the full key of a long client key matches
   * @param minSeverity the lowest severity included
   * @param since only signals whose {@link Signal#timestamp()} is at or after this instant
   */
  public List<Signal> query(
      @Nullable String type,
      @Nullable String key,
      @Nullable Severity minSeverity,
      @Nullable Instant since) {
    String k = key == null ? null : Signal.canonicalKey(key);
    long now = clock.nanoTime();
    List<Signal> out = new ArrayList<>();
    synchronized (this) {
      int start = (next - size + signals.length) % signals.length;
      for (int i = 0; i < size; i++) {
        int idx = (start + i) % signals.length;
        Signal s = signals[idx];
        if (s == null || now - recordedAt[idx] > maxAgeNanos) {
          continue;
        }
        if ((type == null || type.equals(s.type()))
            && (k == null || k.equals(s.key()))
            && (minSeverity == null || s.severity().isAtLeast(minSeverity))
            && (since == null || !s.timestamp().isBefore(since))) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /** Every retained signal, oldest first. */
  public List<Signal> all() {
    return query(null, null, null, null);
  }

  /** Retained signals of one type, oldest first. */
  public List<Signal> ofType(String type) {
    return query(Objects.requireNonNull(type, "type"), null, null, null);
  }

  /**
   * Hands every retained signal, oldest first, to {@code listener}: a listener that joins late
   * catches up, then subscribes for what follows. Exceptions from the listener propagate.
   */
  public void replayTo(SignalListener listener) {
    Objects.requireNonNull(listener, "listener");
    for (Signal s : all()) {
      listener.onSignal(s);
    }
  }

  /** Signals retained now (not older than the max age). */
  public int size() {
    return all().size();
  }

  /** Signals recorded since creation, including those overwritten or aged out. */
  public synchronized long recorded() {
    return recorded;
  }

  /** Forgets every signal. */
  public synchronized void clear() {
    java.util.Arrays.fill(signals, null);
    size = 0;
    next = 0;
  }

  @Override
  public String toString() {
    return "RecentSignals[capacity=" + signals.length + ", maxAge=" + Duration.ofNanos(maxAgeNanos) + "]";
  }
}
