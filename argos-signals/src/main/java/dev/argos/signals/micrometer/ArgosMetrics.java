package dev.argos.signals.micrometer;

import dev.argos.core.Agent;
import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Quarantine;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalListener;
import dev.argos.core.internal.SafeText;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Argos as Micrometer meters, named the way Micrometer users expect: dot-separated lower-case names,
 * base units (seconds, bytes) declared on the meter rather than written into the name, and the
 * varying part of a figure (an executor's name, a signal's type) as a tag, never inside the name.
 * Subscribe it to the signals and bind it to a registry:
 *
 * <pre>{@code
 * ArgosMetrics metrics = ArgosMetrics.builder()
 *     .agent(agent)                                  // quarantine size, dropped signals
 *     .figures(() -> argos.snapshot().figures())     // the observers' live figures
 *     .build();
 * agent.on(Agent.TOPIC_SIGNAL, metrics);
 * agent.on(Agent.TOPIC_QUARANTINE, metrics);          // optional: count quarantine changes too
 * metrics.bindTo(registry);
 * }</pre>
 *
 * <h2>Meters</h2>
 *
 * <ul>
 *   <li>{@code argos.signals} (function counter, tags {@code type}, {@code severity}, {@code
 *       reason}): signals received by this listener since it was built. {@code reason} is the
 *       signal's {@code data.reason} when it is one of the built-in detectors' reasons ({@code
 *       growth}, {@code afterGcUsage}, {@code gcOverhead}, {@code usage}, {@code trend}), {@code
 *       none} without one, {@code other} for any other text (a quarantine's free-text reason never
 *       becomes a tag). At most 256 types are kept apart, further ones count under {@code
 *       type="other"}. Keys are never tags.
 *   <li>{@code argos.signals.dropped} (function counter): the agent's {@link
 *       Agent#droppedSignals()}.
 *   <li>{@code argos.quarantine.size} (gauge): keys quarantined now.
 *   <li>one meter per figure of the supplier that is listed in {@code docs/sinks.md} (for example
 *       {@code lag.executor.<name>.lagMs} becomes the time gauge {@code argos.executor.lag} in
 *       seconds with tag {@code executor=<name>}; {@code lag.jvm.p99Ms} the time gauge {@code
 *       argos.jvm.lag.percentile} with tag {@code phi=0.99}, Micrometer's own shape for
 *       percentiles computed elsewhere; {@code heap.liveSetBytes} the gauge {@code
 *       argos.heap.live.set} in bytes; {@code requests.total} the function counter {@code
 *       argos.requests}). Figures not in that table, and figures that are not numbers, are not
 *       exported. Figures present at {@link #bindTo(MeterRegistry)} are registered then; figures
 *       that appear later are registered when the next signal arrives (checked at most every 10 s).
 *       A figure that disappears reads NaN, except an executor's, whose meter is removed (so the
 *       {@code executor} tag holds the executors watched now, at most {@value #MAX_EXECUTORS}, the
 *       watchdog's own cap; executor names are neutralised and capped at 128 characters).
 * </ul>
 *
 * <h2>Cost</h2>
 *
 * <p>{@link #onSignal(Signal)} is two map lookups and an increment. The figures supplier is called
 * at most once a second however many gauges a scrape reads (the map is cached for 1 s). A supplier
 * or quarantine that throws reads NaN and is logged once. The counters refer to this object weakly
 * (as Micrometer's function counters do): keep it reachable, which subscribing it to an agent does.
 * {@link #close()} removes every meter it registered.
 */
public final class ArgosMetrics implements MeterBinder, SignalListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ArgosMetrics.class);
  static final int MAX_TYPES = 256;
  /** At most this many executors are exported at once: the executor watchdog's own cap. */
  static final int MAX_EXECUTORS = 1024;
  static final int MAX_EXECUTOR_NAME = 128;
  private static final String EXECUTOR_PREFIX = "lag.executor.";
  private static final String EXECUTOR_SUFFIX = ".lagMs";
  private static final long FIGURE_CACHE_NANOS = Duration.ofSeconds(1).toNanos();
  private static final long RESCAN_NANOS = Duration.ofSeconds(10).toNanos();
  /** The built-in detectors' {@code data.reason} values: the only ones that become tags. */
  static final Set<String> REASONS =
      Set.of("growth", "afterGcUsage", "gcOverhead", "usage", "trend");

  private final @Nullable Quarantine quarantine;
  private final @Nullable LongSupplier dropped;
  private final @Nullable Supplier<? extends Map<String, ?>> figures;
  private final Clock clock;

  // type -> reason -> counts; at most MAX_TYPES types (then "other"), REASONS.size() + 2 reasons
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Counts>> counts =
      new ConcurrentHashMap<>();
  private final Object lock = new Object();
  // guarded by lock
  private final List<MeterRegistry> registries = new ArrayList<>();
  private final List<Registered> registered = new ArrayList<>();
  private final Set<String> figureNames = new LinkedHashSet<>();
  private final Map<String, String> executors = new LinkedHashMap<>(); // figure -> tag value
  private final Set<String> executorTags = new HashSet<>();
  private boolean closed;

  private volatile Map<String, ?> figureCache = Map.of();
  private volatile long figureCacheAt;
  private volatile boolean figureCacheValid;
  private volatile long lastRescan;
  private volatile boolean failureLogged;

  private record Registered(MeterRegistry registry, Meter meter, @Nullable String figure) {}

  /** One counter per severity. */
  private static final class Counts {
    final LongAdder info = new LongAdder();
    final LongAdder warning = new LongAdder();
    final LongAdder critical = new LongAdder();

    LongAdder of(Severity s) {
      return switch (s) {
        case INFO -> info;
        case WARNING -> warning;
        case CRITICAL -> critical;
      };
    }
  }

  private ArgosMetrics(Builder b) {
    this.quarantine = b.quarantine;
    this.dropped = b.dropped;
    this.figures = b.figures;
    this.clock = b.clock;
    this.lastRescan = clock.nanoTime();
  }

  /** A builder; every source is optional. */
  public static Builder builder() {
    return new Builder();
  }

  /** Counts {@code signal} by type, severity and reason. Never throws. */
  @Override
  public void onSignal(Signal signal) {
    try {
      String reason = reasonTag(signal.data().get(DataKeys.REASON));
      Map<String, Counts> byReason = counts.get(signal.type());
      Counts bySeverity = byReason == null ? null : byReason.get(reason);
      if (bySeverity == null) {
        bySeverity = newSeries(signal.type(), reason);
      }
      bySeverity.of(signal.severity()).increment();
      if (figures != null && clock.nanoTime() - lastRescan >= RESCAN_NANOS) {
        lastRescan = clock.nanoTime();
        registerFigures(currentFigures(true));
      }
    } catch (RuntimeException e) {
      logOnce("counting a signal", e);
    }
  }

  static String reasonTag(@Nullable Object reason) {
    if (reason == null) {
      return "none";
    }
    return reason instanceof String r && REASONS.contains(r) ? r : "other";
  }

  /** Slow path: the first signal of a type and reason (a type beyond the cap counts as "other"). */
  private Counts newSeries(String type, String reason) {
    synchronized (lock) {
      ConcurrentHashMap<String, Counts> byReason = counts.get(type);
      if (byReason == null) {
        String t = counts.size() < MAX_TYPES - 1 ? type : "other";
        byReason = counts.computeIfAbsent(t, k -> new ConcurrentHashMap<>());
        type = t;
      }
      Counts existing = byReason.get(reason);
      if (existing != null) {
        return existing;
      }
      Counts adders = new Counts();
      byReason.put(reason, adders);
      for (MeterRegistry r : registries) {
        registerSeries(r, type, reason, adders);
      }
      return adders;
    }
  }

  /** Registers the meters in {@code registry}. May be called for several registries. */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    Map<String, ?> current = figures != null ? currentFigures(true) : Map.of();
    synchronized (lock) {
      if (closed || registries.contains(registry)) {
        return;
      }
      registries.add(registry);
      counts.forEach(
          (type, byReason) ->
              byReason.forEach((reason, adders) -> registerSeries(registry, type, reason, adders)));
      LongSupplier d = dropped;
      if (d != null) {
        add(
            registry,
            FunctionCounter.builder("argos.signals.dropped", d, LongSupplier::getAsLong)
                .description(
                    "Signals the agent dropped: queue overflow, flood guard, full listener queues")
                .register(registry),
            null);
      }
      Quarantine q = quarantine;
      if (q != null) {
        add(
            registry,
            Gauge.builder("argos.quarantine.size", () -> quarantineSize(q))
                .description("Keys quarantined now")
                .strongReference(true)
                .register(registry),
            null);
      }
      for (String name : figureNames) {
        registerFigure(registry, name);
      }
      executors.forEach((figure, executor) -> registerExecutor(registry, figure, executor));
    }
    registerFigures(current);
  }

  private void registerSeries(MeterRegistry registry, String type, String reason, Counts adders) {
    for (Severity s : Severity.values()) {
      LongAdder a = adders.of(s);
      add(
          registry,
          FunctionCounter.builder("argos.signals", a, LongAdder::doubleValue)
              .description("Signals received, by type, severity and reason")
              .tag("type", type)
              .tag("severity", s.name())
              .tag("reason", reason)
              .register(registry),
          null);
    }
  }

  private void registerFigures(Map<String, ?> current) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      for (Map.Entry<String, ?> e : current.entrySet()) {
        String name = e.getKey();
        if (!(e.getValue() instanceof Number)) {
          continue;
        }
        if (FigureMeters.TABLE.containsKey(name)) {
          if (figureNames.add(name)) {
            for (MeterRegistry r : registries) {
              registerFigure(r, name);
            }
          }
        } else if (name.startsWith(EXECUTOR_PREFIX)
            && name.endsWith(EXECUTOR_SUFFIX)
            && name.length() > EXECUTOR_PREFIX.length() + EXECUTOR_SUFFIX.length()
            && !executors.containsKey(name)
            && executors.size() < MAX_EXECUTORS) {
          String executor =
              SafeText.neutralise(
                  name.substring(EXECUTOR_PREFIX.length(), name.length() - EXECUTOR_SUFFIX.length()),
                  MAX_EXECUTOR_NAME);
          if (executorTags.add(executor)) {
            executors.put(name, executor);
            for (MeterRegistry r : registries) {
              registerExecutor(r, name, executor);
            }
          }
        }
      }
      // executors no longer watched: their meters go, so the tag follows the watched set (an
      // empty map is a supplier that failed or has nothing yet: nothing is removed then)
      for (Iterator<Map.Entry<String, String>> it = executors.entrySet().iterator();
          !current.isEmpty() && it.hasNext(); ) {
        Map.Entry<String, String> e = it.next();
        if (!current.containsKey(e.getKey())) {
          it.remove();
          executorTags.remove(e.getValue());
          removeMetersOf(e.getKey());
        }
      }
    }
  }

  private void registerFigure(MeterRegistry registry, String name) {
    FigureMeters.Spec spec = FigureMeters.TABLE.get(name);
    if (spec != null) {
      add(registry, spec.register(registry, this), name);
    }
  }

  private void registerExecutor(MeterRegistry registry, String figure, String executor) {
    add(
        registry,
        TimeGauge.builder(
                "argos.executor.lag", this, TimeUnit.MILLISECONDS, m -> m.figure(figure))
            .description("How late the watched executor runs a probe task now")
            .tag("executor", executor)
            .strongReference(true)
            .register(registry),
        figure);
  }

  private void removeMetersOf(String figure) {
    for (Iterator<Registered> it = registered.iterator(); it.hasNext(); ) {
      Registered r = it.next();
      if (figure.equals(r.figure())) {
        r.registry().remove(r.meter());
        it.remove();
      }
    }
  }

  private void add(MeterRegistry registry, Meter meter, @Nullable String figure) {
    registered.add(new Registered(registry, meter, figure));
  }

  private double quarantineSize(Quarantine q) {
    try {
      return q.size();
    } catch (RuntimeException e) {
      logOnce("reading the quarantine size", e);
      return Double.NaN;
    }
  }

  private double figure(String name) {
    Object v = currentFigures(false).get(name);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** The figures, from a cache at most 1 s old (for the meters of {@link FigureMeters}). */
  Map<String, ?> figureMap() {
    return currentFigures(false);
  }

  /** The figures, from a cache at most 1 s old unless {@code fresh}. */
  private Map<String, ?> currentFigures(boolean fresh) {
    Supplier<? extends Map<String, ?>> f = figures;
    if (f == null) {
      return Map.of();
    }
    long now = clock.nanoTime();
    if (!fresh && figureCacheValid && now - figureCacheAt < FIGURE_CACHE_NANOS) {
      return figureCache;
    }
    Map<String, ?> m;
    try {
      Map<String, ?> got = f.get();
      m = got == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(got));
    } catch (RuntimeException e) {
      logOnce("reading the figures", e);
      m = Map.of();
    }
    figureCache = m;
    figureCacheAt = now;
    figureCacheValid = true;
    return m;
  }

  private void logOnce(String what, RuntimeException e) {
    if (!failureLogged) {
      failureLogged = true;
      log.warn(
          "argos: metrics failed {} (reported once): {}",
          what,
          SafeText.neutralise(e.toString(), 512));
    }
  }

  /** Removes every meter this binder registered. Idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      for (Registered r : registered) {
        r.registry().remove(r.meter());
      }
      registered.clear();
      registries.clear();
    }
  }

  /** Sources of an {@link ArgosMetrics}. Not thread-safe. */
  public static final class Builder {
    private @Nullable Quarantine quarantine;
    private @Nullable LongSupplier dropped;
    private @Nullable Supplier<? extends Map<String, ?>> figures;
    private Clock clock = Clock.system();

    private Builder() {}

    /** Takes the quarantine size and the dropped-signal count from {@code agent}. */
    public Builder agent(Agent agent) {
      Objects.requireNonNull(agent, "agent");
      this.quarantine = agent.quarantine();
      this.dropped = agent::droppedSignals;
      return this;
    }

    /** The quarantine whose size {@code argos.quarantine.size} reports. */
    public Builder quarantine(Quarantine quarantine) {
      this.quarantine = Objects.requireNonNull(quarantine, "quarantine");
      return this;
    }

    /** The count {@code argos.signals.dropped} reports, e.g. {@code agent::droppedSignals}. */
    public Builder droppedSignals(LongSupplier dropped) {
      this.dropped = Objects.requireNonNull(dropped, "dropped");
      return this;
    }

    /**
     * Live figures, name to number, e.g. {@code () -> argos.snapshot().figures()}; each numeric one
     * listed in {@code docs/sinks.md} becomes a meter (see the class description). Called at most
     * once a second however many meters a scrape reads.
     */
    public Builder figures(Supplier<? extends Map<String, ?>> figures) {
      this.figures = Objects.requireNonNull(figures, "figures");
      return this;
    }

    /** Time source for the figure cache. Default {@link Clock#system()}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The binder; nothing is registered until {@link ArgosMetrics#bindTo(MeterRegistry)}. */
    public ArgosMetrics build() {
      return new ArgosMetrics(this);
    }
  }
}
