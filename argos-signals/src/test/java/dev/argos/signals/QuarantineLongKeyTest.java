package dev.argos.signals;

import static dev.argos.core.Agent.createAgent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Quarantine evasion (issue 11 §2.1): detection, the signal's key and the quarantine agree on
 * one key at any length, so a flooder with a long key is blocked and a client whose key is its
 * 256-character prefix is not.
 */
class QuarantineLongKeyTest {
  private static final int MAX = Signal.MAX_KEY_LENGTH;

  private static String flooderKey(int length) {
    return "client-" + "f".repeat(length - 7);
  }

  /** A burst signal built the way BurstSampler builds it: the full key handed to the builder. */
  private static Signal burstFrom(String key) {
    return Signal.builder(Signal.TYPE_BURST)
        .severity(Severity.WARNING)
        .key(key)
        .message("burst from one client")
        .data("rate", 950.0)
        .build();
  }

  /** Fails on the old code: the default hook quarantined the cut key. */
  @ParameterizedTest
  @ValueSource(ints = {300, 1024})
  void aFlooderWithALongKeyIsQuarantinedAndTheInnocentPrefixIsNot(int length) throws Exception {
    String flooder = flooderKey(length);
    String innocent = flooder.substring(0, MAX);
    QuarantineAgentTest.ScriptedObserver observer = new QuarantineAgentTest.ScriptedObserver();
    InMemoryQuarantine q = Quarantines.builder().clock(Clock.manual()).build();
    BlockingQueue<Signal> events = new LinkedBlockingQueue<>();
    try (Agent agent =
        createAgent(AgentConfig.builder().quarantine(q).observer(observer).build())) {
      agent.on(Agent.TOPIC_QUARANTINE, events::add);
      observer.emit(burstFrom(flooder));
      Signal event = events.poll(10, TimeUnit.SECONDS);
      assertThat(event).as("an argos:quarantine event").isNotNull();
      assertThat(event.key()).isEqualTo(Signal.canonicalKey(flooder));

      assertThat(agent.quarantine().isQuarantined(flooder)).isTrue();
      assertThat(agent.quarantine().isQuarantined(innocent)).isFalse();
      assertThat(q.remaining(flooder)).isEqualTo(Duration.ofMinutes(5));
      assertThat(q.size()).isEqualTo(1);
    }
  }

  /** Fails on the old code: keys over 256 characters were refused. */
  @ParameterizedTest
  @ValueSource(ints = {255, 256, 257, 1024, 100_000})
  void everyOperationTakesTheFullKeyAtAnyLength(int length) {
    ManualClock clock = Clock.manual();
    InMemoryQuarantine q = Quarantines.builder().clock(clock).build();
    String full = flooderKey(length);
    assertThat(q.quarantine(full, Severity.WARNING, "flood")).isTrue();
    assertThat(q.isQuarantined(full)).isTrue();
    assertThat(q.isQuarantined(Signal.canonicalKey(full))).isTrue();
    assertThat(q.remaining(full)).isEqualTo(Duration.ofMinutes(5));
    if (length > MAX) {
      assertThat(q.isQuarantined(full.substring(0, MAX))).isFalse();
      assertThat(q.isQuarantined(full.substring(0, length - 1))).isFalse();
      assertThat(q.isQuarantined(full + "x")).isFalse();
      assertThat(q.release(full.substring(0, MAX))).isFalse();
    }
    // the audit chain and the change signal name the canonical key
    assertThat(q.auditRecords().get(0).key()).isEqualTo(Signal.canonicalKey(full));
    assertThat(q.release(full)).isTrue();
    assertThat(q.isQuarantined(full)).isFalse();
    assertThat(q.verifyAudit()).isTrue();
  }

  @Test
  void theInnocentPrefixQuarantinedAloneLeavesTheLongKeyFree() {
    InMemoryQuarantine q = Quarantines.inMemory();
    String full = flooderKey(1024);
    String innocent = full.substring(0, MAX);
    assertThat(q.quarantine(innocent, Severity.WARNING, "r")).isTrue();
    assertThat(q.isQuarantined(innocent)).isTrue();
    assertThat(q.isQuarantined(full)).isFalse();
  }

  @Test
  void aLongKeyOnTheAllowlistIsNeverQuarantined() {
    String full = flooderKey(2000);
    InMemoryQuarantine q = Quarantines.builder().allow(full).build();
    assertThat(q.quarantine(full, Severity.CRITICAL, "r")).isFalse();
    assertThat(q.quarantine(Signal.canonicalKey(full), Severity.CRITICAL, "r")).isFalse();
    assertThat(q.isQuarantined(full)).isFalse();
    // its prefix is another client: not allowlisted
    assertThat(q.quarantine(full.substring(0, MAX), Severity.CRITICAL, "r")).isTrue();
  }

  @Test
  void aLongKeyIsNotHashedWhileNoLongKeyIsQuarantined() {
    Assumptions.assumeTrue(allocationMeasurable());
    com.sun.management.ThreadMXBean tmx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    InMemoryQuarantine q = Quarantines.inMemory();
    q.quarantine("10.0.0.1", Severity.WARNING, "r");
    String longKey = flooderKey(1024);
    for (int i = 0; i < 100_000; i++) { // warm up
      assertThat(q.isQuarantined(longKey)).isFalse();
    }
    long tid = Thread.currentThread().getId();
    long before = tmx.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 100_000; i++) {
      q.isQuarantined(longKey);
    }
    assertThat(tmx.getThreadAllocatedBytes(tid) - before).isLessThan(1_000L);
    // once one is quarantined, long keys are hashed and found; after it leaves, not again
    assertThat(q.quarantine(longKey, Severity.WARNING, "r")).isTrue();
    assertThat(q.isQuarantined(longKey)).isTrue();
    assertThat(q.isQuarantined(flooderKey(1025))).isFalse();
    assertThat(q.release(longKey)).isTrue();
    assertThat(q.isQuarantined(longKey)).isFalse();
    before = tmx.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 100_000; i++) {
      q.isQuarantined(longKey);
    }
    assertThat(tmx.getThreadAllocatedBytes(tid) - before).isLessThan(1_000L);
  }

  private static boolean allocationMeasurable() {
    java.lang.management.ThreadMXBean mx =
        java.lang.management.ManagementFactory.getThreadMXBean();
    return mx instanceof com.sun.management.ThreadMXBean
        && ((com.sun.management.ThreadMXBean) mx).isThreadAllocatedMemorySupported();
  }

  @Test
  void theHotPathStaysAllocationFreeForKeysOfExactly256Characters() {
    java.lang.management.ThreadMXBean mx =
        java.lang.management.ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(
        mx instanceof com.sun.management.ThreadMXBean
            && ((com.sun.management.ThreadMXBean) mx).isThreadAllocatedMemorySupported());
    com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) mx;
    InMemoryQuarantine q = Quarantines.inMemory();
    String[] keys = new String[256];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = String.format(java.util.Locale.ROOT, "%03d", i) + "k".repeat(MAX - 3);
      if (i % 2 == 0) {
        q.quarantine(keys[i], Severity.WARNING, "r");
      }
    }
    int found = 0;
    for (int i = 0; i < 200_000; i++) { // warm up
      found += q.isQuarantined(keys[i & 255]) ? 1 : 0;
    }
    long tid = Thread.currentThread().getId();
    long before = tmx.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 1_000_000; i++) {
      found += q.isQuarantined(keys[i & 255]) ? 1 : 0;
    }
    long allocated = tmx.getThreadAllocatedBytes(tid) - before;
    assertThat(found).isEqualTo(600_000);
    assertThat(allocated).isLessThan(1_000L);
  }
}
