package dev.argos.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
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
  void throwingListenerGetsEverySignalAndIsReportedAtMostOncePerTenSeconds() throws Exception {
    ManualClock clock = Clock.manual();
    TestObserver obs = new TestObserver("o");
    Agent agent = agent(AgentConfig.builder().observer(obs).clock(clock));
    BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
    BlockingQueue<Integer> seenByThrower = new LinkedBlockingQueue<>();
    agent.on(Agent.TOPIC_ERROR, errors::add);
    agent.on(Agent.TOPIC_SIGNAL, s -> {
      seenByThrower.add((Integer) s.data().get("i"));
      throw new IllegalStateException("listener bug");
    });

    for (int i = 0; i < 50; i++) {
      obs.emit(signal("x", i));
    }
    for (int i = 0; i < 50; i++) {
      Integer got = seenByThrower.poll(5, TimeUnit.SECONDS);
      assertThat(got).as("the throwing listener still gets signal %d, in order", i).isEqualTo(i);
    }
    Signal err = take(errors);
    assertThat(err.type()).isEqualTo(Signal.TYPE_ERROR);
    assertThat(err.data()).containsEntry("kind", "listenerFailed")
        .containsEntry("exception", "java.lang.IllegalStateException");
    assertThat(err.message()).contains("1 failures so far");
    // 49 more failures within the same 10 s: not reported again
    assertThat(errors.poll(200, TimeUnit.MILLISECONDS)).isNull();

    clock.advance(Duration.ofSeconds(11)); // a new report interval: the next failure is reported
    obs.emit(signal("x", 50));
    assertThat(seenByThrower.poll(5, TimeUnit.SECONDS)).isEqualTo(50);
    Signal again = take(errors);
    assertThat(again.data()).containsEntry("kind", "listenerFailed");
    assertThat(again.message()).contains("51 failures so far");
    assertThat(seenByThrower).isEmpty();
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
        throw new IllegalStateException("cannot start\nforged");
      }

      @Override
      public void close() {}
    };
    // the start failure is reported while the agent is being created: an observer started
    // before it listens on argos:error through the context it is given
    BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
    ListeningObserver listening = new ListeningObserver(Agent.TOPIC_ERROR, errors);
    TestObserver ok = new TestObserver("ok");
    Agent agent =
        agent(AgentConfig.builder().observer(listening).observer(broken).observer(ok));
    assertThat(ok.starts).hasValue(1);
    Signal err = take(errors);
    assertThat(err.type()).isEqualTo(Signal.TYPE_ERROR);
    assertThat(err.data())
        .containsEntry("kind", "observerFailed")
        .containsEntry("exception", "java.lang.IllegalStateException");
    assertThat(err.message()).contains("broken").contains("cannot start\\nforged");
    BlockingQueue<Signal> all = new LinkedBlockingQueue<>();
    agent.on(Agent.TOPIC_SIGNAL, all::add);
    ok.emit(signal("x", 1));
    assertThat(take(all).source()).isEqualTo("ok");
    agent.close();
    assertThat(ok.closes).hasValue(1);
  }

  @Test
  void anObserverSubscribedThroughItsContextSeesTheFilteredSignalsOfTheOneBus() throws Exception {
    BlockingQueue<Signal> seen = new LinkedBlockingQueue<>();
    ListeningObserver listening = new ListeningObserver(Agent.TOPIC_SIGNAL, seen);
    TestObserver obs = new TestObserver("o");
    agent(
        AgentConfig.builder()
            .observer(listening)
            .observer(obs)
            .filter(s -> "drop".equals(s.type()) ? null : s.toBuilder().data("filtered", true).build()));
    obs.emit(signal("drop", 1));
    obs.emit(signal("keep", 2));
    Signal s = take(seen);
    assertThat(s.type()).isEqualTo("keep");
    assertThat(s.data()).containsEntry("filtered", true);
    assertThat(Threads.argosThreads()).filteredOn(n -> n.startsWith("argos-dispatcher")).hasSize(1);
  }

  @Test
  void anObserverImplementingOnlyStartSinkIsStartedWithTheSink() throws Exception {
    TestObserver obs = new TestObserver("plain"); // implements start(SignalSink) only
    Agent agent = agent(AgentConfig.builder().observer(obs));
    BlockingQueue<Signal> all = new LinkedBlockingQueue<>();
    agent.on(Agent.TOPIC_SIGNAL, all::add);
    assertThat(obs.starts).hasValue(1);
    obs.emit(signal("x", 1));
    assertThat(take(all).source()).isEqualTo("plain");
  }

  /** An observer that subscribes one listener on the agent's bus when started. */
  private static final class ListeningObserver implements Observer {
    private final String topic;
    private final BlockingQueue<Signal> into;

    ListeningObserver(String topic, BlockingQueue<Signal> into) {
      this.topic = topic;
      this.into = into;
    }

    @Override
    public String name() {
      return "listening";
    }

    @Override
    public void start(SignalSink sink) {
      throw new AssertionError("an agent starts observers with their context");
    }

    @Override
    public void start(Observer.Context context) {
      context.on(topic, into::add);
    }

    @Override
    public void close() {}
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

  // ---- issue 11 §2.4: the flood guard's shared slot ----

  @Test
  void floodReportsOfTheSharedSlotAreBoundedAndSayWhatItIs() throws Exception {
    ManualClock clock = Clock.manual();
    TestObserver obs = new TestObserver("o");
    Agent agent =
        agent(
            AgentConfig.builder()
                .observer(obs)
                .clock(clock)
                .floodLimitPerMinute(2)
                .signalQueueCapacity(8192)
                .listenerQueueCapacity(8192)); // no listener overflow however slow the machine
    BlockingQueue<Signal> all = new LinkedBlockingQueue<>();
    BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
    agent.on(Agent.TOPIC_SIGNAL, all::add);
    agent.on(Agent.TOPIC_ERROR, errors::add);
    for (int i = 0; i < 1024; i++) {
      obs.emit(signal("tracked" + i, i)); // fills every per-type slot, one signal each
    }
    for (int i = 0; i < 2000; i++) {
      obs.emit(signal("untracked" + i, i)); // each type sends ONE signal: they share a slot
    }
    obs.emit(signal("tracked0", -1)); // marker: its own slot still has room
    for (int i = 0; i < 1024 + 2; i++) {
      take(all);
    }
    Signal marker = take(all);
    assertThat(marker.type()).isEqualTo("tracked0");
    assertThat(agent.droppedSignals()).isEqualTo(1998);

    Signal report = take(errors);
    assertThat(report.data()).containsEntry("kind", "floodGuard");
    assertThat(report.message())
        .contains("other types")
        .doesNotContain("untracked"); // no type that sent one signal is blamed
    assertThat(errors.poll(300, TimeUnit.MILLISECONDS))
        .as("one report for the shared slot within the interval, not one per dropped signal")
        .isNull();

    clock.advance(Duration.ofSeconds(11));
    obs.emit(signal("untracked-late", 1));
    Signal next = take(errors);
    assertThat(next.data()).containsEntry("kind", "floodGuard");
    assertThat(next.message()).contains("other types").contains("1999 dropped");
  }

  /**
   * Many types over their own limit are one flood-guard report per interval, so the reporter's
   * budget is left for Argos's other faults (before: one report per type, 100 of them, and the
   * listener's failure was never reported).
   */
  @Test
  void floodReportsOfManyTypesAreOneReportAndLeaveRoomForOtherFaults() throws Exception {
    ManualClock clock = Clock.manual();
    TestObserver obs = new TestObserver("o");
    Agent agent =
        agent(
            AgentConfig.builder()
                .observer(obs)
                .clock(clock)
                .floodLimitPerMinute(1)
                .signalQueueCapacity(8192)
                .listenerQueueCapacity(8192));
    BlockingQueue<Signal> all = new LinkedBlockingQueue<>();
    BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
    agent.on(Agent.TOPIC_SIGNAL, all::add);
    agent.on(Agent.TOPIC_ERROR, errors::add);
    for (int round = 0; round < 2; round++) {
      for (int t = 0; t < 200; t++) {
        obs.emit(signal("type" + t, round)); // the second of each type is over its limit
      }
    }
    for (int i = 0; i < 200; i++) {
      take(all);
    }
    agent.on(
        Agent.TOPIC_SIGNAL,
        s -> {
          if (s.type().equals("victim")) {
            throw new IllegalStateException("the one real fault");
          }
        });
    obs.emit(signal("victim", 0));
    List<Signal> got = new ArrayList<>();
    while (got.stream().noneMatch(e -> "listenerFailed".equals(e.data().get("kind")))) {
      got.add(take(errors));
    }
    assertThat(got.stream().filter(e -> "floodGuard".equals(e.data().get("kind"))))
        .as("200 types over their limit: one report in the interval")
        .hasSize(1);
  }

  // ---- issue 11 §2.9: an observer whose close() hangs ----

  @Test
  void anObserverWhoseCloseHangsInterruptiblyLeavesNoThreadBehind() throws Exception {
    CountDownLatch closing = new CountDownLatch(1);
    Observer hangs = new HangingObserver(closing, false);
    Agent agent =
        Agent.createAgent(
            AgentConfig.builder().observer(hangs).closeTimeout(Duration.ofMillis(300)).build());
    long start = System.nanoTime();
    agent.close();
    long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(closing.getCount()).as("the observer's close() was called").isZero();
    assertThat(closeMs).as("close() with a hanging observer").isLessThan(1000);
    assertThat(Threads.argosThreads()).as("no Argos thread after close() returns").isEmpty();
  }

  @Test
  void anObserverWhoseCloseIgnoresInterruptsIsReportedAndOnlyItsCloserRemains() throws Exception {
    CountDownLatch closing = new CountDownLatch(1);
    HangingObserver stubborn = new HangingObserver(closing, true);
    TestObserver after = new TestObserver("after");
    Agent agent =
        Agent.createAgent(
            AgentConfig.builder()
                .observer(stubborn)
                .observer(after)
                .closeTimeout(Duration.ofMillis(300))
                .build());
    BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
    agent.on(Agent.TOPIC_ERROR, errors::add);
    long start = System.nanoTime();
    agent.close();
    long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    try {
      assertThat(closeMs).as("close() with an observer that ignores interrupts").isLessThan(1000);
      Signal report = take(errors);
      assertThat(report.data()).containsEntry("kind", "observerFailed");
      assertThat(report.message()).contains("stubborn").contains("ignored");
      assertThat(Threads.argosThreads()).as("only the abandoned closer remains")
          .hasSize(1)
          .allMatch(n -> n.startsWith("argos-closer"));
    } finally {
      stubborn.release.countDown();
    }
    Thread closer = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("argos-closer"))
        .findFirst().orElse(null);
    if (closer != null) {
      closer.join(5000);
    }
    assertThat(Threads.argosThreads()).as("the closer ends once the observer's close returns").isEmpty();
    assertThat(after.closes).as("the observers after it are closed too").hasValue(1);
  }

  /** An observer whose close() blocks until released (or, if it honours them, interrupted). */
  private static final class HangingObserver implements Observer {
    final CountDownLatch closing;
    final CountDownLatch release = new CountDownLatch(1);
    final boolean ignoresInterrupts;

    HangingObserver(CountDownLatch closing, boolean ignoresInterrupts) {
      this.closing = closing;
      this.ignoresInterrupts = ignoresInterrupts;
    }

    @Override
    public String name() {
      return ignoresInterrupts ? "stubborn" : "hangs";
    }

    @Override
    public void start(SignalSink sink) {}

    @Override
    public void close() {
      closing.countDown();
      while (true) {
        try {
          release.await();
          return;
        } catch (InterruptedException e) {
          if (!ignoresInterrupts) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }

  // ---- issue 11 §2.8: user exceptions in log lines ----

  private static final String EVIL =
      "evil\n2026-12-02 12:00:00 [main] ERROR forged line\u001b[2J\rmore";

  @Test
  void anErrorListenerFailureIsLoggedNeutralised() throws Exception {
    RecordingLogger log = new RecordingLogger();
    SignalBus bus = new SignalBus(AgentConfig.builder().build(), log);
    CountDownLatch called = new CountDownLatch(1);
    bus.subscribe(Agent.TOPIC_ERROR, s -> {
      called.countDown();
      throw new IllegalStateException(EVIL);
    });
    bus.reportError("test", "subject", "a fault to report", null);
    assertThat(called.await(5, TimeUnit.SECONDS)).isTrue();
    bus.close(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500)); // joins the logging thread
    String text = log.text();
    assertThat(text).contains("error listener").contains("evil\\n2026-12-02");
    assertThat(text).doesNotContain("\n2026-12-02", "\u001b", "\rmore");
  }

  @Test
  void aListenerFailureIsReportedNeutralisedInTheLogLineAndTheSignal() throws Exception {
    RecordingLogger log = new RecordingLogger();
    SignalBus bus = new SignalBus(AgentConfig.builder().build(), log);
    BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
    bus.subscribe(Agent.TOPIC_ERROR, errors::add);
    bus.subscribe(Agent.TOPIC_SIGNAL, s -> {
      throw new IllegalStateException(EVIL);
    });
    bus.offer(signal("x", 1), "test");
    Signal report = take(errors);
    bus.close(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500));
    assertThat(report.data()).containsEntry("kind", "listenerFailed");
    assertThat((String) report.data().get("exceptionMessage"))
        .startsWith("evil\\n2026-12-02").doesNotContain("\n", "\u001b", "\r");
    String text = log.text();
    assertThat(text).contains("listener").contains("evil\\n2026-12-02");
    assertThat(text).doesNotContain("\n2026-12-02", "\u001b", "\rmore");
  }

  // ---- issue 11 §2.5: settings that break later ----

  @Test
  void durationsWhoseNanosecondsOverflowAndHugeCapacitiesAreRefusedWhenSet() {
    for (Duration bad :
        List.of(Duration.ofMillis(Long.MAX_VALUE), ChronoUnit.FOREVER.getDuration(), Duration.ofDays(2))) {
      assertThatThrownBy(() -> AgentConfig.builder().closeTimeout(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("closeTimeout")
          .hasMessageContaining(bad.toString());
    }
    assertThatThrownBy(() -> AgentConfig.builder().signalQueueCapacity(Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("signalQueueCapacity")
        .hasMessageContaining(String.valueOf(Integer.MAX_VALUE));
    assertThatThrownBy(() -> AgentConfig.builder().listenerQueueCapacity(Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("listenerQueueCapacity");
    assertThatThrownBy(() -> AgentConfig.builder().maxListenerThreads(Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxListenerThreads");
    // the ceilings themselves are accepted
    AgentConfig ok =
        AgentConfig.builder()
            .closeTimeout(AgentConfig.MAX_CLOSE_TIMEOUT)
            .signalQueueCapacity(AgentConfig.MAX_QUEUE_CAPACITY)
            .listenerQueueCapacity(AgentConfig.MAX_QUEUE_CAPACITY)
            .maxListenerThreads(AgentConfig.MAX_LISTENER_THREADS)
            .build();
    assertThat(ok.signalQueueCapacity()).isEqualTo(AgentConfig.MAX_QUEUE_CAPACITY);
  }
}
