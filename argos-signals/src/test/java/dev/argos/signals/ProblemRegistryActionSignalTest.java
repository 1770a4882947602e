package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals of type {@code action} (argos-forensics' actions under guardrails) are recorded with
 * {@code actionTaken = data.action} and {@code actionResult = data.result} by the default
 * resolver.
 */
class ProblemRegistryActionSignalTest {
  @TempDir Path dir;

  static Signal action(String name, String result) {
    return Signal.builder(Signal.TYPE_ACTION)
        .severity(Severity.INFO)
        .source("argos")
        .key("10.0.0.7")
        .message("action " + name + ": " + result)
        .data("action", name)
        .data("result", result)
        .data("target", "10.0.0.7")
        .data("attempt", 1)
        .build();
  }

  @Test
  void actionSignalsRecordTheirActionAndResult() throws Exception {
    Path file = dir.resolve("p.jsonl");
    try (ProblemRegistry reg = ProblemRegistry.open(file)) {
      reg.onSignal(action("quarantineKey", "success"));
      reg.onSignal(action("shedLoad", "suppressed"));
      reg.onSignal(action("heapHistogram", "dryRun"));
      reg.onSignal(Signal.builder(Signal.TYPE_ACTION).message("no fields").build());
      reg.onSignal(
          Signal.builder(Signal.TYPE_ACTION)
              .message("odd fields")
              .data("action", 42)
              .data("result", List.of("x"))
              .build());
      reg.onSignal(Signal.builder(Signal.TYPE_BURST).key("k").message("burst").build());
    }
    assertThat(ProblemRegistry.read(file))
        .extracting(ProblemRecord::actionTaken, ProblemRecord::actionResult)
        .containsExactly(
            Tuple.tuple("quarantineKey", "success"),
            Tuple.tuple("shedLoad", "suppressed"),
            Tuple.tuple("heapHistogram", "dryRun"),
            Tuple.tuple("action", null),
            Tuple.tuple("action", null),
            Tuple.tuple("none", null));
  }

  @Test
  void aRegistryOnTheActionTopicRecordsPublishedActions() throws Exception {
    Path file = dir.resolve("a.jsonl");
    try (Agent agent = Agent.createAgent(AgentConfig.builder().build());
        ProblemRegistry reg = ProblemRegistry.open(file)) {
      agent.on(Agent.TOPIC_ACTION, reg);
      agent.publish(action("quarantineKey", "failure"));
      // delivery is on the bus's pool thread (truly asynchronous): wait for the line
      await().atMost(Duration.ofSeconds(10)).until(() -> reg.linesWritten() == 1);
    }
    List<ProblemRecord> rs = ProblemRegistry.read(file);
    assertThat(rs).hasSize(1);
    assertThat(rs.get(0).type()).isEqualTo(Signal.TYPE_ACTION);
    assertThat(rs.get(0).actionTaken()).isEqualTo("quarantineKey");
    assertThat(rs.get(0).actionResult()).isEqualTo("failure");
    assertThat(rs.get(0).key()).isEqualTo("10.0.0.7");
  }
}
