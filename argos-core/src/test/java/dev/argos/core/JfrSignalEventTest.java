package dev.argos.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.internal.JfrSignals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every signal the bus routes is also the JFR event {@code dev.argos.Signal}: recorded for real
 * with {@link Recording}, parsed back with {@link RecordingFile}.
 */
class JfrSignalEventTest {
  @TempDir Path dir;

  private static Signal take(BlockingQueue<Signal> q) throws InterruptedException {
    Signal s = q.poll(5, TimeUnit.SECONDS);
    assertThat(s).as("a signal within 5 s").isNotNull();
    return s;
  }

  private List<RecordedEvent> record(Recording recording, AgentWork work) throws Exception {
    Path file = dir.resolve("argos-" + System.nanoTime() + ".jfr");
    recording.start();
    try {
      work.run();
    } finally {
      recording.stop();
    }
    recording.dump(file);
    recording.close();
    assertThat(Files.size(file)).isPositive();
    return RecordingFile.readAllEvents(file).stream()
        .filter(e -> e.getEventType().getName().equals(JfrSignals.EVENT_NAME))
        .collect(Collectors.toList());
  }

  private interface AgentWork {
    void run() throws Exception;
  }

  @Test
  void signalsIncidentsQuarantineChangesAndFaultsAreRecordedWithTheirFieldsOnTheDispatcher()
      throws Exception {
    assertThat(JfrSignals.isAvailable()).isTrue();
    Recording recording = new Recording();
    recording.enable(JfrSignals.EVENT_NAME);
    TestObserver observer = new TestObserver("test-observer");
    List<RecordedEvent> events =
        record(
            recording,
            () -> {
              Agent agent = Agent.createAgent(AgentConfig.builder().observer(observer).build());
              BlockingQueue<Signal> seen = new LinkedBlockingQueue<>();
              agent.on(Agent.TOPIC_SIGNAL, seen::add);
              agent.on(Agent.TOPIC_INCIDENT, seen::add);
              agent.on(Agent.TOPIC_QUARANTINE, seen::add);
              BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
              agent.on(Agent.TOPIC_ERROR, errors::add);
              agent.on(
                  Agent.TOPIC_SIGNAL,
                  s -> {
                    throw new IllegalStateException("listener fails");
                  });
              // emitted on this (the observer's) thread
              observer.emit(
                  Signal.builder(Signal.TYPE_EVENT_LOOP_LAG)
                      .severity(Severity.WARNING)
                      .key("jvm")
                      .message("the JVM stalled for 812 ms")
                      .data(DataKeys.EPISODE, "eventLoopLag-7")
                      .data(DataKeys.LAG_MS, 812)
                      .build());
              agent.publish(
                  Signal.builder(Signal.TYPE_INCIDENT)
                      .severity(Severity.CRITICAL)
                      .key("inc-20261202-051000-abcdef")
                      .message("a GC pause stalled the JVM")
                      .build());
              agent.publish(
                  Signal.builder(Signal.TYPE_QUARANTINE)
                      .severity(Severity.INFO)
                      .key("10.0.0.7")
                      .message("10.0.0.7 quarantined")
                      .build());
              agent.publish(Signal.builder("custom").message("no key, no episode").build());
              for (int i = 0; i < 4; i++) {
                take(seen);
              }
              assertThat(take(errors).data()).containsEntry(DataKeys.KIND, "listenerFailed");
              agent.close(); // joins the dispatcher: every commit has happened
            });

    Map<String, RecordedEvent> byType =
        events.stream().collect(Collectors.toMap(e -> e.getString("type"), e -> e));
    assertThat(byType)
        .containsOnlyKeys("eventLoopLag", "incident", "quarantine", "custom", "argosError");

    RecordedEvent lag = byType.get("eventLoopLag");
    assertThat(lag.getString("key")).isEqualTo("jvm");
    assertThat(lag.getString("severity")).isEqualTo("WARNING");
    assertThat(lag.getString("message")).isEqualTo("the JVM stalled for 812 ms");
    assertThat(lag.getString("episode")).isEqualTo("eventLoopLag-7");
    assertThat(lag.getString("source")).isEqualTo("test-observer");
    // committed on the dispatcher, not on the thread that emitted it
    assertThat(lag.getThread().getJavaName()).startsWith("argos-dispatcher-");
    assertThat(lag.getStackTrace()).isNull();

    RecordedEvent incident = byType.get("incident");
    assertThat(incident.getString("key")).isEqualTo("inc-20261202-051000-abcdef");
    assertThat(incident.getString("severity")).isEqualTo("CRITICAL");
    assertThat(incident.getString("episode")).isNull();
    assertThat(byType.get("quarantine").getString("key")).isEqualTo("10.0.0.7");
    assertThat(byType.get("custom").getString("key")).isNull();
    assertThat(byType.get("custom").getString("message")).isEqualTo("no key, no episode");
    // the bus's own report (a listener threw): committed by the thread that reported it
    RecordedEvent fault = byType.get("argosError");
    assertThat(fault.getString("message")).contains("listener fails");
    assertThat(fault.getThread().getJavaName()).startsWith("argos-listener-");

    EventType type =
        FlightRecorder.getFlightRecorder().getEventTypes().stream()
            .filter(t -> t.getName().equals(JfrSignals.EVENT_NAME))
            .findFirst()
            .orElseThrow();
    assertThat(type.getCategoryNames()).containsExactly("Argos");
    assertThat(type.getLabel()).isEqualTo("Argos Signal");
    assertThat(type.getFields().stream().map(f -> f.getName()))
        .contains("type", "key", "severity", "message", "episode", "source");
  }

  @Test
  void nothingIsRecordedWhenTheEventIsDisabledAndTheBusStillDelivers() throws Exception {
    Recording recording = new Recording();
    recording.disable(JfrSignals.EVENT_NAME);
    recording.enable("jdk.ThreadStart"); // a recording runs, just not for Argos's event
    List<RecordedEvent> events =
        record(
            recording,
            () -> {
              Agent agent = Agent.createAgent(AgentConfig.builder().build());
              BlockingQueue<Signal> seen = new LinkedBlockingQueue<>();
              agent.on(Agent.TOPIC_SIGNAL, seen::add);
              agent.publish(Signal.builder("custom").message("m").build());
              assertThat(take(seen).type()).isEqualTo("custom");
              agent.close();
            });
    assertThat(events).isEmpty();
  }
}
