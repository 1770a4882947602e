package dev.argos.signals.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.BaseUnits;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The table from Argos's snapshot figures to Micrometer meters (docs/sinks.md lists it): one
 * meter per figure, base units on the meter (time gauges in the figure's own unit, which Micrometer
 * converts to the registry's base time unit, seconds for Prometheus; bytes as {@link
 * BaseUnits#BYTES}), monotonic totals as function counters, and what varies inside a figure name as
 * a tag. The executor figures ({@code lag.executor.<name>.lagMs}) are handled by {@link
 * ArgosMetrics} itself (one tagged meter per watched executor).
 */
final class FigureMeters {
  private FigureMeters() {}

  enum Kind {
    GAUGE,
    TIME_GAUGE,
    COUNTER
  }

  /** How one figure becomes one meter. */
  record Spec(
      String figure,
      String meter,
      Kind kind,
      @Nullable TimeUnit timeUnit,
      @Nullable String baseUnit,
      Tags tags,
      String description,
      ToDoubleFunction<Map<String, ?>> reader) {

    Meter register(MeterRegistry registry, ArgosMetrics source) {
      ToDoubleFunction<ArgosMetrics> f = m -> reader.applyAsDouble(m.figureMap());
      return switch (kind) {
        case GAUGE ->
            Gauge.builder(meter, source, f)
                .baseUnit(baseUnit)
                .tags(tags)
                .description(description)
                .strongReference(true)
                .register(registry);
        case TIME_GAUGE ->
            TimeGauge.builder(meter, source, timeUnit == null ? TimeUnit.SECONDS : timeUnit, f)
                .tags(tags)
                .description(description)
                .strongReference(true)
                .register(registry);
        case COUNTER ->
            FunctionCounter.builder(meter, source, f)
                .baseUnit(baseUnit)
                .tags(tags)
                .description(description)
                .register(registry);
      };
    }
  }

  /** Figure name to its meter. */
  static final Map<String, Spec> TABLE = build();

  static double number(Map<String, ?> figures, String name) {
    Object v = figures.get(name);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  private static Map<String, Spec> build() {
    Map<String, Spec> t = new LinkedHashMap<>();
    // the sampler thread
    counter(t, "sampler.ticks", "argos.sampler.ticks", "Ticks the sampler thread ran");
    counter(t, "sampler.missedTicks", "argos.sampler.ticks.missed",
        "Ticks the sampler skipped because it ran late");
    time(t, "sampler.lastLatenessMs", TimeUnit.MILLISECONDS, "argos.sampler.lateness.last",
        "How late the last tick started");
    time(t, "sampler.maxLatenessMs", TimeUnit.MILLISECONDS, "argos.sampler.lateness.max",
        "How late the worst tick started");
    time(t, "sampler.sliceMs", TimeUnit.MILLISECONDS, "argos.sampler.slice",
        "The longest the sampler allowed itself to park last time");
    // the JVM stall meter: window percentiles in Micrometer's percentile-gauge shape (tag phi)
    put(t, new Spec("lag.jvm.p50Ms", "argos.jvm.lag.percentile", Kind.TIME_GAUGE,
        TimeUnit.MILLISECONDS, null, Tags.of("phi", "0.5"),
        "JVM stall meter lag percentile over its window (refreshed once a second)",
        m -> number(m, "lag.jvm.p50Ms")));
    put(t, new Spec("lag.jvm.p99Ms", "argos.jvm.lag.percentile", Kind.TIME_GAUGE,
        TimeUnit.MILLISECONDS, null, Tags.of("phi", "0.99"),
        "JVM stall meter lag percentile over its window (refreshed once a second)",
        m -> number(m, "lag.jvm.p99Ms")));
    time(t, "lag.jvm.maxMs", TimeUnit.MILLISECONDS, "argos.jvm.lag.max",
        "JVM stall meter: the largest lag of its window");
    // stalls split by cause, so that the series add up to all stalls
    put(t, new Spec("lag.jvm.gcStalls", "argos.jvm.stalls", Kind.COUNTER, null, null,
        Tags.of("cause", "gc"), "JVM stalls reported since start, by cause",
        m -> number(m, "lag.jvm.gcStalls")));
    put(t, new Spec("lag.jvm.stalls", "argos.jvm.stalls", Kind.COUNTER, null, null,
        Tags.of("cause", "other"), "JVM stalls reported since start, by cause",
        m -> number(m, "lag.jvm.stalls") - number(m, "lag.jvm.gcStalls")));
    time(t, "lag.jvm.lastStallMs", TimeUnit.MILLISECONDS, "argos.jvm.stall.last",
        "Lag of the last JVM stall");
    time(t, "lag.jvm.baselineUs", TimeUnit.MICROSECONDS, "argos.jvm.lag.baseline",
        "The timer baseline the JVM stall meter subtracts");
    time(t, "lag.jvm.resolutionMs", TimeUnit.MILLISECONDS, "argos.jvm.lag.resolution",
        "The JVM stall meter's resolution");
    gauge(t, "lag.executors.watched", "argos.executors.watched", null, "Executors watched now");
    // heap and GC
    gauge(t, "heap.liveSetBytes", "argos.heap.live.set", BaseUnits.BYTES,
        "Heap used after the last collection");
    gauge(t, "heap.maxBytes", "argos.heap.max", BaseUnits.BYTES, "The heap's maximum");
    gauge(t, "heap.liveSetUsage", "argos.heap.live.set.usage", null,
        "Live set over the heap's maximum (0 to 1)");
    gauge(t, "heap.growth", "argos.heap.live.set.growth", null,
        "Relative growth of the live set over the window (0.2 = 20 %)");
    gauge(t, "heap.slopeBytesPerSecond", "argos.heap.live.set.slope", "bytes.per.second",
        "Growth rate of the live set");
    time(t, "heap.secondsToExhaustion", TimeUnit.SECONDS, "argos.heap.time.to.exhaustion",
        "Time until the heap is exhausted at the current trend");
    gauge(t, "gc.overhead", "argos.gc.overhead", null,
        "Share of wall time in GC pauses over the window (0 to 1)");
    gauge(t, "gc.countInWindow", "argos.gc.window.collections", null,
        "Collections in the window");
    counter(t, "gc.events", "argos.gc.collections", "Collections seen since start");
    // file descriptors and threads
    gauge(t, "fd.open", "argos.fd.open", null, "Open file descriptors");
    gauge(t, "fd.max", "argos.fd.max", null, "The file descriptor limit");
    gauge(t, "fd.usage", "argos.fd.usage", null, "Open file descriptors over the limit (0 to 1)");
    gauge(t, "fd.sockets", "argos.fd.sockets", null, "Sockets among the open descriptors");
    gauge(t, "threads.live", "argos.threads.live", null, "Live threads");
    gauge(t, "threads.max", "argos.threads.max", null, "The thread limit");
    gauge(t, "threads.usage", "argos.threads.usage", null, "Live threads over the limit (0 to 1)");
    time(t, "resources.lastReadMicros", TimeUnit.MICROSECONDS, "argos.resources.read.last",
        "What reading the resources cost last time");
    time(t, "resources.intervalMs", TimeUnit.MILLISECONDS, "argos.resources.interval",
        "How often the resources are read");
    // requests
    counter(t, "requests.total", "argos.requests", "Requests recorded since start");
    gauge(t, "requests.rate", "argos.requests.rate", null,
        "Requests per second over the short window");
    gauge(t, "requests.baselineRate", "argos.requests.baseline.rate", null,
        "The learned baseline, requests per second");
    time(t, "requests.windowMs", TimeUnit.MILLISECONDS, "argos.requests.window",
        "The short window of the request rate");
    gauge(t, "requests.recorderBytes", "argos.requests.recorder.size", BaseUnits.BYTES,
        "The request recorder's arrays");
    gauge(t, "requests.keys.typicalRate", "argos.requests.keys.typical.rate", null,
        "Typical per-key rate, requests per second");
    gauge(t, "requests.keys.thresholdRate", "argos.requests.keys.threshold.rate", null,
        "Per-key firing level, requests per second");
    gauge(t, "requests.keys.distinct", "argos.requests.keys.distinct", null,
        "Distinct keys seen in the window (an estimate)");
    gauge(t, "requests.keys.watched", "argos.requests.keys.watched", null,
        "Keys the per-key detector watches");
    gauge(t, "requests.keys.bursting", "argos.requests.keys.bursting", null,
        "Per-key burst episodes open now");
    counter(t, "requests.keys.episodesDropped", "argos.requests.keys.episodes.dropped",
        "Keys over the level not signalled because the episode table was full");
    gauge(t, "requests.keys.nominationCut", "argos.requests.keys.nomination.cut", null,
        "The sketch estimate at which a key is nominated");
    return Map.copyOf(t);
  }

  private static void put(Map<String, Spec> t, Spec s) {
    t.put(s.figure(), s);
  }

  private static void gauge(
      Map<String, Spec> t, String figure, String meter, @Nullable String unit, String description) {
    put(t, new Spec(figure, meter, Kind.GAUGE, null, unit, Tags.empty(), description,
        m -> number(m, figure)));
  }

  private static void time(
      Map<String, Spec> t, String figure, TimeUnit unit, String meter, String description) {
    put(t, new Spec(figure, meter, Kind.TIME_GAUGE, unit, null, Tags.empty(), description,
        m -> number(m, figure)));
  }

  private static void counter(Map<String, Spec> t, String figure, String meter, String description) {
    put(t, new Spec(figure, meter, Kind.COUNTER, null, null, Tags.empty(), description,
        m -> number(m, figure)));
  }
}
