package dev.argos.core;

import dev.argos.core.internal.SafeText;
import dev.argos.core.internal.Throwables;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** The {@link Agent} behind {@link Agent#createAgent(AgentConfig)}. */
final class DefaultAgent implements Agent {
  private static final long MAX_INTERRUPT_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long MIN_DELIVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final AtomicInteger IDS = new AtomicInteger();

  private final int id = IDS.incrementAndGet();
  private final AgentConfig config;
  private final SignalBus bus;
  private final List<Observer> started = new ArrayList<>();
  private final List<Subscription> internal = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Extensions closed with the agent ({@link #closeWith}), in the order given. */
  private final CopyOnWriteArrayList<AutoCloseable> attached = new CopyOnWriteArrayList<>();

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
          "quarantine.publishTo threw " + Throwables.describe(t, 200),
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
      SignalSink sink = bus.sinkFor(name);
      try {
        o.start(new Context(sink));
        started.add(o);
      } catch (Throwable t) {
        bus.reportError(
            "observerFailed",
            "observer:" + name,
            "observer " + name + " failed to start: " + Throwables.describe(t),
            t);
      }
    }
  }

  /** What an observer gets: its sink, and this agent's topics. */
  private final class Context implements Observer.Context {
    private final SignalSink sink;

    Context(SignalSink sink) {
      this.sink = sink;
    }

    @Override
    public SignalSink sink() {
      return sink;
    }

    @Override
    public Subscription on(String topic, SignalListener listener) {
      return DefaultAgent.this.on(topic, listener);
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
  public Subscription closeWith(AutoCloseable resource) {
    Objects.requireNonNull(resource, "resource");
    if (closed.get()) {
      throw new IllegalStateException("agent is closed");
    }
    attached.add(resource);
    if (closed.get() && attached.remove(resource)) {
      throw new IllegalStateException("agent is closed"); // raced with close(): not taken
    }
    return () -> attached.remove(resource);
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
    long start = System.nanoTime();
    long timeout = config.closeTimeout().toNanos(); // at most an hour: no overflow below
    long deadline = start + timeout;
    // observers get three quarters of the bound, delivery of what they emitted the rest
    closeObservers(start + timeout / 4 * 3, Math.min(MAX_INTERRUPT_GRACE_NANOS, timeout / 8));
    closeAttached();
    for (Subscription s : internal) {
      try {
        s.close();
      } catch (Throwable ignored) {
        // a quarantine's unsubscribe failing must not stop the close
      }
    }
    // if observers overran, delivery still gets a moment to hand over their error reports
    bus.close(Math.max(deadline, System.nanoTime() + MIN_DELIVERY_NANOS));
  }

  private void closeAttached() {
    for (AutoCloseable r : attached) {
      if (!attached.remove(r)) {
        continue; // forgotten meanwhile
      }
      try {
        r.close();
      } catch (Throwable t) {
        String name = SafeText.neutralise(r.getClass().getName(), 120);
        bus.reportError(
            "closeFailed",
            "attached-close:" + name,
            "attached " + name + " failed to close: " + Throwables.describe(t),
            t);
      }
    }
  }

  /**
   * Closes the observers in order on a helper thread, so one that hangs cannot hold close()
   * past the bound. At {@code deadline} the helper is interrupted; if it is still in the same
   * observer's close() after {@code graceNanos}, that observer is reported and abandoned
   * (with its helper thread, the one thread an agent may leave behind) and the observers after
   * it are closed by a fresh helper within another {@code graceNanos}, and so on.
   */
  private void closeObservers(long deadline, long graceNanos) {
    int from = 0;
    long until = deadline;
    int round = 0;
    while (from < started.size()) {
      Closer closer = new Closer(from);
      Thread t = new Thread(closer, "argos-closer-" + id + "-" + ++round);
      t.setDaemon(true);
      t.start();
      if (joinUntil(t, until)) {
        return;
      }
      t.interrupt();
      if (joinUntil(t, System.nanoTime() + graceNanos)) {
        Observer late = closer.current;
        String name = late == null ? "?" : observerName(late);
        bus.reportError(
            "observerFailed",
            "observer-close:" + name,
            "observer "
                + name
                + " did not close within the close timeout; it stopped when interrupted",
            null);
        return;
      }
      int rest = closer.abandon();
      Observer stuck = closer.current;
      if (rest < 0 || stuck == null) {
        // the helper has not even been scheduled yet (a close timeout of a few nanoseconds):
        // nothing hangs, so let it close the observers and end by itself
        return;
      }
      String name = observerName(stuck);
      StringBuilder notYet = new StringBuilder();
      for (int i = rest; i < started.size(); i++) {
        notYet.append(i == rest ? "; closing the observers after it: " : ", ");
        notYet.append(observerName(started.get(i)));
      }
      bus.reportError(
          "observerFailed",
          "observer-close:" + name,
          "observer "
              + name
              + " did not close within the close timeout and ignored the interrupt; its thread "
              + t.getName()
              + " is left running until that close() returns"
              + notYet,
          null);
      from = rest;
      until = System.nanoTime() + graceNanos;
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
    }
  }

  /** Joins {@code t} until {@code untilNanos}; returns whether it ended. */
  private static boolean joinUntil(Thread t, long untilNanos) {
    try {
      long left = untilNanos - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.timedJoin(t, left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !t.isAlive();
  }

  /** Closes {@link #started} from an index on, one at a time, until done or abandoned. */
  private final class Closer implements Runnable {
    private int next;
    private boolean abandoned;
    volatile @Nullable Observer current;

    Closer(int from) {
      this.next = from;
    }

    private synchronized @Nullable Observer claim() {
      if (abandoned || next >= started.size()) {
        return null;
      }
      Observer o = started.get(next++);
      current = o;
      return o;
    }

    /**
     * Stops after the observer in hand and returns the index of the first one it will not close;
     * -1 (and no effect) if it has not started closing any.
     */
    synchronized int abandon() {
      if (current == null) {
        return -1;
      }
      abandoned = true;
      return next;
    }

    @Override
    public void run() {
      for (Observer o = claim(); o != null; o = claim()) {
        try {
          o.close();
        } catch (Throwable t) {
          String name = observerName(o);
          bus.reportError(
              "observerFailed",
              "observer-close:" + name,
              "observer " + name + " failed to close: " + Throwables.describe(t),
              t);
        }
      }
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
