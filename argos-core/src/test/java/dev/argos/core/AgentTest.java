package dev.argos.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AgentTest {
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private Agent agent(AgentConfig.Builder b) {
    Agent a = Agent.createAgent(b.build());
    toClose.add(a);
    return a;
  }

  private static Signal signal(String type, int i) {
    return Signal.builder(type).key("k" + i).message("m" + i).data("i", i).build();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Signal take(BlockingQueue<Signal> q) throws InterruptedException {
    Signal s = q.poll(5, TimeUnit.SECONDS);
    assertThat(s).as("a signal within 5 s").isNotNull();
    return s;
  }

  @Test
  void deliversToTopicsInEmissionOrderAndFillsSource() throws Exception {
    TestObserver obs = new TestObserver("custom-observer");
    Agent agent = agent(AgentConfig.builder().observer(obs));
    BlockingQueue<Signal> all = new LinkedBlockingQueue<>();
    BlockingQueue<Signal> bursts = new LinkedBlockingQueue<>();
    agent.on(Agent.TOPIC_SIGNAL, all::add);
    agent.on(Agent.topicOf("burst"), bursts::add);
    assertThat(obs.starts).hasValue(1);

    for (int i = 0; i < 200; i++) {
      obs.emit(signal(i % 2 == 0 ? "burst" : "other", i));
    }
    for (int i = 0; i < 200; i++) {
      Signal s = take(all);
      assertThat(s.data().get("i")).isEqualTo(i);
      assertThat(s.source()).isEqualTo("custom-observer");
    }
    for (int i = 0; i < 200; i += 2) {
      assertThat(take(bursts).data().get("i")).isEqualTo(i);
    }
    assertThat(all).isEmpty();
    assertThat(bursts).isEmpty();
  }

  @Test
  void throwingListenerIsIsolatedAndReportedOnce() throws Exception {
    TestObserver obs = new TestObserver("o");
    Agent agent = agent(AgentConfig.builder().observer(obs));
    BlockingQueue<Signal> good = new LinkedBlockingQueue<>();
    BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
    AtomicInteger calls = new AtomicInteger();
    agent.on(Agent.TOPIC_ERROR, errors::add);
    agent.on(Agent.TOPIC_SIGNAL, s -> {
      calls.incrementAndGet();
      throw new IllegalStateException("listener bug");
    });
    agent.on(Agent.TOPIC_SIGNAL, good::add);

    for (int i = 0; i < 50; i++) {
      obs.emit(signal("x", i));
    }
    for (int i = 0; i < 50; i++) {
      assertThat(take(good).data().get("i")).isEqualTo(i);
    }
    Signal err = take(errors);
    assertThat(err.type()).isEqualTo(Signal.TYPE_ERROR);
    assertThat(err.data()).containsEntry("kind", "listenerFailed")
        .containsEntry("exception", "java.lang.IllegalStateException");
    // the failing listener still received every signal; only one error was reported
    assertThat(calls.get()).isBetween(1, 50);
    assertThat(errors.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void blockedListenerDelaysNoOtherListenerAndOverflowIsCountedAndReported() throws Exception {
    TestObserver obs = new TestObserver("o");
    Agent agent =
        agent(AgentConfig.builder().observer(obs).listenerQueueCapacity(16).closeTimeout(Duration.ofMillis(300)));
    CountDownLatch never = new CountDownLatch(1);
    BlockingQueue<Signal> good = new LinkedBlockingQueue<>();
    BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
    agent.on(Agent.TOPIC_ERROR, errors::add);
    agent.on(Agent.TOPIC_SIGNAL, s -> awaitQuietly(never)); // blocked "forever" (until close interrupts)
    agent.on(Agent.TOPIC_SIGNAL, good::add);

    long maxEmitNanos = 0;
    for (int i = 0; i < 500; i++) {
      long t0 = System.nanoTime();
      obs.emit(signal("x", i));
      maxEmitNanos = Math.max(maxEmitNanos, System.nanoTime() - t0);
      Signal s = good.poll(1, TimeUnit.SECONDS);
      assertThat(s).as("signal %d within a second despite the blocked listener", i).isNotNull();
      assertThat(s.data().get("i")).isEqualTo(i);
    }
    assertThat(TimeUnit.NANOSECONDS.toMillis(maxEmitNanos)).as("emit never blocks").isLessThan(500);
    Signal err = take(errors);
    assertThat(err.data()).containsEntry("kind", "listenerQueueFull");
    assertThat(agent.droppedSignals()).isEqualTo(500 - 16 - 1); // one in the listener's hands, 16 queued
  }

  @Test
  void closeIsBoundedWithABlockedListenerIdempotentAndLeavesNoThread() throws Exception {
    TestObserver obs = new TestObserver("o");
    Agent agent = Agent.createAgent(AgentConfig.builder().observer(obs).build());
    CountDownLatch entered = new CountDownLatch(1);
    agent.on(Agent.TOPIC_SIGNAL, s -> {
      entered.countDown();
      awaitQuietly(new CountDownLatch(1));
    });
    obs.emit(signal("x", 1));
    assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

    long start = System.nanoTime();
    agent.close();
    long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(closeMs).as("close() with a blocked listener").isLessThan(1000);
    agent.close(); // idempotent
    assertThat(obs.closes).hasValue(1);
    obs.emit(signal("x", 2)); // after close: dropped, no exception
    assertThatThrownBy(() -> agent.on(Agent.TOPIC_SIGNAL, s -> {}))
        .isInstanceOf(IllegalStateException.class);
    assertThat(Threads.argosThreads()).isEmpty();
  }

  @Test
  void threeHundredCreateCloseCyclesLeaveNoThreadAndNoRetainedMemory() throws Exception {
    Runtime rt = Runtime.getRuntime();
    long baseline = usedAfterGc(rt);
    for (int i = 0; i < 300; i++) {
      TestObserver obs = new TestObserver("o");
      Agent agent = Agent.createAgent(AgentConfig.builder().observer(obs).build());
      BlockingQueue<Signal> q = new LinkedBlockingQueue<>();
      agent.on(Agent.TOPIC_SIGNAL, q::add);
      obs.emit(signal("x", i));
      take(q);
      agent.close();
    }
    assertThat(Threads.argosThreads()).isEmpty();
    long after = usedAfterGc(rt);
    // 300 agents each hold 1 024-slot queues; if any were retained this would be tens of MB
    assertThat(after - baseline).as("retained bytes").isLessThan(8L << 20);
  }

  private static long usedAfterGc(Runtime rt) {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      used = Math.min(used, rt.totalMemory() - rt.freeMemory());
    }
    return used;
  }

  @Test
  void observerThatThrowsOnStartIsReportedAndOthersStart() throws Exception {
    Observer broken = new Observer() {
      @Override
      public String name() {
        return "broken";
      }

      @Override
      public void start(SignalSink sink) {
        throw new IllegalStateException("cannot start");
      }

      @Override
      public void close() {}
    };
    TestObserver ok = new TestObserver("ok");
    Agent agent = Agent.createAgent(AgentConfig.builder().observer(broken).observer(ok).build());
    toClose.add(agent);
    assertThat(ok.starts).hasValue(1);
    BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
    // the start error was published before this subscription: subscribe before, via a publish
    agent.on(Agent.TOPIC_ERROR, errors::add);
    BlockingQueue<Signal> all = new LinkedBlockingQueue<>();
    agent.on(Agent.TOPIC_SIGNAL, all::add);
    ok.emit(signal("x", 1));
    assertThat(take(all).source()).isEqualTo("ok");
  }

  @Test
  void filtersCanChangeOrDropAndAThrowingFilterIsSkipped() throws Exception {
    TestObserver obs = new TestObserver("o");
    Agent agent =
        agent(
            AgentConfig.builder()
                .observer(obs)
                .filter(s -> "drop".equals(s.type()) ? null : s)
                .filter(s -> {
                  if ("boom".equals(s.type())) {
                    throw new IllegalArgumentException("filter bug");
                  }
                  return s;
                })
                .filter(s -> s.toBuilder().data("filtered", true).build()));
    BlockingQueue<Signal> all = new LinkedBlockingQueue<>();
    BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
    agent.on(Agent.TOPIC_SIGNAL, all::add);
    agent.on(Agent.TOPIC_ERROR, errors::add);
    obs.emit(signal("drop", 1));
    obs.emit(signal("boom", 2));
    obs.emit(signal("keep", 3));
    Signal boom = take(all);
    assertThat(boom.type()).isEqualTo("boom");
    assertThat(boom.data()).containsEntry("filtered", true);
    assertThat(take(all).type()).isEqualTo("keep");
    assertThat(take(errors).data()).containsEntry("kind", "filterFailed");
  }

  @Test
  void floodGuardDropsBeyondTheLimitPerTypePerMinute() throws Exception {
    ManualClock clock = Clock.manual();
    TestObserver obs = new TestObserver("o");
    Agent agent = agent(AgentConfig.builder().observer(obs).clock(clock).floodLimitPerMinute(10));
    BlockingQueue<Signal> all = new LinkedBlockingQueue<>();
    BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
    agent.on(Agent.TOPIC_SIGNAL, all::add);
    agent.on(Agent.TOPIC_ERROR, errors::add);
    for (int i = 0; i < 25; i++) {
      obs.emit(signal("noisy", i));
    }
    obs.emit(signal("quiet", 99));
    List<Signal> got = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      got.add(take(all));
    }
    assertThat(got).filteredOn(s -> s.type().equals("noisy")).hasSize(10);
    assertThat(got).filteredOn(s -> s.type().equals("quiet")).hasSize(1);
    assertThat(take(errors).data()).containsEntry("kind", "floodGuard");
    assertThat(agent.droppedSignals()).isEqualTo(15);

    clock.advance(Duration.ofSeconds(61)); // a new window
    obs.emit(signal("noisy", 100));
    assertThat(take(all).data().get("i")).isEqualTo(100);
  }

  @Test
  void signalQueueOverflowNeverBlocksAndIsCounted() throws Exception {
    TestObserver obs = new TestObserver("o");
    CountDownLatch release = new CountDownLatch(1);
    Agent agent =
        agent(
            AgentConfig.builder()
                .observer(obs)
                .signalQueueCapacity(4)
                .filter(s -> {
                  try {
                    release.await(); // hold the dispatcher so the queue fills up
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return s;
                }));
    BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
    agent.on(Agent.TOPIC_ERROR, errors::add);
    for (int i = 0; i < 100; i++) {
      obs.emit(signal("x", i));
    }
    assertThat(agent.droppedSignals()).isBetween(95L, 96L);
    release.countDown();
    assertThat(take(errors).data()).containsEntry("kind", "signalQueueFull");
  }

  @Test
  void subscriptionCloseStopsDeliveryAndBadTopicsAreRefused() throws Exception {
    TestObserver obs = new TestObserver("o");
    Agent agent = agent(AgentConfig.builder().observer(obs));
    BlockingQueue<Signal> a = new LinkedBlockingQueue<>();
    BlockingQueue<Signal> b = new LinkedBlockingQueue<>();
    Subscription sa = agent.on(Agent.TOPIC_SIGNAL, a::add);
    agent.on(Agent.TOPIC_SIGNAL, b::add);
    obs.emit(signal("x", 1));
    take(a);
    take(b);
    sa.close();
    sa.close();
    obs.emit(signal("x", 2));
    take(b);
    assertThat(a).isEmpty();
    for (String bad : List.of("signal", "argos:signal:", "argos:signal:bad type", "argos:other")) {
      assertThatThrownBy(() -> agent.on(bad, s -> {}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("topic");
    }
  }

  @Test
  void publishInjectsApplicationSignalsWithSourceApp() throws Exception {
    Agent agent = agent(AgentConfig.builder());
    BlockingQueue<Signal> all = new LinkedBlockingQueue<>();
    agent.on(Agent.TOPIC_SIGNAL, all::add);
    agent.publish(signal("custom", 1));
    assertThat(take(all).source()).isEqualTo("app");
    assertThat(agent.quarantine()).isSameAs(Quarantine.none());
    assertThat(agent.quarantine().isQuarantined("k")).isFalse();
  }

  @Test
  void defaultHookQuarantinesBurstKeysAndQuarantineChangesArePublished() throws Exception {
    RecordingQuarantine q = new RecordingQuarantine();
    TestObserver obs = new TestObserver("o");
    Agent agent = agent(AgentConfig.builder().observer(obs).quarantine(q));
    BlockingQueue<Signal> changes = new LinkedBlockingQueue<>();
    agent.on(Agent.TOPIC_QUARANTINE, changes::add);
    obs.emit(Signal.builder(Signal.TYPE_BURST).key("1.2.3.4").message("flood").build());
    obs.emit(Signal.builder(Signal.TYPE_BURST).message("overall burst").build()); // no key: no quarantine
    Signal change = take(changes);
    assertThat(change.type()).isEqualTo(Signal.TYPE_QUARANTINE);
    assertThat(change.key()).isEqualTo("1.2.3.4");
    assertThat(agent.quarantine().isQuarantined("1.2.3.4")).isTrue();
    assertThat(q.size()).isEqualTo(1);
  }

  @Test
  void userHooksReplaceTheDefault() throws Exception {
    RecordingQuarantine q = new RecordingQuarantine();
    TestObserver obs = new TestObserver("o");
    BlockingQueue<Signal> seen = new LinkedBlockingQueue<>();
    agent(AgentConfig.builder().observer(obs).quarantine(q).quarantineHook((s, quarantine) -> seen.add(s)));
    obs.emit(Signal.builder(Signal.TYPE_BURST).key("1.2.3.4").message("flood").build());
    assertThat(take(seen).key()).isEqualTo("1.2.3.4");
    assertThat(q.size()).isZero();
  }

  @Test
  void configRefusesInvalidValuesNamingTheSetting() {
    assertThatThrownBy(() -> AgentConfig.builder().signalQueueCapacity(0))
        .hasMessageContaining("signalQueueCapacity").hasMessageContaining("0");
    assertThatThrownBy(() -> AgentConfig.builder().listenerQueueCapacity(-1))
        .hasMessageContaining("listenerQueueCapacity").hasMessageContaining("-1");
    assertThatThrownBy(() -> AgentConfig.builder().floodLimitPerMinute(0))
        .hasMessageContaining("floodLimitPerMinute");
    assertThatThrownBy(() -> AgentConfig.builder().maxListenerThreads(0))
        .hasMessageContaining("maxListenerThreads");
    assertThatThrownBy(() -> AgentConfig.builder().closeTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("closeTimeout").hasMessageContaining("PT0S");
  }
}
