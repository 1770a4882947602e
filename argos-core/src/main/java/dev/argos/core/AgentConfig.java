package dev.argos.core;

import dev.argos.core.internal.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Immutable configuration of an {@link Agent}; build it with {@link #builder()}.
 *
 * <p>Every setter checks its value at once and refuses a bad one with an {@link
 * IllegalArgumentException} naming the setting and the value: capacities in [1, {@value
 * #MAX_QUEUE_CAPACITY}], listener threads in [1, {@value #MAX_LISTENER_THREADS}], the close
 * timeout in (0, {@link #MAX_CLOSE_TIMEOUT}] (so no deadline computed from it can overflow).
 */
public final class AgentConfig {
  /** Default capacity of the agent's signal queue. */
  public static final int DEFAULT_SIGNAL_QUEUE_CAPACITY = 1024;
  /** Default capacity of each subscription's queue. */
  public static final int DEFAULT_LISTENER_QUEUE_CAPACITY = 1024;
  /** Default flood guard: signals of one type accepted per minute. */
  public static final int DEFAULT_FLOOD_LIMIT_PER_MINUTE = 5000;
  /** Default bound on {@link Agent#close()}. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofMillis(500);
  /** Default bound on the listener delivery threads. */
  public static final int DEFAULT_MAX_LISTENER_THREADS = 32;
  /**
   * Largest signal or listener queue capacity (65 536): queues are allocated in full when
   * created, one per agent and one per subscription.
   */
  public static final int MAX_QUEUE_CAPACITY = 65_536;
  /** Largest {@code maxListenerThreads} (1 024). */
  public static final int MAX_LISTENER_THREADS = 1024;
  /** Longest {@code closeTimeout}: one hour. */
  public static final Duration MAX_CLOSE_TIMEOUT = Duration.ofHours(1);

  private final List<Observer> observers;
  private final Quarantine quarantine;
  private final List<QuarantineHook> quarantineHooks;
  private final List<SignalFilter> filters;
  private final int signalQueueCapacity;
  private final int listenerQueueCapacity;
  private final int floodLimitPerMinute;
  private final Duration closeTimeout;
  private final int maxListenerThreads;
  private final Clock clock;

  private AgentConfig(Builder b) {
    this.observers = List.copyOf(b.observers);
    this.quarantine = b.quarantine;
    this.quarantineHooks = List.copyOf(b.quarantineHooks);
    this.filters = List.copyOf(b.filters);
    this.signalQueueCapacity = b.signalQueueCapacity;
    this.listenerQueueCapacity = b.listenerQueueCapacity;
    this.floodLimitPerMinute = b.floodLimitPerMinute;
    this.closeTimeout = b.closeTimeout;
    this.maxListenerThreads = b.maxListenerThreads;
    this.clock = b.clock;
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<Observer> observers() {
    return observers;
  }

  public Quarantine quarantine() {
    return quarantine;
  }

  /** The user's hooks; empty means the default ({@link QuarantineHook#burstKeys()}). */
  public List<QuarantineHook> quarantineHooks() {
    return quarantineHooks;
  }

  public List<SignalFilter> filters() {
    return filters;
  }

  public int signalQueueCapacity() {
    return signalQueueCapacity;
  }

  public int listenerQueueCapacity() {
    return listenerQueueCapacity;
  }

  public int floodLimitPerMinute() {
    return floodLimitPerMinute;
  }

  public Duration closeTimeout() {
    return closeTimeout;
  }

  public int maxListenerThreads() {
    return maxListenerThreads;
  }

  public Clock clock() {
    return clock;
  }

  /** Builds an {@link AgentConfig}; every setter validates its argument at once. */
  public static final class Builder {
    private final List<Observer> observers = new ArrayList<>();
    private Quarantine quarantine = Quarantine.none();
    private final List<QuarantineHook> quarantineHooks = new ArrayList<>();
    private final List<SignalFilter> filters = new ArrayList<>();
    private int signalQueueCapacity = DEFAULT_SIGNAL_QUEUE_CAPACITY;
    private int listenerQueueCapacity = DEFAULT_LISTENER_QUEUE_CAPACITY;
    private int floodLimitPerMinute = DEFAULT_FLOOD_LIMIT_PER_MINUTE;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private int maxListenerThreads = DEFAULT_MAX_LISTENER_THREADS;
    private Clock clock = Clock.system();

    private Builder() {}

    /** Adds an observer; the agent starts it when created and closes it when closed. */
    public Builder observer(Observer observer) {
      observers.add(Objects.requireNonNull(observer, "observer"));
      return this;
    }

    /** The quarantine that hooks act on and {@link Agent#quarantine()} returns. */
    public Builder quarantine(Quarantine quarantine) {
      this.quarantine = Objects.requireNonNull(quarantine, "quarantine");
      return this;
    }

    /** Adds a hook; once any is added the default burst-key hook is not installed. */
    public Builder quarantineHook(QuarantineHook hook) {
      quarantineHooks.add(Objects.requireNonNull(hook, "quarantineHook"));
      return this;
    }

    /** Adds a stage to the signal pipeline; stages run in the order added. */
    public Builder filter(SignalFilter filter) {
      filters.add(Objects.requireNonNull(filter, "filter"));
      return this;
    }

    /** Capacity of the queue between observers and the dispatcher: 1 to 65 536, default 1 024. */
    public Builder signalQueueCapacity(int capacity) {
      this.signalQueueCapacity =
          Settings.intRange("signalQueueCapacity", capacity, 1, MAX_QUEUE_CAPACITY);
      return this;
    }

    /** Capacity of each subscription's queue: 1 to 65 536, default 1 024. */
    public Builder listenerQueueCapacity(int capacity) {
      this.listenerQueueCapacity =
          Settings.intRange("listenerQueueCapacity", capacity, 1, MAX_QUEUE_CAPACITY);
      return this;
    }

    /**
     * Signals of one type accepted per minute before the rest are dropped: positive, default 5
     * 000. Past 1 024 distinct types in a minute, the further types share one such limit.
     */
    public Builder floodLimitPerMinute(int limit) {
      this.floodLimitPerMinute =
          Settings.intRange("floodLimitPerMinute", limit, 1, Integer.MAX_VALUE);
      return this;
    }

    /**
     * Longest time {@link Agent#close()} waits for observers to close and delivery to finish:
     * positive and at most one hour, default 500 ms.
     */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout =
          Settings.positiveDuration("closeTimeout", timeout, MAX_CLOSE_TIMEOUT);
      return this;
    }

    /** Upper bound on the threads delivering to listeners: 1 to 1 024, default 32. */
    public Builder maxListenerThreads(int threads) {
      this.maxListenerThreads =
          Settings.intRange("maxListenerThreads", threads, 1, MAX_LISTENER_THREADS);
      return this;
    }

    /** Time source for the flood guard and error signals (default {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public AgentConfig build() {
      return new AgentConfig(this);
    }
  }
}
