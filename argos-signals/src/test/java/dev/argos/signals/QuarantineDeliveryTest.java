package dev.argos.signals;

import static dev.argos.core.Agent.createAgent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** How changes leave the quarantine, and what its surface does with nulls. */
class QuarantineDeliveryTest {
  private final ManualClock clock = Clock.manual();

  @Test
  void changesReachTheSinkSynchronouslyInChainOrder() {
    InMemoryQuarantine q = Quarantines.builder().clock(clock).maxKeys(2).build();
    List<Signal> sunk = new ArrayList<>();
    Subscription s = q.publishTo(sunk::add);
    q.quarantine("a", Severity.INFO, "r");
    assertThat(sunk).hasSize(1); // before quarantine() returned: no queue, no thread
    q.quarantine("b", Severity.WARNING, "r");
    q.quarantine("c", Severity.WARNING, "r"); // evicts a
    assertThat(sunk)
        .extracting(x -> x.key() + ":" + x.data().get("action"))
        .containsExactly("a:quarantined", "b:quarantined", "a:evicted", "c:quarantined");
    assertThat(sunk)
        .extracting(x -> (String) x.data().get("action"))
        .containsExactlyElementsOf(
            q.auditRecords().stream().map(AuditRecord::action).collect(Collectors.toList()));
    s.close();
    q.release("b");
    assertThat(sunk).hasSize(4);
  }

  @Test
  void concurrentWritersChangesReachTheSinkInExactlyTheChainOrder() throws Exception {
    InMemoryQuarantine q =
        Quarantines.builder().clock(clock).maxKeys(64).auditCapacity(100_000).build();
    List<String> sunk = new java.util.concurrent.CopyOnWriteArrayList<>();
    q.publishTo(s -> sunk.add(s.key() + ":" + s.data().get("action") + ":" + s.data().get("offences")));
    int writers = 4;
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int id = w;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < 2_000; i++) {
                    String k = "k" + ((i * 7 + id) % 100);
                    if (i % 3 == 0) {
                      q.release(k);
                    } else {
                      q.quarantine(k, Severity.values()[(i + id) % 3], "w");
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    List<AuditRecord> chain = q.auditRecords();
    assertThat(q.stats().auditTrimmed()).isZero();
    assertThat(sunk)
        .containsExactlyElementsOf(
            chain.stream()
                .map(
                    r ->
                        r.key()
                            + ":"
                            + ("extended".equals(r.action()) ? "quarantined" : r.action())
                            + ":"
                            + r.offences())
                .collect(Collectors.toList()));
    assertThat(q.verifyAudit()).isTrue();
  }

  @Test
  void aListenerWritingBackIsDeliveredAfterTheCurrentChangesInChainOrder() {
    InMemoryQuarantine q = Quarantines.builder().clock(clock).build();
    q.quarantine("k1", Duration.ofSeconds(1), Severity.WARNING, "r");
    q.quarantine("k2", Duration.ofSeconds(1), Severity.WARNING, "r");
    q.quarantine("k3", Duration.ofSeconds(1), Severity.WARNING, "r");
    List<String> seen = new ArrayList<>();
    q.onChange(
        s -> {
          seen.add(s.key() + ":" + s.data().get("action"));
          if ("k1".equals(s.key()) && "expired".equals(s.data().get("action"))) {
            q.quarantine("z", Severity.WARNING, "linked");
          }
        });
    clock.advance(Duration.ofSeconds(2));
    q.sweep(); // one write, three expiries; the listener adds a fourth change
    assertThat(seen).containsExactly("k1:expired", "k2:expired", "k3:expired", "z:quarantined");
    List<AuditRecord> chain = q.auditRecords();
    assertThat(chain.subList(3, chain.size()))
        .extracting(r -> r.key() + ":" + r.action())
        .containsExactlyElementsOf(seen);
    assertThat(q.verifyAudit()).isTrue();
  }

  @Test
  void theAgentsSlowSubscriberNeverHoldsUpAQuarantineWrite() throws Exception {
    InMemoryQuarantine q = Quarantines.builder().clock(clock).build();
    CountDownLatch release = new CountDownLatch(1);
    try (Agent agent = createAgent(AgentConfig.builder().quarantine(q).build())) {
      agent.on(
          Agent.TOPIC_QUARANTINE,
          s -> {
            try {
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      long t0 = System.nanoTime();
      for (int i = 0; i < 5_000; i++) {
        assertThat(q.quarantine("k" + i, Severity.WARNING, "r")).isTrue();
      }
      // 5 000 writes while the only subscriber is stuck: the bus is bounded and drops
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
      assertThat(q.isQuarantined("k4999")).isTrue();
    } finally {
      release.countDown();
    }
  }

  /**
   * Fails on the old code, which handed the throwable to the logger: its message (a newline, a
   * forged line, ESC) was printed verbatim with the stack trace. The build's tests run with
   * slf4j-simple at level error, so the test checks the line handed to the logger.
   */
  @Test
  void aThrowingListenerIsLoggedOnOneNeutralisedLine() {
    String forged = "[main] WARN dev.argos.signals.Forged - argos: all clear";
    RuntimeException userFault = new IllegalStateException("boom\n" + forged + "\u001b[2J");
    InMemoryQuarantine q = Quarantines.builder().clock(clock).build();
    q.onChange(
        s -> {
          throw userFault;
        });
    List<Signal> seen = new ArrayList<>();
    q.onChange(seen::add);
    assertThat(q.quarantine("k", Severity.WARNING, "r")).isTrue();
    assertThat(seen).hasSize(1); // the next listener still ran
    assertThat(q.isQuarantined("k")).isTrue();

    String line = InMemoryQuarantine.failureLine("change listener", userFault);
    assertThat(line)
        .startsWith("argos: the quarantine's change listener threw java.lang.IllegalStateException: boom\\n[main] WARN")
        .doesNotContain("\n")
        .doesNotContain("\r")
        .doesNotContain("\u001b");
    assertThat(line.lines()).hasSize(1);
    assertThat(InMemoryQuarantine.failureLine("audit listener", new RuntimeException()))
        .endsWith("RuntimeException: null; continuing");
  }

  /** Fails on the old code: remaining(null) threw NullPointerException. */
  @Test
  void nullArgumentsMeanNotQuarantined() {
    InMemoryQuarantine q = Quarantines.builder().clock(clock).build();
    assertThat(q.remaining(null)).isEqualTo(Duration.ZERO);
    assertThat(q.isQuarantined(null)).isFalse();
    assertThat(q.release(null)).isFalse();
    assertThat(q.quarantine(null, Severity.WARNING, "r")).isFalse();
    assertThat(q.quarantine(null, Duration.ofMinutes(1), Severity.WARNING, "r")).isFalse();
    assertThat(q.quarantine("k", null, null)).isTrue(); // WARNING, no reason
    assertThat(q.auditRecords().get(0).severity()).isEqualTo(Severity.WARNING);
    assertThat(q.auditRecords().get(0).reason()).isEmpty();
    assertThatThrownBy(() -> q.quarantine("k", (Duration) null, Severity.WARNING, "r"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ttl");
    assertThat(q.size()).isEqualTo(1);
  }

}
