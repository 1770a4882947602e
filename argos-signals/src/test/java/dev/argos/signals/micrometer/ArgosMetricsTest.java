package dev.argos.signals.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Quarantine;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ArgosMetricsTest {

  /** A minimal quarantine for the size gauge (the real one lives in another class). */
  static final class SetQuarantine implements Quarantine {
    final Map<String, Boolean> keys = new ConcurrentHashMap<>();

    @Override
    public boolean isQuarantined(String key) {
      return keys.containsKey(key);
    }

    @Override
    public boolean quarantine(String key, Severity severity, String reason) {
      return keys.put(key, true) == null;
    }

    @Override
    public boolean quarantine(String key, Duration ttl, Severity severity, String reason) {
      return quarantine(key, severity, reason);
    }

    @Override
    public boolean release(String key) {
      return keys.remove(key) != null;
    }

    @Override
    public int size() {
      return keys.size();
    }
  }

  static Signal sig(String type, Severity s) {
    return Signal.builder(type).severity(s).message("m").build();
  }

  @Test
  void countsSignalsAndReadsGaugesInASimpleRegistry() {
    SetQuarantine q = new SetQuarantine();
    q.quarantine("a", Severity.WARNING, "r");
    q.quarantine("b", Severity.WARNING, "r");
    AtomicLong dropped = new AtomicLong(7);
    ManualClock clock = Clock.manual();
    AtomicInteger calls = new AtomicInteger();
    Map<String, Object> fig = new ConcurrentHashMap<>();
    fig.put("lag.jvm.p99Ms", 12.5);
    fig.put("requests.rate", 100L);
    fig.put("heap.liveSetBytes", 1_048_576L);
    fig.put("fd.open", 42);
    fig.put("mode", "text"); // not numeric: no gauge
    ArgosMetrics m =
        ArgosMetrics.builder()
            .quarantine(q)
            .droppedSignals(dropped::get)
            .figures(
                () -> {
                  calls.incrementAndGet();
                  return new LinkedHashMap<>(fig);
                })
            .clock(clock)
            .build();
    m.onSignal(sig("burst", Severity.WARNING)); // before binding: still counted
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    m.bindTo(reg);
    m.onSignal(sig("burst", Severity.WARNING));
    m.onSignal(sig("burst", Severity.WARNING));
    m.onSignal(sig("eventLoopLag", Severity.CRITICAL));

    assertThat(
            reg.get("argos.signals")
                .tags("type", "burst", "severity", "WARNING", "reason", "none")
                .functionCounter()
                .count())
        .isEqualTo(3.0);
    assertThat(
            reg.get("argos.signals")
                .tags("type", "eventLoopLag", "severity", "CRITICAL")
                .functionCounter()
                .count())
        .isEqualTo(1.0);
    assertThat(reg.get("argos.signals.dropped").functionCounter().count()).isEqualTo(7.0);
    assertThat(reg.get("argos.quarantine.size").gauge().value()).isEqualTo(2.0);
    q.release("a");
    assertThat(reg.get("argos.quarantine.size").gauge().value()).isEqualTo(1.0);
    assertThat(
            reg.get("argos.jvm.lag.percentile")
                .tag("phi", "0.99")
                .timeGauge()
                .value(TimeUnit.MILLISECONDS))
        .isEqualTo(12.5);
    assertThat(reg.get("argos.requests.rate").gauge().value()).isEqualTo(100.0);
    assertThat(reg.get("argos.heap.live.set").gauge().value()).isEqualTo(1_048_576.0);
    assertThat(reg.get("argos.heap.live.set").gauge().getId().getBaseUnit()).isEqualTo("bytes");
    assertThat(reg.get("argos.fd.open").gauge().value()).isEqualTo(42.0);
    assertThat(reg.find("argos.mode").gauge()).isNull();

    // figures are cached for 1 s: many gauge reads, one supplier call
    int before = calls.get();
    fig.put("fd.open", 43);
    for (int i = 0; i < 10; i++) {
      reg.get("argos.fd.open").gauge().value();
    }
    assertThat(calls.get() - before).isLessThanOrEqualTo(1);
    clock.advance(Duration.ofSeconds(2));
    assertThat(reg.get("argos.fd.open").gauge().value()).isEqualTo(43.0);

    // a figure that appears later is registered on a signal after 10 s; a vanished one is NaN
    fig.put("threads.live", 17);
    fig.remove("requests.rate");
    clock.advance(Duration.ofSeconds(11));
    m.onSignal(sig("burst", Severity.INFO));
    assertThat(reg.get("argos.threads.live").gauge().value()).isEqualTo(17.0);
    assertThat(reg.get("argos.requests.rate").gauge().value()).isNaN();

    m.close();
    assertThat(reg.find("argos.signals").meters()).isEmpty();
    assertThat(reg.find("argos.fd.open").gauge()).isNull();
    m.close();
  }

  @Test
  void failingSourcesReadNaNAndNeverThrow() {
    ArgosMetrics m =
        ArgosMetrics.builder()
            .figures(
                () -> {
                  throw new IllegalStateException("boom");
                })
            .build();
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    m.bindTo(reg);
    m.onSignal(sig("burst", Severity.WARNING));
    assertThat(
            reg.find("argos.signals")
                .tags("type", "burst", "severity", "WARNING")
                .functionCounter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void typesBeyondTheCapCountAsOther() {
    ArgosMetrics m = ArgosMetrics.builder().build();
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    m.bindTo(reg);
    for (int i = 0; i < ArgosMetrics.MAX_TYPES + 50; i++) {
      m.onSignal(sig("t" + i, Severity.WARNING));
    }
    long types =
        reg.find("argos.signals").meters().stream()
            .map(x -> x.getId().getTag("type"))
            .distinct()
            .count();
    assertThat(types).isEqualTo(ArgosMetrics.MAX_TYPES);
    assertThat(
            reg.get("argos.signals")
                .tags("type", "other", "severity", "WARNING")
                .functionCounter()
                .count())
        .isEqualTo(51.0);
  }

  /** Every figure docs/snapshot.md lists, with plausible values, and two watched executors. */
  static Map<String, Object> allFigures() {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("sampler.ticks", 1000L);
    f.put("sampler.missedTicks", 2L);
    f.put("sampler.lastLatenessMs", 0.5);
    f.put("sampler.maxLatenessMs", 12.0);
    f.put("sampler.sliceMs", 25.0);
    f.put("lag.jvm.p50Ms", 0.25);
    f.put("lag.jvm.p99Ms", 12.5);
    f.put("lag.jvm.maxMs", 40.0);
    f.put("lag.jvm.stalls", 7L);
    f.put("lag.jvm.gcStalls", 5L);
    f.put("lag.jvm.lastStallMs", 51.4);
    f.put("lag.jvm.baselineUs", 80.0);
    f.put("lag.jvm.resolutionMs", 12.5);
    f.put("lag.executors.watched", 2);
    f.put("lag.executor.http-pool.lagMs", 250L);
    f.put("lag.executor.db.writer.lagMs", 3L);
    f.put("heap.liveSetBytes", 1_048_576L);
    f.put("heap.maxBytes", 4_194_304L);
    f.put("heap.liveSetUsage", 0.25);
    f.put("heap.growth", 0.1);
    f.put("heap.slopeBytesPerSecond", 2048.0);
    f.put("heap.secondsToExhaustion", 3600.0);
    f.put("gc.overhead", 0.02);
    f.put("gc.countInWindow", 3);
    f.put("gc.events", 40L);
    f.put("gc.observed", true);
    f.put("fd.open", 42L);
    f.put("fd.max", 1024L);
    f.put("fd.usage", 42 / 1024.0);
    f.put("fd.sockets", 7L);
    f.put("threads.live", 17L);
    f.put("threads.max", 4096L);
    f.put("threads.usage", 17 / 4096.0);
    f.put("resources.lastReadMicros", 150.0);
    f.put("resources.intervalMs", 1000L);
    f.put("requests.total", 100L);
    f.put("requests.rate", 20.0);
    f.put("requests.baselineRate", 10.0);
    f.put("requests.windowMs", 5000L);
    f.put("requests.warm", true);
    f.put("requests.burst", false);
    f.put("requests.recorderBytes", 65_536L);
    f.put("requests.keys.warm", true);
    f.put("requests.keys.typicalRate", 1.5);
    f.put("requests.keys.thresholdRate", 30.0);
    f.put("requests.keys.distinct", 12L);
    f.put("requests.keys.watched", 10L);
    f.put("requests.keys.bursting", 1L);
    f.put("requests.keys.episodesDropped", 0L);
    f.put("requests.keys.top", List.of(Map.of("key", "10.0.0.7", "rate", 99.0)));
    f.put("requests.keys.nominationCut", 8L);
    return f;
  }

  @Test
  void prometheusScrapeFollowsMicrometerConventions() {
    SetQuarantine q = new SetQuarantine();
    q.quarantine("10.0.0.1", Severity.CRITICAL, "burst");
    ArgosMetrics m =
        ArgosMetrics.builder().quarantine(q).droppedSignals(() -> 3).figures(() -> allFigures()).build();
    PrometheusMeterRegistry prom = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    m.bindTo(prom);
    m.onSignal(Signal.builder("burst").severity(Severity.WARNING).key("10.0.0.7").message("m").build());
    m.onSignal(Signal.builder("burst").severity(Severity.WARNING).key("10.0.0.7").message("m").build());
    m.onSignal(
        Signal.builder("memoryPressure")
            .severity(Severity.CRITICAL)
            .message("m")
            .data("reason", "growth")
            .build());
    m.onSignal(
        Signal.builder(Signal.TYPE_QUARANTINE)
            .severity(Severity.WARNING)
            .key("10.0.0.9")
            .message("m")
            .data("reason", "flood from 10.0.0.9")
            .build());
    String text = prom.scrape();
    assertThat(text)
        .contains("argos_signals_total{reason=\"none\",severity=\"WARNING\",type=\"burst\"} 2.0")
        .contains("argos_signals_total{reason=\"growth\",severity=\"CRITICAL\",type=\"memoryPressure\"} 1.0")
        .contains("argos_signals_total{reason=\"other\",severity=\"WARNING\",type=\"quarantine\"} 1.0")
        .contains("argos_signals_dropped_total 3.0")
        .contains("argos_quarantine_size 1.0")
        // executor names are tags, lag in seconds
        .contains("argos_executor_lag_seconds{executor=\"http-pool\"} 0.25")
        .contains("argos_executor_lag_seconds{executor=\"db.writer\"} 0.003")
        .contains("argos_executors_watched 2.0")
        // percentiles in Micrometer's percentile-gauge shape, seconds
        .contains("argos_jvm_lag_percentile_seconds{phi=\"0.5\"} 2.5E-4")
        .contains("argos_jvm_lag_percentile_seconds{phi=\"0.99\"} 0.0125")
        .contains("argos_jvm_lag_max_seconds 0.04")
        .contains("argos_jvm_stalls_total{cause=\"gc\"} 5.0")
        .contains("argos_jvm_stalls_total{cause=\"other\"} 2.0")
        .contains("argos_jvm_stall_last_seconds 0.0514")
        .contains("argos_jvm_lag_baseline_seconds 8.0E-5")
        .contains("argos_sampler_ticks_total 1000.0")
        .contains("argos_sampler_ticks_missed_total 2.0")
        .contains("argos_sampler_lateness_max_seconds 0.012")
        .contains("argos_sampler_slice_seconds 0.025")
        // bytes
        .contains("argos_heap_live_set_bytes 1048576.0")
        .contains("argos_heap_max_bytes 4194304.0")
        .contains("argos_heap_live_set_usage 0.25")
        .contains("argos_heap_time_to_exhaustion_seconds 3600.0")
        .contains("argos_requests_recorder_size_bytes 65536.0")
        .contains("argos_gc_overhead 0.02")
        .contains("argos_gc_collections_total 40.0")
        .contains("argos_fd_open 42.0")
        .contains("argos_threads_live 17.0")
        .contains("argos_resources_read_last_seconds 1.5E-4")
        .contains("argos_requests_total 100.0")
        .contains("argos_requests_rate 20.0")
        .contains("argos_requests_window_seconds 5.0")
        .contains("argos_requests_keys_episodes_dropped_total 0.0");
    // every metric name is lower-case snake case: no camelCase unit, no executor inside a name
    List<String> names =
        text.lines()
            .filter(l -> !l.startsWith("#") && !l.isBlank())
            .map(l -> l.split("[{ ]", 2)[0])
            .distinct()
            .toList();
    assertThat(names).isNotEmpty().allMatch(n -> n.matches("argos_[a-z_]+"), "lower snake case");
    assertThat(names).noneMatch(n -> n.contains("http") || n.contains("pool") || n.contains("ms"));
    // client keys never become tags or names
    assertThat(text).doesNotContain("10.0.0.7").doesNotContain("10.0.0.9").doesNotContain("10.0.0.1");
    // a meter for every figure of the table (one name for both percentiles and both stall
    // causes), the executor lag, and signals, dropped signals, quarantine size
    long tableNames =
        FigureMeters.TABLE.values().stream().map(FigureMeters.Spec::meter).distinct().count();
    assertThat(text.lines().filter(l -> l.startsWith("# TYPE argos_")).count())
        .isEqualTo(tableNames + 4);
  }

  @Test
  void executorTagsAreBoundedNeutralisedAndFollowTheWatchedSet() {
    ManualClock clock = Clock.manual();
    Map<String, Object> fig = new ConcurrentHashMap<>();
    for (int i = 0; i < ArgosMetrics.MAX_EXECUTORS + 100; i++) {
      fig.put("lag.executor.pool-" + i + ".lagMs", 1L);
    }
    fig.put("lag.executor.evil\u001b[31m\r\nname.lagMs", 2L);
    ArgosMetrics m =
        ArgosMetrics.builder().figures(() -> new LinkedHashMap<>(fig)).clock(clock).build();
    PrometheusMeterRegistry prom = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    m.bindTo(prom);
    assertThat(prom.find("argos.executor.lag").timeGauges()).hasSize(ArgosMetrics.MAX_EXECUTORS);
    assertThat(prom.scrape()).doesNotContain("\u001b").doesNotContain("\r");
    // executors no longer watched: their meters go at the next rescan, new ones come in
    fig.keySet().removeIf(k -> k.startsWith("lag.executor.pool-"));
    clock.advance(Duration.ofSeconds(11));
    m.onSignal(sig("burst", Severity.INFO));
    assertThat(prom.find("argos.executor.lag").timeGauges()).hasSize(1);
    assertThat(prom.find("argos.executor.lag").timeGauges().iterator().next().getId().getTag("executor"))
        .doesNotContain("\u001b")
        .doesNotContain("\r")
        .doesNotContain("\n")
        .startsWith("evil");
    m.close();
    assertThat(prom.find("argos.executor.lag").timeGauges()).isEmpty();
  }

  @Test
  void countsSignalsDeliveredByARealAgent() {
    SetQuarantine q = new SetQuarantine();
    try (Agent agent = Agent.createAgent(AgentConfig.builder().quarantine(q).build())) {
      ArgosMetrics m = ArgosMetrics.builder().agent(agent).build();
      SimpleMeterRegistry reg = new SimpleMeterRegistry();
      m.bindTo(reg);
      agent.on(Agent.TOPIC_SIGNAL, m);
      for (int i = 0; i < 5; i++) {
        agent.publish(sig("custom", Severity.WARNING));
      }
      // the bus delivers on its own pool thread: wait for the counts (Awaitility)
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  reg.get("argos.signals")
                          .tags("type", "custom", "severity", "WARNING", "reason", "none")
                          .functionCounter()
                          .count()
                      == 5.0);
      assertThat(reg.get("argos.signals.dropped").functionCounter().count()).isZero();
      assertThat(reg.get("argos.quarantine.size").gauge().value()).isZero();
    }
  }

  @Test
  void noClassOutsideThisPackageRefersToMicrometer() throws IOException {
    Path classes =
        Path.of(ArgosMetrics.class.getProtectionDomain().getCodeSource().getLocation().getPath());
    Path signals = classes.resolve("dev/argos/signals");
    try (Stream<Path> files = Files.walk(signals)) {
      List<Path> offenders =
          files
              .filter(p -> p.toString().endsWith(".class"))
              .filter(p -> !p.startsWith(signals.resolve("micrometer")))
              .filter(
                  p -> {
                    try {
                      return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1)
                          .contains("io/micrometer");
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                  })
              .toList();
      assertThat(offenders).isEmpty();
    }
    try (Stream<Path> files = Files.walk(signals)) {
      assertThat(files.filter(p -> p.toString().endsWith(".class")).count()).isGreaterThan(5);
    }
  }
}
