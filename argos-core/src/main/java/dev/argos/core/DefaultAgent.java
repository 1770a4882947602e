package dev.argos.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** The {@link Agent} behind {@link Agent#createAgent(AgentConfig)}. */
final class DefaultAgent implements Agent {
  private final AgentConfig config;
  private final SignalBus bus;
  private final List<Observer> started = new ArrayList<>();
  private final List<Subscription> internal = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private DefaultAgent(AgentConfig config) {
    this.config = config;
    this.bus = new SignalBus(config);
  }

  static Agent start(AgentConfig config) {
    Objects.requireNonNull(config, "config");
    DefaultAgent agent = new DefaultAgent(config);
    agent.wireQuarantine();
    agent.startObservers();
    return agent;
  }

  private void wireQuarantine() {
    Quarantine q = config.quarantine();
    if (q == Quarantine.none()) {
      return;
    }
    try {
      // the quarantine hands each change, synchronously and in order, to the bus's
      // non-blocking sink; the bus (bounded, one dispatcher) delivers it on argos:quarantine
      internal.add(q.publishTo(bus.sinkFor("quarantine")));
    } catch (Throwable t) {
      bus.reportError(
          "quarantineFailed",
          "quarantine",
          "quarantine.publishTo threw "
              + t.getClass().getName()
              + ": "
              + SafeText.neutralise(t.getMessage(), 200),
          t);
    }
    List<QuarantineHook> hooks =
        config.quarantineHooks().isEmpty()
            ? List.of(QuarantineHook.burstKeys())
            : config.quarantineHooks();
    for (QuarantineHook hook : hooks) {
      internal.add(bus.subscribe(TOPIC_SIGNAL, new HookListener(hook, q)));
    }
  }

  private void startObservers() {
    for (Observer o : config.observers()) {
      String name = observerName(o);
      try {
        o.start(bus.sinkFor(name));
        started.add(o);
      } catch (Throwable t) {
        bus.reportError(
            "observerFailed", "observer:" + name, "observer " + name + " failed to start: " + t, t);
      }
    }
  }

  private static String observerName(Observer o) {
    try {
      String n = o.name();
      return n == null || n.isEmpty() ? o.getClass().getSimpleName() : SafeText.cap(n, 128);
    } catch (Throwable t) {
      return o.getClass().getSimpleName();
    }
  }

  @Override
  public Subscription on(String topic, SignalListener listener) {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(listener, "listener");
    if (closed.get()) {
      throw new IllegalStateException("agent is closed");
    }
    return bus.subscribe(topic, listener);
  }

  @Override
  public void publish(Signal signal) {
    bus.offer(signal, "app");
  }

  @Override
  public Quarantine quarantine() {
    return config.quarantine();
  }

  @Override
  public long droppedSignals() {
    return bus.dropped();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + config.closeTimeout().toNanos();
    closeObservers(deadline);
    for (Subscription s : internal) {
      try {
        s.close();
      } catch (Throwable ignored) {
        // a quarantine's unsubscribe failing must not stop the close
      }
    }
    bus.close(deadline);
  }

  /** Closes observers on a helper thread so one that hangs cannot hold close() past the bound. */
  private void closeObservers(long deadline) {
    if (started.isEmpty()) {
      return;
    }
    Thread closer =
        new Thread(
            () -> {
              for (Observer o : started) {
                try {
                  o.close();
                } catch (Throwable t) {
                  bus.reportError(
                      "observerFailed",
                      "observer-close:" + observerName(o),
                      "observer " + observerName(o) + " failed to close: " + t,
                      t);
                }
              }
            },
            "argos-closer");
    closer.setDaemon(true);
    closer.start();
    try {
      closer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (closer.isAlive()) {
      bus.reportError(
          "observerFailed", "observer-close", "an observer did not close within the close timeout", null);
    }
  }

  @Override
  public String toString() {
    return "Agent[observers=" + started.size() + ", closed=" + closed.get() + "]";
  }

  /** Runs one quarantine hook as an ordinary (isolated) subscription. */
  private static final class HookListener implements SignalListener {
    private final QuarantineHook hook;
    private final Quarantine quarantine;

    HookListener(QuarantineHook hook, Quarantine quarantine) {
      this.hook = hook;
      this.quarantine = quarantine;
    }

    @Override
    public void onSignal(Signal signal) {
      hook.onSignal(signal, quarantine);
    }
  }
}
