package dev.argos.forensics;

import static dev.argos.forensics.CorrelatorTest.origin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.DataKeys;
import dev.argos.core.Signal;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.observers.Thresholds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole of argos-forensics on a real JVM: a loop blocked on a lock until CRITICAL; the
 * incident names the lock owner, its bundle is written (the stalled thread and the owner first in
 * threads.txt) and its path published with the incident; an action on the incident opens the
 * load-shedding gate and is published on argos:action.
 */
class ForensicsEndToEndTest {

  @Test
  void aCriticalIncidentGetsItsBundleAndTriggersItsAction(@TempDir Path dir) throws Exception {
    Argos argos = Argos.createArgos(ArgosConfig.builder()
        .thresholds(Thresholds.builder().eventLoopLag(Duration.ofMillis(50)).build()).build());
    List<Signal> incidents = new CopyOnWriteArrayList<>();
    List<Signal> actions = new CopyOnWriteArrayList<>();
    ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "e2e-loop"));
    CountDownLatch release = new CountDownLatch(1);
    Forensics forensics;
    try (Agent agent = Agent.createAgent(AgentConfig.builder().observer(argos).build())) {
      forensics = Forensics.attach(agent, ForensicsConfig.builder()
          .evidenceDir(dir)
          .freeSpaceFloor(0)
          .action("shed-on-incident", s -> Signal.TYPE_INCIDENT.equals(s.type()),
              Actions.shedLoad(Duration.ofMinutes(1)))
          .build());
      agent.on(Agent.TOPIC_INCIDENT, incidents::add);
      agent.on(Agent.TOPIC_ACTION, actions::add);
      argos.watch("e2e-loop", loop);
      for (int i = 0; i < 20; i++) {
        loop.execute(() -> LockSupport.parkNanos(1_000_000));
        LockSupport.parkNanos(10_000_000);
      }
      Object lock = new Object();
      CountDownLatch held = new CountDownLatch(1);
      Thread owner = new Thread(() -> {
        synchronized (lock) {
          held.countDown();
          awaitRelease(release);
        }
      }, "e2e-owner");
      owner.setDaemon(true);
      owner.start();
      held.await(5, TimeUnit.SECONDS);
      assertThat(forensics.shedding()).isFalse();
      loop.execute(() -> {
        synchronized (lock) {
          lock.notifyAll();
        }
      });
      // the bundle is written on argos-evidence, its path comes with the next update
      await().atMost(Duration.ofSeconds(12)).until(() -> incidents.stream()
          .anyMatch(s -> s.data().containsKey(DataKeys.EVIDENCE)
              || s.data().containsKey(DataKeys.EVIDENCE_SKIPPED)));
      Signal withBundle = incidents.stream()
          .filter(s -> s.data().containsKey(DataKeys.EVIDENCE)
              || s.data().containsKey(DataKeys.EVIDENCE_SKIPPED))
          .findFirst().orElseThrow();
      assertThat(withBundle.data()).as("%s", withBundle).containsKey(DataKeys.EVIDENCE);
      assertThat(origin(withBundle)).containsEntry("kind", "lock").containsEntry("name", "e2e-owner");
      Path bundle = Path.of(String.valueOf(withBundle.data().get(DataKeys.EVIDENCE)));
      assertThat(bundle.getFileName().toString()).isEqualTo(withBundle.key());
      assertThat(bundle.resolve("incident.json")).exists();
      String incidentJson = Files.readString(bundle.resolve("incident.json"), StandardCharsets.UTF_8);
      assertThat(incidentJson).contains(withBundle.key().toString()).contains("e2e-owner");
      assertThat(bundle.resolve("signals.jsonl")).exists();
      String threads = Files.readString(bundle.resolve("threads.txt"), StandardCharsets.UTF_8);
      int stalled = threads.indexOf("\"e2e-loop\"");
      int ownerAt = threads.indexOf("\"e2e-owner\"");
      int other = threads.indexOf("\"main\"");
      assertThat(stalled).as(threads).isNotNegative();
      assertThat(ownerAt).isGreaterThan(stalled);
      assertThat(other < 0 || other > ownerAt).as("the stalled thread and its lock owner first").isTrue();
      assertThat(threads.substring(ownerAt)).contains("awaitRelease");
      // the action ran on the incident, under its guardrails, and says so on argos:action
      await().atMost(Duration.ofSeconds(5)).until(() -> !actions.isEmpty());
      assertThat(actions.get(0).data()).containsEntry(DataKeys.ACTION, "shed-on-incident")
          .containsEntry(DataKeys.RESULT, "success")
          .containsEntry(DataKeys.TRIGGER, Signal.TYPE_INCIDENT);
      assertThat(actions.get(0).key()).isEqualTo(withBundle.key());
      assertThat(forensics.shedding()).isTrue();
    } finally {
      release.countDown();
      loop.shutdownNow();
      loop.awaitTermination(2, TimeUnit.SECONDS);
    }
    assertThat(Thread.getAllStackTraces().keySet()).filteredOn(Thread::isAlive)
        .extracting(Thread::getName)
        .doesNotContain(Forensics.THREAD_NAME, EvidenceCapture.THREAD_NAME, ActionRunner.THREAD_NAME);
  }

  private static void awaitRelease(CountDownLatch release) {
    try {
      release.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
