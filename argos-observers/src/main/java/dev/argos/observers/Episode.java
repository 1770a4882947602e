package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/*
 * Design notes.
 *
 * One condition of one detector (a type, a key and, for some, a reason), edge-triggered: the
 * detector says WHEN its condition holds or is calm at each check; this type says HOW that
 * becomes signals, the same way for every built-in detector (docs/lifecycle.md, "Episodes"):
 *
 *   idle --hold--> running (signal: fired)
 *   running --hold at a higher severity--> running (signal: escalated; never steps down)
 *   running --calm for quietChecks checks in a row AND quietNanos since the first calm one-->
 *       idle (signal: resolved)
 *   running --hold while calming--> running (the quiet count restarts: hysteresis)
 *
 * A condition that flaps around its threshold within the quiet period is thus one episode, not a
 * pair of signals per crossing. Every signal of an episode carries data.episode, an id unique in
 * the process, "<type>-<n>" (n from one process-wide counter, so ids never repeat across Argos
 * instances or types). The resolved signal is assembled here only (resolve()): INFO,
 * data.state = "resolved", data.durationMs (start to end), data.maxSeverity, data.count when
 * the episode grouped several occurrences, and the peak figure under the detector's key.
 *
 * Threads: the sampler thread only (the id counter is the one shared, atomic, part).
 */
/** The edge-triggered episode of one detector's condition; sampler thread only. */
final class Episode {
  private static final AtomicLong IDS = new AtomicLong();

  /** A running episode of repeated occurrences signals again when its count reaches twice the last signalled, from this. */
  static final int COUNT_STEP = 4;
  /** ... or when one occurrence is at least this multiple of the largest signalled. */
  static final int SIZE_FACTOR = 2;
  /** {@link #repeatSignal}: the episode's first signal (no {@code escalation}). */
  static final String FIRST = "";

  /**
   * The rule of detectors that group repeated occurrences (JVM stalls, executor stalls, pinned
   * virtual threads), after {@link #hold} returned {@code step} for one more occurrence: null
   * when it is only counted; {@link #FIRST} for the episode's first signal; else why it
   * escalates: {@code "severity"} (hold said so), {@code "count"} ({@code count} reached twice
   * {@code signalledCount}, from {@link #COUNT_STEP}), {@code "size"} (with {@code bySize}: the
   * occurrence is at least {@link #SIZE_FACTOR} times the largest signalled).
   */
  static @Nullable String repeatSignal(
      Step step, long count, long signalledCount, boolean bySize, long size, long signalledMax) {
    if (step == Step.FIRED) {
      return FIRST;
    }
    if (step == Step.ESCALATED) {
      return "severity";
    }
    if (count >= COUNT_STEP && count >= 2 * signalledCount) {
      return "count";
    }
    if (bySize && size >= SIZE_FACTOR * signalledMax) {
      return "size";
    }
    return null;
  }

  /** What {@link #judge} asks the detector to emit. */
  enum Step {
    /** Nothing to signal. */
    NONE,
    /** The episode started: emit its first signal ({@link #signal}). */
    FIRED,
    /** Its severity rose: emit one more signal ({@link #signal}). */
    ESCALATED,
    /** It has been calm long enough: emit {@link #resolve}. */
    RESOLVED
  }

  private final String type;
  private final @Nullable String key;
  private final Clock clock;
  private final int quietChecks;
  private final long quietNanos;
  private final @Nullable String peakKey;
  private final boolean fractionalMillis;

  private @Nullable String id;
  private Severity severity = Severity.WARNING;
  private long startNanos;
  private double peak;
  private int quiet;
  private long calmSince;
  private int count;

  private Episode(Builder b) {
    this.type = b.type;
    this.key = b.key;
    this.clock = b.clock;
    this.quietChecks = b.quietChecks;
    this.quietNanos = b.quietNanos;
    this.peakKey = b.peakKey;
    this.fractionalMillis = b.fractionalMillis;
  }

  /** An episode of signal type {@code type} under {@code key} (null: the signal has no key). */
  static Builder of(String type, @Nullable String key, Clock clock) {
    return new Builder(type, key, clock);
  }

  /** Settings of an {@link Episode}; every one has a default. */
  static final class Builder {
    private final String type;
    private final @Nullable String key;
    private final Clock clock;
    private int quietChecks = 1;
    private long quietNanos;
    private @Nullable String peakKey;
    private boolean fractionalMillis;

    private Builder(String type, @Nullable String key, Clock clock) {
      this.type = type;
      this.key = key;
      this.clock = clock;
    }

    /**
     * Hysteresis: the episode resolves after {@code checks} calm checks in a row (at least 1, the
     * default: the first calm check) spanning at least {@code nanos} (default 0).
     */
    Builder quiet(int checks, long nanos) {
      if (checks < 1 || nanos < 0) {
        throw new IllegalArgumentException(
            "quiet checks must be >= 1 and quiet time >= 0 but were " + checks + ", " + nanos);
      }
      this.quietChecks = checks;
      this.quietNanos = nanos;
      return this;
    }

    /** The data key under which the resolved signal carries the episode's peak figure. */
    Builder peak(String dataKey) {
      this.peakKey = dataKey;
      return this;
    }

    /** durationMs as a fraction rounded to the microsecond (lag), rather than whole ms. */
    Builder fractionalMillis() {
      this.fractionalMillis = true;
      return this;
    }

    Episode build() {
      return new Episode(this);
    }
  }

  /** Whether an episode is running. */
  boolean active() {
    return id != null;
  }

  /** The running episode's id, {@code "<type>-<n>"}; null when none runs. */
  @Nullable String id() {
    return id;
  }

  /** The highest severity signalled in the running episode. */
  Severity severity() {
    return severity;
  }

  /** When the running episode started, clock nanoTime. */
  long startNanos() {
    return startNanos;
  }

  /** The largest figure reported to {@link #hold} in the running episode. */
  double peak() {
    return peak;
  }

  /** Calm checks in a row so far (0 while the condition holds). */
  int quiet() {
    return quiet;
  }

  /** Occurrences grouped in the running episode ({@link #hold} calls after a calm check, + 1). */
  int count() {
    return count;
  }

  /** Milliseconds from the episode's start to {@code nowNanos} (0 when none runs). */
  long durationMs(long nowNanos) {
    return active() ? Math.max(0, TimeUnit.NANOSECONDS.toMillis(nowNanos - startNanos)) : 0;
  }

  /** The condition holds at {@code level} with {@code figure} now: see {@link #hold(Severity, double, long, long)}. */
  Step hold(Severity level, double figure, long nowNanos) {
    return hold(level, figure, nowNanos, nowNanos);
  }

  /**
   * The condition holds at {@code level} with {@code figure} (the peak follows the largest): an
   * idle episode starts (its start is {@code sinceNanos}, when the condition began, at or before
   * {@code nowNanos}), a running one escalates when {@code level} is above what it signalled and
   * its quiet count restarts.
   */
  Step hold(Severity level, double figure, long sinceNanos, long nowNanos) {
    if (id == null) {
      id = type + "-" + IDS.incrementAndGet();
      severity = level;
      startNanos = Math.min(sinceNanos, nowNanos);
      peak = figure;
      quiet = 0;
      count = 1;
      return Step.FIRED;
    }
    if (quiet > 0) {
      count++; // it came back within the quiet period: one more occurrence of this episode
      quiet = 0;
    }
    if (figure > peak) {
      peak = figure;
    }
    if (level.compareTo(severity) > 0) {
      severity = level;
      return Step.ESCALATED;
    }
    return Step.NONE;
  }

  /**
   * The condition is calm now: {@link Step#RESOLVED} when it has been calm for the quiet checks
   * and the quiet time (then emit {@link #resolve}), else {@link Step#NONE}.
   */
  Step calm(long nowNanos) {
    if (id == null) {
      return Step.NONE;
    }
    if (quiet++ == 0) {
      calmSince = nowNanos;
    }
    return quiet >= quietChecks && nowNanos - calmSince >= quietNanos ? Step.RESOLVED : Step.NONE;
  }

  /**
   * One check of a condition with hysteresis in its level: it holds when it {@code starts} (above
   * the firing level) or, while an episode runs, when it does not yet {@code end} (between the two
   * levels); it is calm when it {@code ends}. Nothing happens while idle and not starting.
   */
  Step judge(boolean starts, boolean ends, Severity level, double figure, long nowNanos) {
    if (starts || (active() && !ends)) {
      return hold(level, figure, nowNanos);
    }
    return ends ? calm(nowNanos) : Step.NONE;
  }

  /**
   * {@link #judge}, then emits to {@code sink} what it asks: the firing or escalated signal with
   * {@code message}, or the resolved one with "{@code what} ended after N ms"; {@code figures}
   * adds the detector's data to either.
   */
  void judgeAndEmit(
      boolean starts, boolean ends, Severity level, double figure, long nowNanos,
      SignalSink sink, UnaryOperator<Signal.Builder> figures, String what, String message) {
    switch (judge(starts, ends, level, figure, nowNanos)) {
      case FIRED, ESCALATED -> sink.emit(figures.apply(signal(level)).message(message).build());
      case RESOLVED -> {
        String ended = what + " ended after " + durationMs(nowNanos) + " ms";
        sink.emit(figures.apply(resolve(nowNanos)).message(ended).build());
      }
      case NONE -> {}
    }
  }

  /**
   * A signal of the running episode at {@code level} (its first or an escalation): type, key,
   * source, timestamp and {@code data.episode}; the detector adds its message and figures.
   */
  Signal.Builder signal(Severity level) {
    return Argos.signal(type, level, clock).key(key).data(DataKeys.EPISODE, id);
  }

  /**
   * Ends the running episode at {@code endNanos} and returns its resolved signal: INFO, {@code
   * data.state = "resolved"}, {@code data.episode}, {@code data.durationMs} (start to {@code
   * endNanos}), {@code data.maxSeverity}, {@code data.count} when it grouped several occurrences,
   * and the peak under the detector's peak key; the detector adds its message and figures.
   *
   * @throws IllegalStateException when no episode runs
   */
  Signal.Builder resolve(long endNanos) {
    String ended = id;
    if (ended == null) {
      throw new IllegalStateException("no " + type + " episode runs");
    }
    long nanos = Math.max(0, endNanos - startNanos);
    Signal.Builder b =
        Argos.signal(type, Severity.INFO, clock)
            .key(key)
            .data(DataKeys.STATE, DataKeys.STATE_RESOLVED)
            .data(DataKeys.EPISODE, ended)
            .data(DataKeys.DURATION_MS, fractionalMillis
                ? (Object) round(nanos / 1e6)
                : (Object) TimeUnit.NANOSECONDS.toMillis(nanos))
            .data(DataKeys.MAX_SEVERITY, severity);
    if (count > 1) {
      b.data(DataKeys.COUNT, count);
    }
    String pk = peakKey;
    if (pk != null) {
      b.data(pk, round(peak));
    }
    id = null;
    severity = Severity.WARNING;
    quiet = 0;
    count = 0;
    return b;
  }

  /** Rounded to three decimals (a microsecond, for milliseconds). */
  static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }
}
