package dev.argos.observers;

import dev.argos.core.internal.Settings;
import java.time.Duration;

/**
 * When the built-in detectors fire. Immutable; build with {@link #builder()} (every value is
 * validated when set, the setting's name and the bad value in the message).
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code eventLoopLag}</td><td>50 ms</td><td>a watched executor, or the JVM as a
 *       whole, late by more than this; positive, at most 1 h</td></tr>
 *   <tr><td>{@code memoryGrowth}</td><td>0.20</td><td>live set after GC grew by this share
 *       within the window</td></tr>
 *   <tr><td>{@code heapUsageAfterGc}</td><td>0.90</td><td>live set after GC above this share
 *       of the max heap</td></tr>
 *   <tr><td>{@code gcOverhead}</td><td>0.10</td><td>GC pauses take more than this share of
 *       wall time over the window</td></tr>
 *   <tr><td>{@code burstMultiplier}</td><td>10</td><td>short-window request rate over this
 *       multiple of the baseline</td></tr>
 *   <tr><td>{@code burstMinRate}</td><td>20 /s</td><td>no overall burst below this rate</td></tr>
 *   <tr><td>{@code keyBurstMinRate}</td><td>10 /s</td><td>no per-key burst below this rate
 *       for that key</td></tr>
 *   <tr><td>{@code fileHandleUsage}</td><td>0.90</td><td>open descriptors over this share of
 *       the process limit</td></tr>
 *   <tr><td>{@code threadUsage}</td><td>0.90</td><td>live threads over this share of the
 *       thread limit</td></tr>
 * </table>
 */
public final class Thresholds {
  /** Longest {@code eventLoopLag}: one hour. */
  public static final Duration MAX_EVENT_LOOP_LAG = Duration.ofHours(1);

  private static final Thresholds DEFAULTS = builder().build();

  private final Duration eventLoopLag;
  private final double memoryGrowth;
  private final double heapUsageAfterGc;
  private final double gcOverhead;
  private final double burstMultiplier;
  private final double burstMinRate;
  private final double keyBurstMinRate;
  private final double fileHandleUsage;
  private final double threadUsage;

  private Thresholds(Builder b) {
    this.eventLoopLag = b.eventLoopLag;
    this.memoryGrowth = b.memoryGrowth;
    this.heapUsageAfterGc = b.heapUsageAfterGc;
    this.gcOverhead = b.gcOverhead;
    this.burstMultiplier = b.burstMultiplier;
    this.burstMinRate = b.burstMinRate;
    this.keyBurstMinRate = b.keyBurstMinRate;
    this.fileHandleUsage = b.fileHandleUsage;
    this.threadUsage = b.threadUsage;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The defaults of the table above. */
  public static Thresholds defaults() {
    return DEFAULTS;
  }

  public Duration eventLoopLag() {
    return eventLoopLag;
  }

  public double memoryGrowth() {
    return memoryGrowth;
  }

  public double heapUsageAfterGc() {
    return heapUsageAfterGc;
  }

  public double gcOverhead() {
    return gcOverhead;
  }

  public double burstMultiplier() {
    return burstMultiplier;
  }

  /** Requests per second. */
  public double burstMinRate() {
    return burstMinRate;
  }

  /** Requests per second from one key. */
  public double keyBurstMinRate() {
    return keyBurstMinRate;
  }

  public double fileHandleUsage() {
    return fileHandleUsage;
  }

  public double threadUsage() {
    return threadUsage;
  }

  @Override
  public String toString() {
    return "Thresholds[eventLoopLag=" + eventLoopLag
        + ", memoryGrowth=" + memoryGrowth
        + ", heapUsageAfterGc=" + heapUsageAfterGc
        + ", gcOverhead=" + gcOverhead
        + ", burstMultiplier=" + burstMultiplier
        + ", burstMinRate=" + burstMinRate
        + ", keyBurstMinRate=" + keyBurstMinRate
        + ", fileHandleUsage=" + fileHandleUsage
        + ", threadUsage=" + threadUsage + "]";
  }

  /** Builds {@link Thresholds}. */
  public static final class Builder {
    private Duration eventLoopLag = Duration.ofMillis(50);
    private double memoryGrowth = 0.20;
    private double heapUsageAfterGc = 0.90;
    private double gcOverhead = 0.10;
    private double burstMultiplier = 10;
    private double burstMinRate = 20;
    private double keyBurstMinRate = 10;
    private double fileHandleUsage = 0.90;
    private double threadUsage = 0.90;

    private Builder() {}

    /**
     * Lag beyond which an executor or the JVM is late: 1 ms to 1 h, default 50 ms. Below 1 ms
     * every scheduling hiccup of a healthy JVM would be a stall (a 1 ns threshold made thousands
     * of signals a second).
     */
    public Builder eventLoopLag(Duration lag) {
      this.eventLoopLag =
          Settings.within("eventLoopLag", lag, Duration.ofMillis(1), MAX_EVENT_LOOP_LAG);
      return this;
    }

    /** Growth of the live set within the window, as a share: (0, 1], default 0.20. */
    public Builder memoryGrowth(double share) {
      this.memoryGrowth = Validate.share("memoryGrowth", share);
      return this;
    }

    /** Live set after GC as a share of the max heap: (0, 1], default 0.90. */
    public Builder heapUsageAfterGc(double share) {
      this.heapUsageAfterGc = Validate.share("heapUsageAfterGc", share);
      return this;
    }

    /** Share of wall time spent in GC pauses over the window: (0, 1], default 0.10. */
    public Builder gcOverhead(double share) {
      this.gcOverhead = Validate.share("gcOverhead", share);
      return this;
    }

    /** Multiple of the baseline rate that makes a burst: finite and > 1, default 10. */
    public Builder burstMultiplier(double multiplier) {
      this.burstMultiplier = Validate.greaterThanOne("burstMultiplier", multiplier);
      return this;
    }

    /** Minimum overall rate (requests/s) for a burst: finite and > 0, default 20. */
    public Builder burstMinRate(double perSecond) {
      this.burstMinRate = Validate.positive("burstMinRate", perSecond);
      return this;
    }

    /** Minimum rate of one key (requests/s) for a per-key burst: finite and > 0, default 10. */
    public Builder keyBurstMinRate(double perSecond) {
      this.keyBurstMinRate = Validate.positive("keyBurstMinRate", perSecond);
      return this;
    }

    /** Open descriptors as a share of the process limit: (0, 1], default 0.90. */
    public Builder fileHandleUsage(double share) {
      this.fileHandleUsage = Validate.share("fileHandleUsage", share);
      return this;
    }

    /** Live threads as a share of the thread limit: (0, 1], default 0.90. */
    public Builder threadUsage(double share) {
      this.threadUsage = Validate.share("threadUsage", share);
      return this;
    }

    public Thresholds build() {
      return new Thresholds(this);
    }
  }
}
