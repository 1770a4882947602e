package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry subscribed to a real agent: lines written, the low-disk report on argos:error. */
class ProblemRegistryAgentTest {
  @TempDir Path dir;

  @Test
  void recordsWhatTheAgentDeliversAndReportsLowDiskOnArgosError() throws Exception {
    Path ok = dir.resolve("ok.jsonl");
    Path full = dir.resolve("full.jsonl");
    BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
    try (Agent agent = Agent.createAgent(AgentConfig.builder().build());
        ProblemRegistry registry = ProblemRegistry.builder(ok).app("it").open();
        ProblemRegistry starved =
            ProblemRegistry.builder(full)
                .minFreeBytes(Long.MAX_VALUE) // no disk has that much: stops at once
                .errorSink(agent::publish)
                .open()) {
      agent.on(Agent.TOPIC_ERROR, errors::add);
      agent.on(Agent.TOPIC_SIGNAL, registry);
      agent.on(Agent.TOPIC_SIGNAL, starved);
      for (int i = 0; i < 3; i++) {
        agent.publish(
            Signal.builder("custom").severity(Severity.WARNING).key("k").message("n " + i).build());
      }
      Signal e = errors.poll(10, TimeUnit.SECONDS);
      assertThat(e).isNotNull();
      assertThat(e.type()).isEqualTo(Signal.TYPE_ERROR);
      assertThat(e.data()).containsEntry("kind", "registryLowDisk");
      // delivery to the registry is on the bus's pool thread: wait for the lines (Awaitility)
      await().atMost(Duration.ofSeconds(10)).until(() -> registry.linesWritten() == 3);
      await().atMost(Duration.ofSeconds(10)).until(() -> starved.linesDropped() == 3);
      assertThat(errors.poll(200, TimeUnit.MILLISECONDS)).isNull(); // reported once only
    }
    assertThat(ProblemRegistry.read(ok))
        .extracting(ProblemRecord::message)
        .containsExactly("n 0", "n 1", "n 2");
    assertThat(ProblemRegistry.read(full)).isEmpty();
  }
}
