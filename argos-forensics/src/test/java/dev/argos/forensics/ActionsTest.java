package dev.argos.forensics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.signals.Quarantines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in actions, run by a real runner with a real agent and quarantine. */
class ActionsTest {
  @TempDir Path dir;
  final ManualClock clock = Clock.manual(Instant.parse("2026-12-02T05:00:00Z"));
  final BlockingQueue<Signal> published = new LinkedBlockingQueue<>();
  final Agent agent =
      Agent.createAgent(AgentConfig.builder().quarantine(Quarantines.inMemory()).build());
  final LoadShedGate gate = new LoadShedGate(clock);
  final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    agent.close();
  }

  ActionRunner runner(@Nullable EvidenceCapture capture, ActionSpec... specs) {
    ActionRunner r =
        new ActionRunner(List.of(specs), Set.of(), false, clock, published::add, agent, gate, capture);
    closing.add(0, r);
    return r;
  }

  Signal next() throws InterruptedException {
    Signal s = published.poll(60, TimeUnit.SECONDS);
    assertThat(s).as("an action record").isNotNull();
    return s;
  }

  static Signal burst(@Nullable String key) {
    return Signal.builder(Signal.TYPE_BURST).severity(Severity.CRITICAL).key(key).message("burst").build();
  }

  static Signal incident(String id, String originKind, String originName) {
    return Signal.builder(Signal.TYPE_INCIDENT)
        .severity(Severity.CRITICAL)
        .key(id)
        .message("chain")
        .data("state", "open")
        .data("origin", Map.of("kind", originKind, "name", originName, "type", "burst"))
        .build();
  }

  @Test
  void quarantineKeyQuarantinesTheTriggersKeyOrAnIncidentsKeyOrigin() throws Exception {
    ActionRunner r = runner(null, new ActionSpec("quarantine", s -> true, Actions.quarantineKey()));
    r.offer(burst("10.1.1.1"));
    Signal s = next();
    assertThat(s.data()).containsEntry("result", "success").containsEntry("quarantined", "10.1.1.1");
    assertThat(agent.quarantine().isQuarantined("10.1.1.1")).isTrue();

    r.offer(incident("inc-1", "key", "10.2.2.2"));
    assertThat(next().data()).containsEntry("result", "success").containsEntry("target", "inc-1");
    assertThat(agent.quarantine().isQuarantined("10.2.2.2")).isTrue();

    r.offer(incident("inc-2", "thread", "worker-3"));
    Signal noKey = next();
    assertThat(noKey.data()).containsEntry("result", "skipped").containsEntry("reason", "no key to quarantine");
    r.offer(burst(null));
    assertThat(next().data()).containsEntry("result", "skipped");
  }

  @Test
  void quarantineKeyOnAnIncidentOfAllTrafficQuarantinesNoKey() throws Exception {
    ActionRunner r = runner(null, new ActionSpec("quarantine", s -> true, Actions.quarantineKey()));
    // a burst of all traffic (no key) is the origin: data.origin = {kind: key, name: "*"}
    r.offer(incident("inc-3", "key", "*"));
    Signal s = next();
    assertThat(s.data()).containsEntry("result", "skipped").containsEntry("reason", "no key to quarantine");
    assertThat(agent.quarantine().isQuarantined("*")).isFalse();
    // a client whose key really is "*": the chain's origin step carries it, so it is quarantined
    Map<String, Object> step = new java.util.HashMap<>();
    step.put("type", "burst");
    step.put("key", "*");
    step.put("role", "origin");
    r.offer(Signal.builder(Signal.TYPE_INCIDENT).severity(Severity.CRITICAL).key("inc-4").message("chain")
        .data("state", "open")
        .data("origin", Map.of("kind", "key", "name", "*", "type", "burst"))
        .data("chain", List.of(step))
        .build());
    assertThat(next().data()).containsEntry("result", "success").containsEntry("quarantined", "*");
    assertThat(agent.quarantine().isQuarantined("*")).isTrue();
  }

  @Test
  void quarantineKeyWithoutAQuarantineIsSkipped() throws Exception {
    try (Agent bare = Agent.createAgent(AgentConfig.builder().build())) {
      ActionRunner r =
          new ActionRunner(
              List.of(new ActionSpec("quarantine", s -> true, Actions.quarantineKey())),
              Set.of(), false, clock, published::add, bare, gate, null);
      closing.add(0, r);
      r.offer(burst("10.1.1.1"));
      assertThat(next().data()).containsEntry("result", "skipped");
    }
  }

  @Test
  void shedLoadOpensTheGateForTheDuration() throws Exception {
    ActionRunner r = runner(null, new ActionSpec("shed", s -> true, Actions.shedLoad(Duration.ofSeconds(30))));
    assertThat(gate.shedding()).isFalse();
    r.offer(burst("k"));
    assertThat(next().data()).containsEntry("result", "success").containsEntry("shedMs", 30_000L);
    assertThat(gate.shedding()).isTrue();
    clock.advance(Duration.ofSeconds(30));
    assertThat(gate.shedding()).isFalse();
    assertThatThrownBy(() -> Actions.shedLoad(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT-1S");
  }

  @Test
  void captureEvidenceWritesABundleNamedAfterTheIncidentThenHitsTheCooldown() throws Exception {
    EvidenceCapture capture =
        new EvidenceCapture(
            new EvidenceSettings(dir, Duration.ofMinutes(5), 512L << 20, 0, false, Duration.ofMinutes(5), 64L << 20),
            clock,
            s -> {});
    closing.add(capture);
    ActionRunner r = runner(capture, new ActionSpec("evidence", s -> true, Actions.captureEvidence()));
    r.offer(burst("before")); // a recent signal the bundle lists
    Signal first = next();
    assertThat(first.data()).containsEntry("result", "success");
    String sigBundle = (String) first.data().get("evidence");
    assertThat(Path.of(sigBundle).getFileName().toString()).matches("sig-20261202-050000-[0-9a-f]{6}");
    assertThat(Files.readAllLines(Path.of(sigBundle, "signals.jsonl"))).hasSize(1);

    clock.advance(Duration.ofMinutes(5));
    r.offer(incident("inc-20261202-050500-00ff00", "key", "k"));
    Signal s = next();
    assertThat(s.data()).containsEntry("result", "success").containsEntry("evidence", dir.resolve("inc-20261202-050500-00ff00").toString());
    assertThat(Files.readString(dir.resolve("inc-20261202-050500-00ff00/incident.json"))).contains("\"origin\"");
    assertThat(Files.readAllLines(dir.resolve("inc-20261202-050500-00ff00/signals.jsonl"))).hasSize(2);

    r.offer(incident("inc-20261202-050500-00ff01", "key", "k"));
    Signal skipped = next();
    assertThat(skipped.data())
        .containsEntry("result", "skipped")
        .containsEntry("evidenceSkipped", "cooldown")
        .containsEntry("reason", "evidence skipped: cooldown");
  }

  @Test
  void captureEvidenceWithoutACaptureIsSkipped() throws Exception {
    ActionRunner r = runner(null, new ActionSpec("evidence", s -> true, Actions.captureEvidence()));
    r.offer(burst("k"));
    assertThat(next().data()).containsEntry("result", "skipped").containsEntry("reason", "no evidence directory");
  }

  @Test
  void heapHistogramRecordsTheLargestClassesAndTotals() throws Exception {
    ActionRunner r = runner(null, new ActionSpec("histogram", s -> true, Actions.heapHistogram()));
    r.offer(burst("k"));
    Signal s = next();
    assertThat(s.data()).containsEntry("result", "success");
    @SuppressWarnings("unchecked")
    List<String> rows = (List<String>) s.data().get("histogram");
    assertThat(rows).hasSizeBetween(1, Actions.HISTOGRAM_ROWS);
    assertThat(rows.get(0)).matches("\\d+ B, \\d+ objects: .+");
    assertThat((Long) s.data().get("totalBytes")).isPositive();
    assertThat((Long) s.data().get("totalInstances")).isPositive();
    assertThat(s.data().get("pauseMs")).isInstanceOf(Long.class);
  }

  @Test
  void parsesTheDiagnosticCommandsText() {
    String text =
        "num     #instances         #bytes  class name (module)\n"
            + "-------------------------------------------------------\n"
            + "   1:         27383        2536672  [B (java.base@17.0.13)\n"
            + "   2:          5943         713816  java.lang.Class (java.base@17.0.13)\n"
            + "Total        129001        9383472\n";
    Actions.Histogram h = Actions.parseHistogram(text);
    assertThat(h.rows())
        .containsExactly(
            "2536672 B, 27383 objects: [B (java.base@17.0.13)",
            "713816 B, 5943 objects: java.lang.Class (java.base@17.0.13)");
    assertThat(h.totalInstances()).isEqualTo(129001);
    assertThat(h.totalBytes()).isEqualTo(9383472);
  }

  @Test
  void builtInsRunByHandWithAForeignContextSayWhy() {
    ActionContext foreign =
        new ActionContext() {
          @Override
          public Signal trigger() {
            return burst("k");
          }

          @Override
          public Agent agent() {
            return agent;
          }

          @Override
          public String actionName() {
            return "x";
          }

          @Override
          public @Nullable String target() {
            return "k";
          }

          @Override
          public int attempt() {
            return 1;
          }

          @Override
          public void note(String name, @Nullable Object value) {}
        };
    assertThatThrownBy(() -> Actions.shedLoad(Duration.ofSeconds(1)).run(foreign))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs the context Argos runs it with");
  }
}
