package dev.argos.observers;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Clock;
import dev.argos.core.Observer;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalListener;
import dev.argos.core.SignalSink;
import dev.argos.core.Subscription;
import dev.argos.core.internal.ErrorReporter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in JVM watchdog: a daemon thread, {@code argos-sampler}, that ticks every {@code
 * sampleRate} and runs the samplers (event-loop lag and JVM stalls, heap and GC, request bursts,
 * resources), turning what it sees into {@link Signal}s. Two more daemon threads help it: {@code
 * argos-liveness} (wakes once a second to report a sampler thread that stopped ticking) and, only
 * while an executor is watched, {@code argos-prober} (submits the probes, so that an executor
 * whose {@code execute()} blocks cannot stop the sampler).
 *
 * <p>Use it as an {@link Observer} of an {@link Agent} (the agent starts and closes it), or on
 * its own with {@link #start()}. Either way there is one bus: inside an agent the {@code
 * onAnomaly} listeners of its {@link ArgosConfig} are subscriptions on the agent's {@code
 * argos:signal} topic (after the agent's filters and flood guard, one dispatcher); standalone,
 * Argos creates exactly one bus for them. Each listener has its own bounded queue.
 *
 * <p>Thread safety: every method is safe from any thread. {@link #recordRequest()} and {@link
 * #recordRequest(String)} are the application's hot path: they read no clock, take no lock and
 * allocate nothing (except for a key longer than 1 024 characters, which is counted under its
 * canonical form: one SHA-256 and one allocation). No exception thrown inside Argos reaches the
 * caller of a hot-path method.
 */
public final class Argos implements Observer {
  /** The {@link Signal#source()} of built-in signals. */
  public static final String SOURCE = "argos";

  /** Initialised at the first line logged, so SLF4J's start-up is not paid by createArgos. */
  private static final class Log {
    static final Logger LOG = LoggerFactory.getLogger(Argos.class);
  }

  private final ArgosConfig config;
  private final CopyOnWriteArrayList<SignalSink> sinks = new CopyOnWriteArrayList<>();
  private final SamplerEngine engine;
  private final GcMonitor gc;
  /** Whether Argos runs its own sampler thread (see the constructor). */
  private final boolean ownsTime;
  private final JvmStallSampler jvmStalls;
  private final ExecutorWatchdog watchdog;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final RequestRecorder requests = new RequestRecorder();
  // guarded by this
  private volatile @Nullable Agent local;
  private boolean listenersBound;
  private boolean started;
  /** Reports argos:error signals when no sink or bus takes them (standalone, no listeners). */
  private volatile @Nullable ErrorReporter standaloneErrors;
  /** Virtual threads (pinning, scheduler lag; JDK 21+): set by the first start, under this. */
  private @Nullable AutoCloseable virtualThreads;

  private Argos(ArgosConfig config) {
    this.config = config;
    this.engine =
        new SamplerEngine(
            config.clock(),
            config.sampleRate().toNanos(),
            config.windowSize().toNanos(),
            this::fanOut);
    // On a clock that moves by itself Argos runs the argos-sampler thread and listens to the
    // JVM's collectors; a clock that moves only when told (a test's ManualClock) is driven by
    // whoever holds it: no thread, and GC events recorded by hand (Clock.movesByItself).
    this.ownsTime = config.clock().movesByItself();
    this.gc = ownsTime ? GcMonitor.forThisJvm() : GcMonitor.manual(); // listens from start()
    // the stall meter and the executor watchdog share one log of when the JVM was stopped
    StopLog stops = StopLog.create(config, gc);
    this.jvmStalls = JvmStallSampler.create(config, stops, this::fanOut);
    this.watchdog = ExecutorWatchdog.create(config, stops, this::fanOut);
    engine.add(jvmStalls);
    engine.add(watchdog);
    // built at their first tick on the sampler thread: their JMX beans and /proc reads are not
    // paid by the thread that creates and starts Argos
    long gcSeq = gc.lastSeq();
    engine.add(new DeferredSampler("heap", () -> new HeapSampler(config, gc, this::fanOut, gcSeq)));
    engine.add(new DeferredSampler("resources", () -> new ResourceSampler(config, this::fanOut)));
    engine.add(new BurstSampler(config, requests, this::fanOut));
  }

  /** Creates an Argos with {@code config}; nothing runs until it is started. */
  public static Argos createArgos(ArgosConfig config) {
    return new Argos(Objects.requireNonNull(config, "config"));
  }

  /** Creates an Argos with every default ({@link ArgosConfig#defaults()}). */
  public static Argos createArgos() {
    return createArgos(ArgosConfig.defaults());
  }

  /** {@value #SOURCE}. */
  @Override
  public String name() {
    return SOURCE;
  }

  /** The configuration it was created with. */
  public ArgosConfig config() {
    return config;
  }

  /**
   * Starts sampling for standalone use: signals go to the {@code onAnomaly} listeners, on one
   * bus Argos creates for them (none when there are no listeners; Argos's own faults are then
   * logged, rate-limited). Idempotent; also safe after or before {@link #start(SignalSink)}: the
   * listeners stay on the bus of the first start.
   *
   * @throws IllegalStateException if closed
   */
  public Argos start() {
    startInternal(null, null);
    return this;
  }

  /**
   * Starts sampling with signals going to {@code sink} too. The {@code onAnomaly} listeners get
   * a bus of their own (as with {@link #start()}) unless already bound; an {@link Agent} calls
   * {@link #start(Observer.Context)} instead.
   */
  @Override
  public void start(SignalSink sink) {
    startInternal(Objects.requireNonNull(sink, "sink"), null);
  }

  /**
   * Called by an {@link Agent}: signals go to the agent's sink, and the {@code onAnomaly}
   * listeners are subscribed on the agent's {@code argos:signal} topic (the one bus: its
   * filters, flood guard and dispatcher), unless a previous start already bound them.
   */
  @Override
  public void start(Observer.Context context) {
    Objects.requireNonNull(context, "context");
    startInternal(Objects.requireNonNull(context.sink(), "sink"), context);
  }

  private synchronized void startInternal(
      @Nullable SignalSink sink, Observer.@Nullable Context context) {
    if (closed.get()) {
      throw new IllegalStateException("Argos is closed");
    }
    if (sink != null) {
      sinks.add(sink);
    }
    bindListeners(context);
    if (started) {
      return;
    }
    started = true;
    if (ownsTime) {
      // the GC listeners are registered by the sampler thread as it starts (JMX's first use
      // costs tens of milliseconds), before its first wake-up or tick
      engine.start(gc::startListening);
    }
    virtualThreads = VirtualThreads.start(this); // no-op before JDK 21, when off, on a manual clock
  }

  /** Subscribes the onAnomaly listeners once: on the agent's bus, or on one of Argos's own. */
  private void bindListeners(Observer.@Nullable Context context) {
    if (listenersBound || config.onAnomaly().isEmpty()) {
      return;
    }
    listenersBound = true;
    if (context != null) {
      // they live as long as the agent: it closes them after delivering what was emitted
      for (SignalListener l : config.onAnomaly()) {
        context.on(Agent.TOPIC_SIGNAL, l);
      }
      return;
    }
    Agent bus = Agent.createAgent(AgentConfig.builder().clock(config.clock()).build());
    for (SignalListener l : config.onAnomaly()) {
      bus.on(Agent.TOPIC_SIGNAL, l);
    }
    local = bus;
  }

  /** Records one request. Hot path: no clock read, no lock, no allocation. */
  public void recordRequest() {
    requests.record();
  }

  /**
   * Records one request from {@code key} (a client address, user or API key). Hot path: no
   * clock read, no lock, no allocation for a key already in hand of up to 1 024 characters (a
   * longer key is counted under its {@linkplain Signal#canonicalKey(String) canonical form}, the
   * one its signal and the quarantine use: one SHA-256 and one allocation); a null key counts as
   * {@link #recordRequest()}.
   */
  public void recordRequest(@Nullable String key) {
    requests.record(key);
  }

  /**
   * Watches {@code executor} (any {@link Executor}: a pool, a ForkJoinPool, a Netty event loop, a
   * lambda or method reference such as {@code loop::execute}) under {@code name}, and signals
   * {@code eventLoopLag} when it stops running work on time, including when its {@code
   * execute()} itself blocks (back-pressure): that call is made on Argos's {@code argos-prober}
   * thread, never on the sampler thread, so a blocking executor cannot stop the other detectors.
   *
   * <p>Argos holds {@code executor} strongly until the returned handle is closed (which releases
   * it at once), the executor is a shut-down {@code ExecutorService} or refuses work without
   * being one, or Argos is closed: a lambda that nothing else refers to stays watched. Names are
   * capped at 128 characters and neutralised in snapshot figure names.
   */
  public Subscription watch(String name, Executor executor) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(executor, "executor");
    return watchdog.watch(name, executor);
  }

  /** The current figures of every sampler. */
  public ArgosSnapshot snapshot() {
    Map<String, Object> figures = new LinkedHashMap<>();
    engine.snapshot(figures);
    figures.put("requests.total", requests.total());
    for (Sampler s : engine.samplers()) {
      try {
        s.snapshot(figures);
      } catch (Throwable t) {
        Log.LOG.debug("argos: sampler {} failed to snapshot", s.name(), t);
      }
    }
    return new ArgosSnapshot(config.clock().instant(), figures);
  }

  /**
   * Stops the sampler thread and every sampler, and closes the bus Argos created for its {@code
   * onAnomaly} listeners, if any (inside an agent their subscriptions are the agent's and close
   * with it, after it delivered what was emitted); idempotent, returns within about a second.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    engine.stop(TimeUnit.MILLISECONDS.toNanos(500));
    for (Sampler s : engine.samplers()) {
      try {
        s.close();
      } catch (Throwable t) {
        Log.LOG.warn("argos: sampler {} failed to close", s.name(), t);
      }
    }
    gc.close();
    synchronized (this) { // after a start in progress, which may have just started them
      VirtualThreads.close(virtualThreads);
    }
    Agent bus;
    synchronized (this) {
      bus = local;
      local = null;
    }
    if (bus != null) {
      bus.close();
    }
    sinks.clear();
  }

  /** The engine, for tests in this package that drive ticks by hand. */
  /** The executor watchdog (tests). */
  ExecutorWatchdog watchdog() {
    return watchdog;
  }

  SamplerEngine engine() {
    return engine;
  }

  /** A built-in signal: source {@value #SOURCE}, timestamped by {@code clock}. */
  static Signal.Builder signal(String type, Severity severity, Clock clock) {
    return Signal.builder(type).severity(severity).source(SOURCE).timestamp(clock.instant());
  }

  /** Where samplers emit: every sink (an agent's), or the bus of the {@code onAnomaly} listeners. */
  SignalSink out() {
    return this::fanOut;
  }

  /** The GC event source shared by the samplers. */
  GcMonitor gcMonitor() {
    return gc;
  }

  private void fanOut(Signal signal) {
    for (SignalSink sink : sinks) {
      try {
        sink.emit(signal);
      } catch (Throwable t) {
        Log.LOG.debug("argos: a sink threw", t);
      }
    }
    Agent bus = local;
    if (bus != null) {
      bus.publish(signal); // its ErrorReporter logs argos:error signals
    } else if (sinks.isEmpty() && Signal.TYPE_ERROR.equals(signal.type())) {
      standaloneErrors().admit(signal); // logged once per subject per 10 s, neutralised
    }
  }

  private ErrorReporter standaloneErrors() {
    ErrorReporter r = standaloneErrors;
    if (r == null) {
      synchronized (this) {
        r = standaloneErrors;
        if (r == null) {
          r = new ErrorReporter(config.clock(), () -> Log.LOG, signal -> {});
          standaloneErrors = r;
        }
      }
    }
    return r;
  }

  @Override
  public String toString() {
    return "Argos[" + config + ", started=" + started + ", closed=" + closed.get() + "]";
  }
}
