package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.SignalListener;
import dev.argos.core.internal.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Immutable configuration of {@link Argos}; build it with {@link #builder()}.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code sampleRate}</td><td>100 ms</td><td>interval between two ticks of the
 *       {@code argos-sampler} thread (heap, GC, rates, descriptors are sampled each tick); 1 ms
 *       to 1 h</td></tr>
 *   <tr><td>{@code windowSize}</td><td>60 s</td><td>analysis window for growth, baselines,
 *       rates; at least {@code sampleRate}, at most 7 days</td></tr>
 *   <tr><td>{@code thresholds}</td><td>{@link Thresholds#defaults()}</td><td>when detectors
 *       fire</td></tr>
 *   <tr><td>{@code onAnomaly}</td><td>none</td><td>listeners subscribed to {@code
 *       argos:signal} of the one bus: inside an {@link dev.argos.core.Agent}, the agent's (they
 *       get every signal the agent delivers, after its filters and flood guard); standalone
 *       ({@link Argos#start()}), one bus Argos creates for them. Each on its own bounded queue
 *       (a slow one delays only itself)</td></tr>
 *   <tr><td>{@code clock}</td><td>{@link Clock#system()}</td><td>time source; with a clock that
 *       does not move by itself ({@link Clock#movesByItself()} false: a {@link
 *       dev.argos.core.ManualClock}) no sampler thread is started and no collector listened
 *       to</td></tr>
 *   <tr><td>{@code virtualThreads}</td><td>true</td><td>on JDK 21 and later (found at run
 *       time; nothing happens on 17 to 20): pinned virtual threads ({@value
 *       VirtualThreads#TYPE_PINNED}, through a JFR stream) and the virtual-thread scheduler's lag
 *       ({@code eventLoopLag}, key {@value VirtualThreads#KEY}); see {@link VirtualThreads}</td></tr>
 *   <tr><td>{@code pinnedThreshold}</td><td>20 ms</td><td>a virtual thread pinned to its carrier
 *       for longer than this is signalled; 1 ms to 1 h</td></tr>
 * </table>
 *
 * <p>Invalid values are refused with an {@link IllegalArgumentException} that names the
 * setting and the value: {@code sampleRate} in [{@value #MIN_SAMPLE_RATE_MILLIS} ms, 1 h]
 * (below a millisecond the sampler would burn a core), {@code windowSize} in [{@code
 * sampleRate}, 7 days], so that no duration's nanoseconds (or ten times them) can overflow.
 */
public final class ArgosConfig {
  /** Default interval between ticks. */
  public static final Duration DEFAULT_SAMPLE_RATE = Duration.ofMillis(100);
  /** Default analysis window. */
  public static final Duration DEFAULT_WINDOW_SIZE = Duration.ofSeconds(60);
  /** Shortest {@code sampleRate}, in milliseconds. */
  public static final int MIN_SAMPLE_RATE_MILLIS = 1;
  /** Shortest {@code sampleRate}: one millisecond. */
  public static final Duration MIN_SAMPLE_RATE = Duration.ofMillis(MIN_SAMPLE_RATE_MILLIS);
  /** Longest {@code sampleRate}: one hour. */
  public static final Duration MAX_SAMPLE_RATE = Duration.ofHours(1);
  /** Longest {@code windowSize}: seven days. */
  public static final Duration MAX_WINDOW_SIZE = Duration.ofDays(7);

  private final Duration sampleRate;
  private final Duration windowSize;
  private final Thresholds thresholds;
  private final List<SignalListener> onAnomaly;
  private final Clock clock;
  // virtual threads (issue 15 §4)
  private final boolean virtualThreads;
  private final Duration pinnedThreshold;

  private ArgosConfig(Builder b) {
    this.sampleRate = b.sampleRate;
    this.windowSize = b.windowSize;
    this.thresholds = b.thresholds;
    this.onAnomaly = List.copyOf(b.onAnomaly);
    this.clock = b.clock;
    this.virtualThreads = b.virtualThreads;
    this.pinnedThreshold = b.pinnedThreshold;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The configuration with every default. */
  public static ArgosConfig defaults() {
    return builder().build();
  }

  public Duration sampleRate() {
    return sampleRate;
  }

  public Duration windowSize() {
    return windowSize;
  }

  public Thresholds thresholds() {
    return thresholds;
  }

  public List<SignalListener> onAnomaly() {
    return onAnomaly;
  }

  public Clock clock() {
    return clock;
  }

  /**
   * Whether Argos watches virtual threads (pinning, scheduler lag) when the JDK has them (21 and
   * later); default true.
   */
  public boolean virtualThreads() {
    return virtualThreads;
  }

  /** How long a virtual thread may stay pinned to its carrier before it is signalled. */
  public Duration pinnedThreshold() {
    return pinnedThreshold;
  }

  @Override
  public String toString() {
    return "ArgosConfig[sampleRate=" + sampleRate + ", windowSize=" + windowSize
        + ", thresholds=" + thresholds + ", onAnomaly=" + onAnomaly.size()
        + ", clock=" + clock + ", virtualThreads=" + virtualThreads
        + ", pinnedThreshold=" + pinnedThreshold + "]";
  }

  /** Builds an {@link ArgosConfig}. */
  public static final class Builder {
    private Duration sampleRate = DEFAULT_SAMPLE_RATE;
    private Duration windowSize = DEFAULT_WINDOW_SIZE;
    private Thresholds thresholds = Thresholds.defaults();
    private final List<SignalListener> onAnomaly = new ArrayList<>();
    private Clock clock = Clock.system();
    private boolean virtualThreads = true;
    private Duration pinnedThreshold = VirtualThreads.DEFAULT_PINNED_THRESHOLD;

    private Builder() {}

    /** Interval between ticks of the sampler thread: 1 ms to 1 h, default 100 ms. */
    public Builder sampleRate(Duration sampleRate) {
      this.sampleRate =
          Settings.within("sampleRate", sampleRate, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE);
      return this;
    }

    /** Analysis window: at least {@code sampleRate} and at most 7 days, default 60 s. */
    public Builder windowSize(Duration windowSize) {
      this.windowSize = Settings.positive("windowSize", windowSize, MAX_WINDOW_SIZE);
      return this;
    }

    public Builder thresholds(Thresholds thresholds) {
      this.thresholds = Objects.requireNonNull(thresholds, "thresholds");
      return this;
    }

    /**
     * Adds a listener for every signal (may be called several times): subscribed to {@code
     * argos:signal} of the agent that starts this Argos, or of the one bus {@link
     * Argos#start()} creates. Listeners are bound to the first start.
     */
    public Builder onAnomaly(SignalListener listener) {
      onAnomaly.add(Objects.requireNonNull(listener, "onAnomaly"));
      return this;
    }

    /** Time source, for tests: default {@link Clock#system()}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Whether to watch virtual threads on JDK 21 and later (default true): pinned virtual threads
     * and the lag of the virtual-thread scheduler (see {@link VirtualThreads}). Ignored on older
     * JDKs and with a clock that does not move by itself.
     */
    public Builder virtualThreads(boolean enabled) {
      this.virtualThreads = enabled;
      return this;
    }

    /**
     * A virtual thread pinned to its carrier for longer than this is signalled ({@value
     * VirtualThreads#TYPE_PINNED}): 1 ms to 1 h, default 20 ms (the JDK's own default for the
     * {@code jdk.VirtualThreadPinned} event).
     */
    public Builder pinnedThreshold(Duration threshold) {
      this.pinnedThreshold =
          Settings.within("pinnedThreshold", threshold, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE);
      return this;
    }

    /**
     * @throws IllegalArgumentException if {@code windowSize} is shorter than {@code sampleRate}
     */
    public ArgosConfig build() {
      if (windowSize.compareTo(sampleRate) < 0) {
        throw new IllegalArgumentException(
            "windowSize must be at least sampleRate (" + sampleRate + ") but was " + windowSize);
      }
      return new ArgosConfig(this);
    }
  }
}
