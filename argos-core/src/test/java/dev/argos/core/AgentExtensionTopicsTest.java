package dev.argos.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The topics and the close hook that extensions (argos-forensics, a live page) build on. */
class AgentExtensionTopicsTest {

  private static Signal take(BlockingQueue<Signal> q) throws InterruptedException {
    Signal s = q.poll(5, TimeUnit.SECONDS);
    assertThat(s).as("a signal within 5 s").isNotNull();
    return s;
  }

  @Test
  void incidentsAndActionsGoToTheirOwnTopicsOnlyAndSkipFilters() throws Exception {
    AtomicInteger filtered = new AtomicInteger();
    try (Agent agent =
        Agent.createAgent(
            AgentConfig.builder()
                .filter(
                    s -> {
                      filtered.incrementAndGet();
                      return s;
                    })
                .build())) {
      BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
      BlockingQueue<Signal> incidents = new LinkedBlockingQueue<>();
      BlockingQueue<Signal> actions = new LinkedBlockingQueue<>();
      agent.on(Agent.TOPIC_SIGNAL, signals::add);
      agent.on(Agent.TOPIC_INCIDENT, incidents::add);
      agent.on(Agent.TOPIC_ACTION, actions::add);

      agent.publish(Signal.builder(Signal.TYPE_INCIDENT).key("inc-1").message("i").build());
      agent.publish(Signal.builder(Signal.TYPE_ACTION).key("a").message("a").build());
      agent.publish(Signal.builder("custom").message("c").build());

      assertThat(take(incidents).key()).isEqualTo("inc-1");
      assertThat(take(actions).key()).isEqualTo("a");
      assertThat(take(signals).type()).isEqualTo("custom"); // the last one published
      assertThat(signals).isEmpty();
      assertThat(incidents).isEmpty();
      assertThat(actions).isEmpty();
      assertThat(filtered).hasValue(1); // only the custom signal went through the filter
    }
  }

  @Test
  void attachedResourcesCloseWithTheAgentOnceInOrderAndAFailureIsReportedNotThrown() {
    List<String> closed = new ArrayList<>();
    Agent agent = Agent.createAgent(AgentConfig.builder().build());
    agent.closeWith(() -> closed.add("first"));
    agent.closeWith(
        () -> {
          closed.add("throws");
          throw new IllegalStateException("boom");
        });
    Subscription forgotten = agent.closeWith(() -> closed.add("forgotten"));
    agent.closeWith(() -> closed.add("last"));
    forgotten.close();

    agent.close();
    agent.close();

    assertThat(closed).containsExactly("first", "throws", "last");
    assertThatThrownBy(() -> agent.closeWith(() -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}
