package dev.argos.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Immutable configuration of an {@link Agent}; build it with {@link #builder()}. */
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

    /** Capacity of the queue between observers and the dispatcher (default 1 024). */
    public Builder signalQueueCapacity(int capacity) {
      this.signalQueueCapacity = positive("signalQueueCapacity", capacity);
      return this;
    }

    /** Capacity of each subscription's queue (default 1 024). */
    public Builder listenerQueueCapacity(int capacity) {
      this.listenerQueueCapacity = positive("listenerQueueCapacity", capacity);
      return this;
    }

    /** Signals of one type accepted per minute before the rest are dropped (default 5 000). */
    public Builder floodLimitPerMinute(int limit) {
      this.floodLimitPerMinute = positive("floodLimitPerMinute", limit);
      return this;
    }

    /** Longest time {@link Agent#close()} waits for delivery to finish (default 500 ms). */
    public Builder closeTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "closeTimeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("closeTimeout must be positive but was " + timeout);
      }
      this.closeTimeout = timeout;
      return this;
    }

    /** Upper bound on the threads delivering to listeners (default 32). */
    public Builder maxListenerThreads(int threads) {
      this.maxListenerThreads = positive("maxListenerThreads", threads);
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

    private static int positive(String name, int value) {
      if (value <= 0) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }
  }
}
