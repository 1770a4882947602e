package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ArgosLifecycleTest {

  /** Emits one signal on its first tick. */
  static final class EmitOnce implements Sampler {
    private final SignalSink out;
    private final AtomicBoolean done = new AtomicBoolean();

    EmitOnce(SignalSink out) {
      this.out = out;
    }

    @Override
    public String name() {
      return "emit-once";
    }

    @Override
    public void tick(long nowNanos) {
      if (done.compareAndSet(false, true)) {
        out.emit(Signal.builder("testSignal").source(Argos.SOURCE).severity(Severity.WARNING)
            .message("from a test sampler").build());
      }
    }
  }

  static final class Throwing implements Sampler {
    @Override
    public String name() {
      return "throwing";
    }

    @Override
    public void tick(long nowNanos) {
      throw new UnsupportedOperationException("broken sampler");
    }
  }

  private static ArgosConfig.Builder fast() {
    return ArgosConfig.builder().sampleRate(Duration.ofMillis(20)).windowSize(Duration.ofSeconds(2));
  }

  private static Signal take(BlockingQueue<Signal> q, String type) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      Signal s = q.poll(100, TimeUnit.MILLISECONDS);
      if (s != null && s.type().equals(type)) {
        return s;
      }
    }
    throw new AssertionError("no " + type + " signal within 10 s");
  }

  @Test
  void standaloneStartDeliversToOnAnomalyAndCloseLeavesNoThread() throws Exception {
    BlockingQueue<Signal> got = new LinkedBlockingQueue<>();
    Argos argos = Argos.createArgos(fast().onAnomaly(got::add).build());
    argos.engine().add(new EmitOnce(argos.out()));
    try {
      assertThat(argos.start()).isSameAs(argos);
      argos.start(); // idempotent
      Signal s = take(got, "testSignal");
      assertThat(s.source()).isEqualTo("argos");
      assertThat(argosThreads()).contains("argos-sampler");
    } finally {
      argos.close();
    }
    argos.close();
    assertThat(argosThreads()).isEmpty();
    assertThatThrownBy(argos::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void asAnObserverTheAgentStartsAndClosesIt() throws Exception {
    BlockingQueue<Signal> onAnomaly = new LinkedBlockingQueue<>();
    Argos argos = Argos.createArgos(fast().onAnomaly(onAnomaly::add).build());
    argos.engine().add(new EmitOnce(argos.out()));
    argos.engine().add(new Throwing());
    Agent agent = Agent.createAgent(AgentConfig.builder().observer(argos).build());
    try {
      BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
      BlockingQueue<Signal> errors = new LinkedBlockingQueue<>();
      agent.on(Agent.TOPIC_SIGNAL, signals::add);
      agent.on(Agent.TOPIC_ERROR, errors::add);
      assertThat(take(signals, "testSignal").source()).isEqualTo("argos");
      assertThat(take(onAnomaly, "testSignal").source()).isEqualTo("argos");
      Signal err = take(errors, Signal.TYPE_ERROR);
      assertThat(err.key()).isEqualTo("throwing");
      assertThat(err.data()).containsEntry("kind", "samplerFailed");
      // the sampler thread is asynchronous: wait for the tick that emitted to be counted
      await().atMost(Duration.ofSeconds(10)).until(() -> argos.snapshot().getLong("sampler.ticks", -1) > 0);
    } finally {
      agent.close();
    }
    assertThat(argosThreads()).isEmpty();
  }

  @Test
  void watchingStartsTheProberAndCloseEndsEveryThread() {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Argos argos = Argos.createArgos(fast().onAnomaly(s -> {}).build());
    try {
      argos.start();
      assertThat(argosThreads()).contains(SamplerEngine.THREAD_NAME, SamplerLiveness.THREAD_NAME)
          .doesNotContain(Prober.THREAD_NAME); // nothing watched: no prober thread
      argos.watch("pool", pool);
      // the first probe starts it, on the sampler's next check (a real thread: Awaitility)
      await().atMost(Duration.ofSeconds(10)).until(() -> argosThreads().contains(Prober.THREAD_NAME));
    } finally {
      argos.close();
      pool.shutdownNow();
    }
    assertThat(argosThreads()).isEmpty();
  }

  @Test
  void threeHundredCreateCloseCyclesLeaveNoThreadAndNoRetainedMemory() {
    long baseline = usedAfterGc();
    for (int i = 0; i < 300; i++) {
      Argos argos = Argos.createArgos(fast().onAnomaly(s -> {}).build());
      Agent agent = Agent.createAgent(AgentConfig.builder().observer(argos).build());
      agent.on(Agent.TOPIC_SIGNAL, s -> {});
      argos.recordRequest("client-" + i);
      agent.close();
    }
    assertThat(argosThreads()).isEmpty();
    assertThat(usedAfterGc() - baseline).as("retained bytes after 300 cycles").isLessThan(16L << 20);
  }

  @Test
  void hotPathNeverThrowsEvenWhenClosedOrGivenNull() {
    Argos argos = Argos.createArgos();
    argos.recordRequest();
    argos.recordRequest(null);
    argos.recordRequest("x".repeat(100_000));
    argos.close();
    argos.recordRequest("after-close");
    argos.recordRequest();
  }

  private static long usedAfterGc() {
    Runtime rt = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      used = Math.min(used, rt.totalMemory() - rt.freeMemory());
    }
    return used;
  }

  static List<String> argosThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("argos"))
        .sorted()
        .collect(Collectors.toList());
  }
}
