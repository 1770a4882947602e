package dev.argos.forensics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The facade: its thread, its cost while nothing fires, its bounds, closing. */
class ForensicsLifecycleTest {

  private static List<Thread> forensicsThreads() {
    List<Thread> out = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && Forensics.THREAD_NAME.equals(t.getName())) {
        out.add(t);
      }
    }
    return out;
  }

  @Test
  void idleItParksWithoutWakeUpsAndReadsNothing() {
    try (Agent agent = Agent.createAgent(AgentConfig.builder().build())) {
      Forensics f = Forensics.attach(agent, ForensicsConfig.defaults());
      // the thread is asynchronous: wait until it has parked (WAITING: a park with no deadline)
      await().atMost(Duration.ofSeconds(5))
          .until(() -> forensicsThreads().size() == 1
              && forensicsThreads().get(0).getState() == Thread.State.WAITING);
      // an application's signal without an episode opens nothing: still parked, nothing read
      agent.publish(Signal.builder("custom").severity(Severity.CRITICAL).message("mine").build());
      await().atMost(Duration.ofSeconds(5))
          .until(() -> forensicsThreads().get(0).getState() == Thread.State.WAITING);
      assertThat(f.threadReads()).isZero();
      assertThat(f.incidentOpen()).isFalse();
    }
    assertThat(forensicsThreads()).isEmpty();
  }

  @Test
  void signalsDroppedWhileItIsBehindAreReportedOnArgosError() {
    ManualClock clock = Clock.manual();
    List<Signal> errors = new CopyOnWriteArrayList<>();
    try (Agent agent = Agent.createAgent(AgentConfig.builder().build())) {
      agent.on(Agent.TOPIC_ERROR, errors::add);
      // a manual clock: nothing drains the inbox until step(), so it fills up
      Forensics f = Forensics.attach(agent, ForensicsConfig.builder().clock(clock).build());
      int sent = 0;
      for (int chunk = 0; chunk < Forensics.INBOX / 64 + 2; chunk++) {
        for (int i = 0; i < 64; i++) {
          agent.publish(Signal.builder("custom").severity(Severity.INFO).message("m" + sent++).build());
        }
        // the agent delivers on its own threads; its queues (1 024) must not overflow first
        int expected = sent;
        await().atMost(Duration.ofSeconds(5))
            .until(() -> f.inboxSize() + f.droppedSignals() == expected);
      }
      assertThat(agent.droppedSignals()).isZero();
      assertThat(f.droppedSignals()).isEqualTo(sent - Forensics.INBOX).isEqualTo(128);
      f.step();
      await().atMost(Duration.ofSeconds(5)).until(() -> !errors.isEmpty());
      assertThat(errors.get(0).data()).containsEntry(DataKeys.KIND, "forensicsDropped")
          .containsEntry(DataKeys.DROPPED_TOTAL, 128L);
    }
  }

  @Test
  void closeIsIdempotentAndTheAgentClosesItToo() {
    Agent agent = Agent.createAgent(AgentConfig.builder().build());
    Forensics f = Forensics.attach(agent, ForensicsConfig.defaults());
    f.close();
    f.close();
    assertThat(forensicsThreads()).isEmpty();
    Forensics g = Forensics.attach(agent, ForensicsConfig.defaults());
    assertThat(forensicsThreads()).hasSize(1);
    agent.close();
    assertThat(forensicsThreads()).isEmpty();
    g.close();
  }

  @Test
  void aCaptureAnsweredOnAnotherThreadReachesTheIncidentsNextUpdate() throws InterruptedException {
    ManualClock clock = Clock.manual();
    List<Signal> incidents = new CopyOnWriteArrayList<>();
    List<Thread> answerers = new CopyOnWriteArrayList<>();
    List<String> askedOn = new CopyOnWriteArrayList<>();
    try (Agent agent = Agent.createAgent(AgentConfig.builder().build())) {
      agent.on(Agent.TOPIC_INCIDENT, incidents::add);
      Forensics f = Forensics.attach(agent, ForensicsConfig.builder().clock(clock)
          .capturer((id, incident, recent, threads, done) -> {
            askedOn.add(Thread.currentThread().getName() + " " + id + " " + incident.get("key") + " "
                + ((java.util.Map<?, ?>) incident.get("data")).get(DataKeys.STATE) + " " + recent.size());
            Thread t = new Thread(() -> done.accept("/evidence/" + id, null), "fake-evidence");
            answerers.add(t);
            t.start();
          }).build());
      agent.publish(Signal.builder(Signal.TYPE_EVENT_LOOP_LAG).severity(Severity.CRITICAL)
          .timestamp(clock.instant()).key("loop").message("lag")
          .data(DataKeys.LAG_MS, 600.0).data(DataKeys.EPISODE, "eventLoopLag-1").build());
      await().atMost(Duration.ofSeconds(5)).until(() -> {
        f.step();
        return f.incidentOpen();
      });
      clock.advanceMillis(1500);
      f.step();
      await().atMost(Duration.ofSeconds(5)).until(() -> incidents.size() == 1);
      String id = incidents.get(0).key();
      assertThat(askedOn).singleElement().asString().endsWith(" " + id + " " + id + " open 1");
      for (Thread t : answerers) {
        t.join(2000);
      }
      clock.advanceMillis(1000);
      await().atMost(Duration.ofSeconds(5)).until(() -> {
        f.step();
        return incidents.size() == 2;
      });
      assertThat(incidents.get(1).key()).isEqualTo(id);
      assertThat(incidents.get(1).data()).containsEntry(DataKeys.EVIDENCE, "/evidence/" + id);
    }
  }

  @Test
  void anEvidencePassReadsAtMostMaxThreadReadsThreadsAndOnlyWhileAnIncidentIsOpen()
      throws InterruptedException {
    ManualClock clock = Clock.manual();
    List<Signal> incidents = new CopyOnWriteArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    List<Thread> parked = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Thread t = new Thread(() -> {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "idle-" + i);
      t.setDaemon(true);
      t.start();
      parked.add(t);
    }
    try (Agent agent = Agent.createAgent(AgentConfig.builder().build())) {
      agent.on(Agent.TOPIC_INCIDENT, incidents::add);
      Forensics f = Forensics.attach(agent,
          ForensicsConfig.builder().clock(clock).maxThreadReads(8).build());
      assertThat(forensicsThreads()).as("no thread with a manual clock").isEmpty();
      f.step();
      assertThat(f.threadReads()).isZero();
      agent.publish(Signal.builder(Signal.TYPE_EVENT_LOOP_LAG).severity(Severity.WARNING)
          .timestamp(clock.instant()).key("loop").message("lag")
          .data(DataKeys.LAG_MS, 60.0).data(DataKeys.EPISODE, "eventLoopLag-1").build());
      // the agent delivers on its own threads: step until the signal has arrived
      await().atMost(Duration.ofSeconds(5)).until(() -> {
        f.step();
        return f.incidentOpen();
      });
      assertThat(f.threadReads()).isEqualTo(8);
      for (int i = 0; i < 6; i++) {
        clock.advanceMillis(250);
        f.step();
      }
      // one pass per 500 ms: three more by 1.5 s, when the incident is published
      assertThat(f.threadReads()).isEqualTo(32);
      await().atMost(Duration.ofSeconds(5)).until(() -> !incidents.isEmpty());
      assertThat(incidents.get(0).data()).containsEntry(DataKeys.STATE, "open");
      agent.publish(Signal.builder(Signal.TYPE_EVENT_LOOP_LAG).severity(Severity.INFO)
          .timestamp(clock.instant()).key("loop").message("ok")
          .data(DataKeys.STATE, DataKeys.STATE_RESOLVED).data(DataKeys.EPISODE, "eventLoopLag-1")
          .build());
      await().atMost(Duration.ofSeconds(5)).until(() -> {
        f.step();
        clock.advanceMillis(100);
        return !f.incidentOpen();
      });
      long reads = f.threadReads();
      clock.advanceMillis(5_000);
      f.step();
      assertThat(f.threadReads()).as("nothing read once resolved").isEqualTo(reads);
      await().atMost(Duration.ofSeconds(5)).until(() -> incidents.size() >= 2);
      assertThat(incidents.get(incidents.size() - 1).data()).containsEntry(DataKeys.STATE, "resolved");
    } finally {
      release.countDown();
      for (Thread t : parked) {
        t.join(TimeUnit.SECONDS.toMillis(2));
      }
    }
  }

  @Test
  void attachingToAClosedAgentThrowsAndLeavesNoThreadNorRecording(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    Agent agent = Agent.createAgent(AgentConfig.builder().build());
    agent.close();
    ForensicsConfig config = ForensicsConfig.builder()
        .evidenceDir(dir)
        .action("noop", s -> true, ctx -> ActionResult.SUCCESS)
        .build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Forensics.attach(agent, config))
        .isInstanceOf(IllegalStateException.class);
    // what the constructor started before it failed is stopped again: no thread, no JFR recording
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      List<String> left = new ArrayList<>();
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        String n = t.getName();
        if (t.isAlive() && (n.equals(Forensics.THREAD_NAME) || n.equals(EvidenceCapture.THREAD_NAME)
            || n.startsWith(ActionRunner.THREAD_NAME))) {
          left.add(n);
        }
      }
      assertThat(left).isEmpty();
      assertThat(jdk.jfr.FlightRecorder.getFlightRecorder().getRecordings())
          .noneMatch(r -> JfrRing.RECORDING_NAME.equals(r.getName())
              && r.getState() == jdk.jfr.RecordingState.RUNNING);
    });
  }
}
