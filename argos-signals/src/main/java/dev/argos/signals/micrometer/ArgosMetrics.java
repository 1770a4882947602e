package dev.argos.signals.micrometer;

import dev.argos.core.Agent;
import dev.argos.core.Clock;
import dev.argos.core.Quarantine;
import dev.argos.core.SafeText;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalListener;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Argos as Micrometer meters. Subscribe it to the signals and bind it to a registry:
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
 *   <li>{@code argos.signals} (function counter, tags {@code type}, {@code severity}): signals
 *       received by this listener since it was built; at most 256 types are kept apart, further
 *       ones count under {@code type="other"}.
 *   <li>{@code argos.signals.dropped} (function counter): the agent's {@link
 *       Agent#droppedSignals()}.
 *   <li>{@code argos.quarantine.size} (gauge): keys quarantined now.
 *   <li>{@code argos.<figure>} (gauge) for each numeric figure of the supplier, e.g. {@code
 *       argos.lag.jvm.p99Ms}, {@code argos.requests.rate}, {@code argos.heap.liveSetBytes}, {@code
 *       argos.fd.open} (Prometheus: {@code argos_lag_jvm_p99Ms}). Figures present at {@link
 *       #bindTo(MeterRegistry)} are registered then; figures that appear later are registered when
 *       the next signal arrives (checked at most every 10 s). At most 256 figures. A figure that
 *       disappears reads NaN.
 * </ul>
 *
 * <h2>Cost</h2>
 *
 * <p>{@link #onSignal(Signal)} is a map lookup and an increment. The figures supplier is called at
 * most once a second however many gauges a scrape reads (the map is cached for 1 s). A supplier or
 * quarantine that throws reads NaN and is logged once. The counters refer to this object weakly (as
 * Micrometer's function counters do): keep it reachable, which subscribing it to an agent does.
 * {@link #close()} removes every meter it registered.
 */
public final class ArgosMetrics implements MeterBinder, SignalListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ArgosMetrics.class);
  private static final Pattern FIGURE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  static final int MAX_TYPES = 256;
  static final int MAX_FIGURES = 256;
  private static final long FIGURE_CACHE_NANOS = Duration.ofSeconds(1).toNanos();
  private static final long RESCAN_NANOS = Duration.ofSeconds(10).toNanos();

  private final @Nullable Quarantine quarantine;
  private final @Nullable LongSupplier dropped;
  private final @Nullable Supplier<? extends Map<String, ?>> figures;
  private final Clock clock;

  private final ConcurrentHashMap<String, Counts> counts = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  // guarded by lock
  private final List<MeterRegistry> registries = new ArrayList<>();
  private final List<Registered> registered = new ArrayList<>();
  private final Set<String> figureNames = new LinkedHashSet<>();
  private boolean closed;

  private volatile Map<String, ?> figureCache = Map.of();
  private volatile long figureCacheAt;
  private volatile boolean figureCacheValid;
  private volatile long lastRescan;
  private volatile boolean failureLogged;

  private record Registered(MeterRegistry registry, Meter meter) {}

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

  /** Counts {@code signal} by type and severity. Never throws. */
  @Override
  public void onSignal(Signal signal) {
    try {
      Counts bySeverity = counts.get(signal.type());
      if (bySeverity == null) {
        bySeverity = newType(signal.type());
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

  /** Slow path: the first signal of a type (or any type beyond the cap, counted as "other"). */
  private Counts newType(String type) {
    synchronized (lock) {
      Counts existing = counts.get(type);
      if (existing != null) {
        return existing;
      }
      String t = counts.size() < MAX_TYPES - 1 ? type : "other";
      Counts adders = counts.get(t);
      if (adders == null) {
        adders = new Counts();
        counts.put(t, adders);
        for (MeterRegistry r : registries) {
          registerType(r, t, adders);
        }
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
      counts.forEach((type, adders) -> registerType(registry, type, adders));
      LongSupplier d = dropped;
      if (d != null) {
        add(
            registry,
            FunctionCounter.builder("argos.signals.dropped", d, LongSupplier::getAsLong)
                .description(
                    "Signals the agent dropped: queue overflow, flood guard, full listener queues")
                .register(registry));
      }
      Quarantine q = quarantine;
      if (q != null) {
        add(
            registry,
            Gauge.builder("argos.quarantine.size", () -> quarantineSize(q))
                .description("Keys quarantined now")
                .strongReference(true)
                .register(registry));
      }
      for (String name : figureNames) {
        registerFigure(registry, name);
      }
    }
    registerFigures(current);
  }

  private void registerType(MeterRegistry registry, String type, Counts adders) {
    for (Severity s : Severity.values()) {
      LongAdder a = adders.of(s);
      add(
          registry,
          FunctionCounter.builder("argos.signals", a, LongAdder::doubleValue)
              .description("Signals received, by type and severity")
              .tag("type", type)
              .tag("severity", s.name())
              .register(registry));
    }
  }

  private void registerFigures(Map<String, ?> current) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      for (Map.Entry<String, ?> e : current.entrySet()) {
        String name = e.getKey();
        if (figureNames.size() >= MAX_FIGURES) {
          break;
        }
        if (!(e.getValue() instanceof Number)
            || figureNames.contains(name)
            || !FIGURE_NAME.matcher(name).matches()) {
          continue;
        }
        figureNames.add(name);
        for (MeterRegistry r : registries) {
          registerFigure(r, name);
        }
      }
    }
  }

  private void registerFigure(MeterRegistry registry, String name) {
    add(
        registry,
        Gauge.builder("argos." + name, () -> figure(name))
            .description("Argos live figure " + name)
            .strongReference(true)
            .register(registry));
  }

  private void add(MeterRegistry registry, Meter meter) {
    registered.add(new Registered(registry, meter));
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
     * becomes a gauge {@code argos.<name>}. Called at most once a second per scrape.
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

    public ArgosMetrics build() {
      return new ArgosMetrics(this);
    }
  }
}
