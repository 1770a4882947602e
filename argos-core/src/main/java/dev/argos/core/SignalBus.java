package dev.argos.core;

import dev.argos.core.internal.ErrorReporter;
import dev.argos.core.internal.FloodWindows;
import dev.argos.core.internal.JfrSignals;
import dev.argos.core.internal.SafeText;
import dev.argos.core.internal.Throwables;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * Flow: observers call emit() -> one bounded ArrayBlockingQueue (offer, never put) -> the
 * "argos-dispatcher" thread runs the filters and the flood guard and routes the signal to
 * every matching subscription's own bounded queue -> a pool of daemon "argos-listener-N"
 * threads drains each subscription, one drain at a time per subscription (the `scheduled`
 * flag), so each listener sees its signals in order and a blocked listener holds only its own
 * pool thread.
 *
 * Pool: core 0, max maxListenerThreads, SynchronousQueue: a drain runs on an idle thread or a
 * new one; when every thread is held (blocked listeners) the subscription waits in `starved`
 * and is run by the next thread that frees up, or retried by the dispatcher.
 *
 * Errors: every argos:error goes through one ErrorReporter (dev.argos.core.internal): one
 * report per subject per 10 s and 100 in all per 10 s, each one WARN line (neutralised) and
 * one signal. Nothing is reported on an observer's thread (emit only counts). The dispatcher
 * reports queue overflow and flood drops; listener failures are reported from the pool thread,
 * per subscription; argos:error signals that observers emit pass the same limits on the
 * dispatcher. Error signals go straight to argos:error subscriptions; failures of those are
 * only logged (once per subscription, the throwable described, never printed), so an error
 * listener cannot feed itself.
 *
 * Flood guard: one FloodWindows (shared with Dedup) per bus: 1 024 types with their own slot,
 * the rest share one slot, reported as "other types" under one subject (never blaming the
 * type that happened to be dropped).
 */
final class SignalBus {
  /** Initialised at the first line logged, so SLF4J's start-up is not paid by createAgent. */
  private static final class DefaultLog {
    static final Logger LOG = LoggerFactory.getLogger(Agent.class);
  }
  private static final long FLOOD_WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
  /** Signal types with their own flood-guard slot; the rest share one. */
  private static final int MAX_FLOOD_TYPES = 1024;
  private static final int DRAIN_BATCH = 256;
  private static final long MIN_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final AtomicInteger BUS_IDS = new AtomicInteger();

  private final ArrayBlockingQueue<Signal> queue;
  private final List<SignalFilter> filters;
  private final int listenerCapacity;
  private final int floodLimit;
  private final ErrorReporter reporter;
  private final CopyOnWriteArrayList<Sub> subs = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<Sub> starved = new ConcurrentLinkedQueue<>();
  private final ThreadPoolExecutor pool;
  private final Set<Thread> poolThreads = ConcurrentHashMap.newKeySet();
  private final Thread dispatcher;

  private volatile boolean accepting = true;
  private volatile boolean stopped;

  private final LongAdder dropped = new LongAdder();
  /** Signals accepted by offer() and not yet routed to subscriptions. */
  private final AtomicLong inFlight = new AtomicLong();
  private final LongAdder queueOverflow = new LongAdder();
  private long queueOverflowReported;

  /** Dispatcher-thread state: flood windows by type. */
  private final FloodWindows floodWindows;
  private final Clock clock;

  private final Supplier<Logger> log;

  SignalBus(AgentConfig config) {
    this(config, () -> DefaultLog.LOG);
  }

  /** With the logger its WARN lines go to (tests read them). */
  SignalBus(AgentConfig config, Logger log) {
    this(config, () -> log);
  }

  private SignalBus(AgentConfig config, Supplier<Logger> log) {
    this.log = log;
    this.queue = new ArrayBlockingQueue<>(config.signalQueueCapacity());
    this.filters = config.filters();
    this.listenerCapacity = config.listenerQueueCapacity();
    this.floodLimit = config.floodLimitPerMinute();
    this.clock = config.clock();
    this.floodWindows = new FloodWindows(FLOOD_WINDOW_NANOS, floodLimit, MAX_FLOOD_TYPES);
    this.reporter = new ErrorReporter(clock, log, this::publishError);
    int id = BUS_IDS.incrementAndGet();
    this.pool =
        new ThreadPoolExecutor(
            0,
            config.maxListenerThreads(),
            2,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            daemonThreads("argos-listener-" + id + "-", poolThreads));
    this.dispatcher = new Thread(this::dispatchLoop, "argos-dispatcher-" + id);
    this.dispatcher.setDaemon(true);
    this.dispatcher.start();
  }

  private static ThreadFactory daemonThreads(String prefix, Set<Thread> started) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t =
          new Thread(
              () -> {
                try {
                  r.run();
                } finally {
                  started.remove(Thread.currentThread());
                }
              },
              prefix + n.incrementAndGet());
      t.setDaemon(true);
      started.add(t);
      return t;
    };
  }

  // ---- emitting (any thread; never blocks, never throws) ----

  SignalSink sinkFor(String defaultSource) {
    return signal -> offer(signal, defaultSource);
  }

  void offer(@Nullable Signal signal, String defaultSource) {
    try {
      if (signal == null || !accepting) {
        dropped.increment();
        return;
      }
      Signal s =
          signal.source().isEmpty() ? signal.toBuilder().source(defaultSource).build() : signal;
      inFlight.incrementAndGet();
      if (!queue.offer(s)) {
        inFlight.decrementAndGet();
        queueOverflow.increment();
        dropped.increment();
      }
    } catch (Throwable t) { // never reaches the emitter
      dropped.increment();
    }
  }

  long dropped() {
    return dropped.sum();
  }

  // ---- subscribing ----

  Subscription subscribe(String topic, SignalListener listener) {
    Sub sub = new Sub(topic, listener, listenerCapacity);
    if (!accepting) {
      throw new IllegalStateException("agent is closed");
    }
    subs.add(sub);
    return sub;
  }

  // ---- the dispatcher thread ----

  private void dispatchLoop() {
    while (!stopped) {
      try {
        // the timeout only paces the housekeeping below (close() interrupts): once a second
        // when idle, which keeps an idle agent's dispatcher at ~0.01 % of a core on a VM where
        // each timed wake-up costs tens of microseconds, and every 100 ms while a
        // subscription waits for a pool thread
        Signal s = queue.poll(starved.isEmpty() ? 1000 : 100, TimeUnit.MILLISECONDS);
        if (s != null) {
          try {
            dispatch(s);
          } finally {
            inFlight.decrementAndGet(); // routed (or dropped): close() may stop waiting for it
          }
        }
        reportQueueOverflow();
        retryStarved();
      } catch (InterruptedException e) {
        if (stopped) {
          return;
        }
      } catch (Throwable t) {
        log.get().warn("argos: dispatcher fault, continuing", t);
      }
    }
  }

  private void dispatch(Signal signal) {
    Signal s = signal;
    boolean own = isOwnType(s.type());
    if (!own) {
      for (SignalFilter f : filters) {
        Signal next;
        try {
          next = f.apply(s);
        } catch (Throwable t) {
          String name = SafeText.neutralise(f.getClass().getName(), 120);
          reportError(
              "filterFailed",
              "filter:" + name,
              "signal filter " + name + " threw " + Throwables.describe(t),
              t);
          continue;
        }
        if (next == null) {
          return;
        }
        s = next;
      }
    }
    if (Signal.TYPE_ERROR.equals(s.type())) {
      // an observer's own error report: the same limits and log line as the bus's reports
      Signal admitted = reporter.admit(s);
      if (admitted != null) {
        route(admitted);
      }
      return;
    }
    if (!admitFlood(s.type())) {
      dropped.increment();
      return;
    }
    route(s);
  }

  private static boolean isOwnType(String type) {
    return Signal.TYPE_ERROR.equals(type)
        || Signal.TYPE_QUARANTINE.equals(type)
        || Signal.TYPE_INCIDENT.equals(type)
        || Signal.TYPE_ACTION.equals(type);
  }

  private void route(Signal s) {
    Kind target;
    if (Signal.TYPE_ERROR.equals(s.type())) {
      target = Kind.ERROR;
    } else if (Signal.TYPE_QUARANTINE.equals(s.type())) {
      target = Kind.QUARANTINE;
    } else if (Signal.TYPE_INCIDENT.equals(s.type())) {
      target = Kind.INCIDENT;
    } else if (Signal.TYPE_ACTION.equals(s.type())) {
      target = Kind.ACTION;
    } else {
      target = Kind.SIGNAL;
    }
    for (Sub sub : subs) {
      if (sub.matches(target, s.type())) {
        enqueue(sub, s);
      }
    }
    // every routed signal (incl. quarantine, incident, action, observers' errors) is also a JFR
    // event, committed here on the dispatcher thread; nothing is built when no recording runs
    JfrSignals.commit(s);
  }

  private void enqueue(Sub sub, Signal s) {
    if (!sub.queue.offer(s)) {
      sub.dropped.incrementAndGet();
      dropped.increment();
      if (sub.kind != Kind.ERROR) {
        long n = sub.dropped.get();
        reportError(
            "listenerQueueFull",
            "drop:" + sub.id,
            "listener " + sub.name + " is not keeping up: " + n + " signals dropped so far",
            null);
      }
      return;
    }
    schedule(sub);
  }

  private void schedule(Sub sub) {
    if (sub.scheduled.compareAndSet(false, true)) {
      try {
        pool.execute(() -> drainLoop(sub));
      } catch (RejectedExecutionException e) {
        if (!stopped) {
          starved.add(sub);
        }
      }
    }
  }

  private void retryStarved() {
    Sub sub = starved.poll();
    if (sub != null) {
      try {
        pool.execute(() -> drainLoop(sub));
      } catch (RejectedExecutionException e) {
        if (!stopped) {
          starved.add(sub);
        }
      }
    }
  }

  private void reportQueueOverflow() {
    long n = queueOverflow.sum();
    if (n > queueOverflowReported) {
      if (reportError(
          "signalQueueFull",
          "queue",
          "signal queue full: " + n + " signals dropped so far (observers emit faster than delivery)",
          null)) {
        queueOverflowReported = n;
      }
    }
  }

  private boolean admitFlood(String type) {
    FloodWindows.Slot slot = floodWindows.record(type, clock.nanoTime());
    if (slot.admitted()) {
      return true;
    }
    // one subject for every flood-guard report, whatever the type: a flood of many types is one
    // report per interval (the others counted in it), never a budget-eating report per type that
    // would crowd out Argos's other faults
    String subject = "flood";
    String message;
    if (slot.shared()) {
      message =
          "flood guard: signal types beyond the first "
              + MAX_FLOOD_TYPES
              + " tracked share one limit (other types); more than "
              + floodLimit
              + " signals of other types in a minute; "
              + slot.droppedTotal()
              + " dropped so far";
    } else {
      message =
          "flood guard: more than "
              + floodLimit
              + " signals of type "
              + type
              + " in a minute; "
              + slot.droppedTotal()
              + " dropped so far";
    }
    reportError(
        "floodGuard",
        subject,
        message,
        null,
        Map.of(
            DataKeys.FLOOD_SLOT, slot.key(),
            DataKeys.FLOOD_DROPPED, slot.droppedTotal()));
    return false;
  }

  // ---- delivery (pool threads) ----

  private void drainLoop(Sub first) {
    Sub sub = first;
    while (sub != null && !stopped) {
      drain(sub);
      sub = starved.poll();
    }
  }

  private void drain(Sub sub) {
    int n = 0;
    while (!stopped) {
      if (!sub.active) {
        sub.queue.clear();
        sub.scheduled.set(false);
        return;
      }
      Signal s = sub.queue.poll();
      if (s == null) {
        sub.scheduled.set(false);
        // a signal may have arrived between poll and set(false); take it back if nobody did
        if (sub.queue.isEmpty() || !sub.scheduled.compareAndSet(false, true)) {
          return;
        }
        continue;
      }
      invoke(sub, s);
      if (++n >= DRAIN_BATCH && !starved.isEmpty()) {
        starved.add(sub); // still scheduled: let a waiting subscription have this thread
        return;
      }
    }
  }

  private void invoke(Sub sub, Signal s) {
    try {
      sub.listener.onSignal(s);
    } catch (Throwable t) {
      long failures = sub.failures.incrementAndGet();
      if (stopped) {
        return;
      }
      if (sub.kind == Kind.ERROR) {
        if (failures == 1) {
          // the throwable is described, never printed: its message is the user's text
          log.get().warn(
              "argos: error listener {} threw {}; further failures are not logged",
              sub.name,
              Throwables.describe(t));
        }
        return;
      }
      reportError(
          "listenerFailed",
          "listener:" + sub.id,
          "listener "
              + sub.name
              + " threw "
              + Throwables.describe(t)
              + " ("
              + failures
              + " failures so far)",
          t);
    }
  }

  // ---- errors ----

  /**
   * Reports a fault through the bus's one {@link ErrorReporter} (one report per subject per 10 s,
   * 100 in all per 10 s); returns whether it was published. Safe from any thread but the
   * observers'.
   */
  boolean reportError(String kind, String subject, String message, @Nullable Throwable cause) {
    return reportError(kind, subject, message, cause, Map.of());
  }

  private boolean reportError(
      String kind,
      String subject,
      String message,
      @Nullable Throwable cause,
      Map<String, ?> data) {
    Map<String, Object> all = new LinkedHashMap<>(data);
    all.put(DataKeys.DROPPED_TOTAL, dropped.sum());
    return reporter.report(kind, subject, message, cause, all) != null;
  }

  /** Hands a report straight to the argos:error subscriptions (not through the queue). */
  private void publishError(Signal s) {
    JfrSignals.commit(s); // the bus's own reports are JFR events too (dispatcher or pool thread)
    for (Sub sub : subs) {
      if (sub.kind == Kind.ERROR) {
        if (sub.queue.offer(s)) {
          schedule(sub);
        } else {
          sub.dropped.incrementAndGet();
          dropped.increment();
        }
      }
    }
  }

  // ---- closing ----

  /**
   * Stops accepting, lets delivery finish until shortly before {@code deadlineNanos}, then
   * interrupts and joins every thread (keeping a short grace period for them to exit).
   */
  void close(long deadlineNanos) {
    accepting = false;
    long grace = Math.min(MIN_GRACE_NANOS, Math.max(0, deadlineNanos - System.nanoTime()) / 4);
    long drainUntil = deadlineNanos - grace;
    while (System.nanoTime() < drainUntil && busy()) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
    }
    stopped = true;
    dispatcher.interrupt();
    pool.shutdownNow();
    long joinUntil = Math.max(deadlineNanos, System.nanoTime() + MIN_GRACE_NANOS);
    try {
      join(dispatcher, joinUntil);
      for (Thread t : poolThreads) {
        join(t, joinUntil);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Sub sub : subs) {
      sub.queue.clear();
    }
    subs.clear();
    starved.clear();
  }

  private static void join(Thread t, long untilNanos) throws InterruptedException {
    long left = untilNanos - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.timedJoin(t, left);
    }
  }

  private boolean busy() {
    if (inFlight.get() > 0) {
      return true;
    }
    for (Sub sub : subs) {
      if (!sub.queue.isEmpty() || sub.scheduled.get()) {
        return true;
      }
    }
    return false;
  }

  // ---- types ----

  private enum Kind {
    SIGNAL,
    QUARANTINE,
    INCIDENT,
    ACTION,
    ERROR
  }

  private static final AtomicLong SUB_IDS = new AtomicLong();

  private final class Sub implements Subscription {
    final long id = SUB_IDS.incrementAndGet();
    final Kind kind;
    final @Nullable String type;
    final SignalListener listener;
    final String name;
    final ArrayBlockingQueue<Signal> queue;
    final AtomicBoolean scheduled = new AtomicBoolean();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    volatile boolean active = true;

    Sub(String topic, SignalListener listener, int capacity) {
      if (Agent.TOPIC_SIGNAL.equals(topic)) {
        kind = Kind.SIGNAL;
        type = null;
      } else if (Agent.TOPIC_ERROR.equals(topic)) {
        kind = Kind.ERROR;
        type = null;
      } else if (Agent.TOPIC_QUARANTINE.equals(topic)) {
        kind = Kind.QUARANTINE;
        type = null;
      } else if (Agent.TOPIC_INCIDENT.equals(topic)) {
        kind = Kind.INCIDENT;
        type = null;
      } else if (Agent.TOPIC_ACTION.equals(topic)) {
        kind = Kind.ACTION;
        type = null;
      } else if (topic.startsWith(Agent.TOPIC_SIGNAL + ":")) {
        String t = topic.substring(Agent.TOPIC_SIGNAL.length() + 1);
        try {
          Signal.builder(t); // validates the type's form
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "topic argos:signal:<type> needs a valid type: " + e.getMessage(), e);
        }
        kind = Kind.SIGNAL;
        type = t;
      } else {
        throw new IllegalArgumentException(
            "topic must be argos:signal, argos:signal:<type>, argos:quarantine, argos:error,"
                + " argos:incident or argos:action"
                + " but was \""
                + SafeText.neutralise(topic, 80)
                + "\"");
      }
      this.listener = listener;
      this.name = SafeText.neutralise(listener.getClass().getName(), 120) + "@" + topic;
      this.queue = new ArrayBlockingQueue<>(capacity);
    }

    boolean matches(Kind target, String signalType) {
      return kind == target && (type == null || type.equals(signalType));
    }

    @Override
    public void close() {
      active = false;
      subs.remove(this);
      queue.clear();
    }

    @Override
    public String toString() {
      return "Subscription[" + name + "]";
    }
  }
}
