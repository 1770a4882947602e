package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.SignalListener;
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
 *       {@code argos-sampler} thread (heap, GC, rates, descriptors are sampled each tick)</td></tr>
 *   <tr><td>{@code windowSize}</td><td>60 s</td><td>analysis window for growth, baselines,
 *       rates; at least {@code sampleRate}</td></tr>
 *   <tr><td>{@code thresholds}</td><td>{@link Thresholds#defaults()}</td><td>when detectors
 *       fire</td></tr>
 *   <tr><td>{@code onAnomaly}</td><td>none</td><td>listeners called with every signal, each on
 *       its own bounded queue (a slow one delays only itself)</td></tr>
 *   <tr><td>{@code clock}</td><td>{@link Clock#system()}</td><td>time source; with a {@link
 *       dev.argos.core.ManualClock} no sampler thread is started</td></tr>
 * </table>
 *
 * <p>Invalid values are refused with an {@link IllegalArgumentException} that names the
 * setting and the value: durations must be positive and {@code windowSize} at least {@code
 * sampleRate}.
 */
public final class ArgosConfig {
  /** Default interval between ticks. */
  public static final Duration DEFAULT_SAMPLE_RATE = Duration.ofMillis(100);
  /** Default analysis window. */
  public static final Duration DEFAULT_WINDOW_SIZE = Duration.ofSeconds(60);

  private final Duration sampleRate;
  private final Duration windowSize;
  private final Thresholds thresholds;
  private final List<SignalListener> onAnomaly;
  private final Clock clock;

  private ArgosConfig(Builder b) {
    this.sampleRate = b.sampleRate;
    this.windowSize = b.windowSize;
    this.thresholds = b.thresholds;
    this.onAnomaly = List.copyOf(b.onAnomaly);
    this.clock = b.clock;
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

  @Override
  public String toString() {
    return "ArgosConfig[sampleRate=" + sampleRate + ", windowSize=" + windowSize
        + ", thresholds=" + thresholds + ", onAnomaly=" + onAnomaly.size()
        + ", clock=" + clock + "]";
  }

  /** Builds an {@link ArgosConfig}. */
  public static final class Builder {
    private Duration sampleRate = DEFAULT_SAMPLE_RATE;
    private Duration windowSize = DEFAULT_WINDOW_SIZE;
    private Thresholds thresholds = Thresholds.defaults();
    private final List<SignalListener> onAnomaly = new ArrayList<>();
    private Clock clock = Clock.system();

    private Builder() {}

    /** Interval between ticks of the sampler thread: positive, default 100 ms. */
    public Builder sampleRate(Duration sampleRate) {
      this.sampleRate = Validate.positive("sampleRate", sampleRate);
      return this;
    }

    /** Analysis window: positive and at least {@code sampleRate}, default 60 s. */
    public Builder windowSize(Duration windowSize) {
      this.windowSize = Validate.positive("windowSize", windowSize);
      return this;
    }

    public Builder thresholds(Thresholds thresholds) {
      this.thresholds = Objects.requireNonNull(thresholds, "thresholds");
      return this;
    }

    /** Adds a listener for every signal (may be called several times). */
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
