package dev.argos.signals;

import static dev.argos.core.Agent.createAgent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Observer;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Real tests: a running agent and real threads. */
class QuarantineAgentTest {

  /** A custom observer that emits what the test tells it to, once started. */
  static final class ScriptedObserver implements Observer {
    private final AtomicReference<SignalSink> sink = new AtomicReference<>();

    @Override
    public String name() {
      return "scripted";
    }

    @Override
    public void start(SignalSink sink) {
      this.sink.set(sink);
    }

    void emit(Signal s) {
      sink.get().emit(s);
    }

    @Override
    public void close() {}
  }

  @Test
  void aKeyedBurstFromACustomObserverQuarantinesTheKey() throws Exception {
    ScriptedObserver observer = new ScriptedObserver();
    InMemoryQuarantine q = Quarantines.inMemory();
    BlockingQueue<Signal> events = new LinkedBlockingQueue<>();
    try (Agent agent =
        createAgent(AgentConfig.builder().quarantine(q).observer(observer).build())) {
      agent.on(Agent.TOPIC_QUARANTINE, events::add);
      assertThat(agent.quarantine()).isSameAs(q);

      observer.emit(
          Signal.builder(Signal.TYPE_BURST)
              .severity(Severity.WARNING)
              .key("203.0.113.9")
              .message("burst from one client")
              .data("rate", 950.0)
              .build());

      Signal event = events.poll(10, TimeUnit.SECONDS);
      assertThat(event).as("an argos:quarantine event").isNotNull();
      assertThat(event.type()).isEqualTo(Signal.TYPE_QUARANTINE);
      assertThat(event.key()).isEqualTo("203.0.113.9");
      assertThat(event.data())
          .containsEntry("action", "quarantined")
          .containsEntry("reason", "burst from one client")
          .containsEntry("ttlMs", 300_000L);
      assertThat(agent.quarantine().isQuarantined("203.0.113.9")).isTrue();
      assertThat(agent.quarantine().isQuarantined("203.0.113.10")).isFalse();

      // an unkeyed burst quarantines nothing; a release is published too
      observer.emit(Signal.builder(Signal.TYPE_BURST).message("all traffic").build());
      assertThat(q.release("203.0.113.9")).isTrue();
      Signal released = events.poll(10, TimeUnit.SECONDS);
      assertThat(released).isNotNull();
      assertThat(released.data()).containsEntry("action", "released");
      assertThat(q.size()).isZero();
    }
  }

  @Test
  void dedupFilterInAnAgentCountsRepeatsAndResolves() throws Exception {
    ScriptedObserver observer = new ScriptedObserver();
    Dedup dedup = Dedup.create();
    RecentSignals recent = RecentSignals.create();
    BlockingQueue<Signal> delivered = new LinkedBlockingQueue<>();
    try (Agent agent = createAgent(AgentConfig.builder().filter(dedup).observer(observer).build())) {
      agent.on(Agent.TOPIC_SIGNAL, delivered::add);
      agent.on(Agent.TOPIC_SIGNAL, recent);
      for (int i = 0; i < 3; i++) {
        observer.emit(
            Signal.builder("queueDepth").severity(Severity.INFO).key("orders").message("deep").build());
      }
      observer.emit(
          Signal.builder("queueDepth")
              .severity(Severity.INFO)
              .key("orders")
              .message("ok")
              .data(Signal.DATA_STATE, Signal.STATE_RESOLVED)
              .build());
      Signal first = delivered.poll(10, TimeUnit.SECONDS);
      Signal second = delivered.poll(10, TimeUnit.SECONDS);
      assertThat(first).isNotNull();
      assertThat(second).isNotNull();
      assertThat(first.data()).doesNotContainKey("repeats");
      assertThat(second.isResolved()).isTrue();
      assertThat(second.data()).containsEntry("repeats", 2L);
      assertThat(delivered.poll(200, TimeUnit.MILLISECONDS)).isNull();
      assertThat(dedup.stats().suppressed()).isEqualTo(2);
      // the recent buffer got the same two (its listener runs on its own queue: wait for it)
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> recent.ofType("queueDepth").size() == 2);
    }
  }

  @Test
  void theHotPathAllocatesNothing() {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        mx instanceof com.sun.management.ThreadMXBean
            && ((com.sun.management.ThreadMXBean) mx).isThreadAllocatedMemorySupported());
    com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) mx;
    InMemoryQuarantine q = Quarantines.inMemory();
    String[] keys = new String[256];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = "198.51.100." + i;
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
    // a million calls, half hits half misses: nothing per call (a few bytes of slack for the
    // measurement itself)
    assertThat(allocated).isLessThan(1_000L);
  }

  @Test
  void manyReadersWhileAWriterQuarantinesAndReleases() throws Exception {
    InMemoryQuarantine q = Quarantines.builder().maxKeys(512).build();
    int readers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(readers + 1);
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong reads = new AtomicLong();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int r = 0; r < readers; r++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  long n = 0;
                  while (!stop.get()) {
                    for (int k = 0; k < 1024; k++) {
                      q.isQuarantined("key-" + (k & 1023));
                      n++;
                    }
                  }
                  reads.addAndGet(n);
                  return null;
                }));
      }
      Future<?> writer =
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < 20_000; i++) {
                  String k = "key-" + (i % 1024);
                  if (i % 3 == 0) {
                    q.release(k);
                  } else {
                    q.quarantine(k, Severity.values()[i % 3], "w");
                  }
                }
                return null;
              });
      start.countDown();
      writer.get(60, TimeUnit.SECONDS);
      stop.set(true);
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS); // rethrows any exception from a reader
      }
      assertThat(reads.get()).isPositive();
      assertThat(q.size()).isLessThanOrEqualTo(512);
      assertThat(q.verifyAudit()).isTrue();

      // a quarantine made on one thread is seen by a reader spinning on another
      Future<Boolean> seen =
          pool.submit(
              () -> {
                while (!q.isQuarantined("late")) {
                  Thread.onSpinWait();
                }
                return true;
              });
      q.quarantine("late", Severity.CRITICAL, "visible?");
      assertThat(seen.get(30, TimeUnit.SECONDS)).isTrue();
      q.release("late");
      Future<Boolean> gone =
          pool.submit(
              () -> {
                while (q.isQuarantined("late")) {
                  Thread.onSpinWait();
                }
                return true;
              });
      assertThat(gone.get(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      stop.set(true);
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }
}
