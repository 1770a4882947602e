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
                .tags("type", "burst", "severity", "WARNING")
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
    assertThat(reg.get("argos.lag.jvm.p99Ms").gauge().value()).isEqualTo(12.5);
    assertThat(reg.get("argos.requests.rate").gauge().value()).isEqualTo(100.0);
    assertThat(reg.get("argos.heap.liveSetBytes").gauge().value()).isEqualTo(1_048_576.0);
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
    assertThat(reg.find("argos.signals").tags("type", "burst").functionCounter().count())
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

  @Test
  void prometheusScrapeShowsTheMetrics() {
    SetQuarantine q = new SetQuarantine();
    q.quarantine("10.0.0.1", Severity.CRITICAL, "burst");
    ArgosMetrics m =
        ArgosMetrics.builder()
            .quarantine(q)
            .droppedSignals(() -> 3)
            .figures(() -> Map.of("lag.jvm.p99Ms", 12.5, "fd.open", 42))
            .build();
    PrometheusMeterRegistry prom = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    m.bindTo(prom);
    m.onSignal(sig("burst", Severity.WARNING));
    m.onSignal(sig("burst", Severity.WARNING));
    String text = prom.scrape();
    assertThat(text)
        .contains("argos_signals_total{severity=\"WARNING\",type=\"burst\"} 2.0")
        .contains("argos_signals_total{severity=\"CRITICAL\",type=\"burst\"} 0.0")
        .contains("argos_signals_dropped_total 3.0")
        .contains("argos_quarantine_size 1.0")
        .contains("argos_lag_jvm_p99Ms 12.5")
        .contains("argos_fd_open 42.0");
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
                          .tags("type", "custom", "severity", "WARNING")
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
