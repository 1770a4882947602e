package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Clock;
import dev.argos.core.Observer;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every invalid setting listed in docs/configuration.md is refused when set, naming the setting and the value. */
class ArgosConfigTest {

  @Test
  void defaultsAreThoseOfTheDesign() {
    ArgosConfig c = ArgosConfig.defaults();
    assertThat(c.sampleRate()).isEqualTo(Duration.ofMillis(100));
    assertThat(c.windowSize()).isEqualTo(Duration.ofSeconds(60));
    Thresholds t = c.thresholds();
    assertThat(t.eventLoopLag()).isEqualTo(Duration.ofMillis(50));
    assertThat(t.memoryGrowth()).isEqualTo(0.20);
    assertThat(t.burstMultiplier()).isEqualTo(10);
    assertThat(t.fileHandleUsage()).isEqualTo(0.90);
    assertThat(c.onAnomaly()).isEmpty();
  }

  @Test
  void invalidDurationsAreRefused() {
    refused(b -> b.sampleRate(Duration.ZERO), "sampleRate", "PT0S");
    refused(b -> b.sampleRate(Duration.ofMillis(-5)), "sampleRate", "PT-0.005S");
    refused(b -> b.windowSize(Duration.ZERO), "windowSize", "PT0S");
    refused(b -> b.windowSize(Duration.ofSeconds(-1)), "windowSize", "PT-1S");
    assertThatThrownBy(
            () -> ArgosConfig.builder().sampleRate(Duration.ofSeconds(2)).windowSize(Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("windowSize")
        .hasMessageContaining("PT1S")
        .hasMessageContaining("sampleRate");
  }

  @Test
  void invalidThresholdsAreRefused() {
    thresholdRefused(b -> b.eventLoopLag(Duration.ZERO), "eventLoopLag", "PT0S");
    thresholdRefused(b -> b.eventLoopLag(Duration.ofNanos(1)), "eventLoopLag", "PT0.000000001S");
    thresholdRefused(b -> b.eventLoopLag(Duration.ofMillis(1).minusNanos(1)), "eventLoopLag", "PT0.000999999S");
    thresholdRefused(b -> b.eventLoopLag(Duration.ofMillis(-1)), "eventLoopLag", "PT-0.001S");
    for (String name : new String[] {"memoryGrowth", "heapUsageAfterGc", "gcOverhead", "fileHandleUsage", "threadUsage"}) {
      for (double bad : new double[] {0, -0.1, 1.5, Double.NaN, Double.POSITIVE_INFINITY}) {
        thresholdRefused(b -> share(b, name, bad), name, String.valueOf(bad));
      }
    }
    for (double bad : new double[] {1, 0.5, 0, -3, Double.NaN, Double.POSITIVE_INFINITY}) {
      thresholdRefused(b -> b.burstMultiplier(bad), "burstMultiplier", String.valueOf(bad));
    }
    for (double bad : new double[] {0, -1, Double.NaN}) {
      thresholdRefused(b -> b.burstMinRate(bad), "burstMinRate", String.valueOf(bad));
      thresholdRefused(b -> b.keyBurstMinRate(bad), "keyBurstMinRate", String.valueOf(bad));
    }
    // the bounds themselves are valid
    Thresholds ok = Thresholds.builder().memoryGrowth(1).fileHandleUsage(1).burstMultiplier(1.01).build();
    assertThat(ok.memoryGrowth()).isEqualTo(1);
  }

  @Test
  void nullsAreRefused() {
    assertThatThrownBy(() -> ArgosConfig.builder().thresholds(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> ArgosConfig.builder().onAnomaly(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> ArgosConfig.builder().sampleRate(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("sampleRate");
  }

  private static void share(Thresholds.Builder b, String name, double v) {
    switch (name) {
      case "memoryGrowth":
        b.memoryGrowth(v);
        break;
      case "heapUsageAfterGc":
        b.heapUsageAfterGc(v);
        break;
      case "gcOverhead":
        b.gcOverhead(v);
        break;
      case "fileHandleUsage":
        b.fileHandleUsage(v);
        break;
      default:
        b.threadUsage(v);
    }
  }

  private static void refused(Consumer<ArgosConfig.Builder> setter, String name, String value) {
    assertThatThrownBy(() -> setter.accept(ArgosConfig.builder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(name)
        .hasMessageContaining(value);
  }

  private static void thresholdRefused(Consumer<Thresholds.Builder> setter, String name, String value) {
    assertThatThrownBy(() -> setter.accept(Thresholds.builder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(name)
        .hasMessageContaining(value);
  }

  // ---- issue 11 §2.5: durations that break later ----

  @Test
  void durationsWhoseNanosecondsOverflowAreRefusedWhenSet() {
    for (Duration bad : List.of(Duration.ofMillis(Long.MAX_VALUE), ChronoUnit.FOREVER.getDuration())) {
      refused(b -> b.sampleRate(bad), "sampleRate", bad.toString());
      refused(b -> b.windowSize(bad), "windowSize", bad.toString());
      thresholdRefused(b -> b.eventLoopLag(bad), "eventLoopLag", bad.toString());
    }
    refused(b -> b.windowSize(Duration.ofDays(8)), "windowSize", "PT192H");
    thresholdRefused(b -> b.eventLoopLag(Duration.ofHours(2)), "eventLoopLag", "PT2H");
    // the bounds themselves are accepted
    ArgosConfig ok =
        ArgosConfig.builder()
            .sampleRate(ArgosConfig.MAX_SAMPLE_RATE)
            .windowSize(ArgosConfig.MAX_WINDOW_SIZE)
            .thresholds(Thresholds.builder().eventLoopLag(Thresholds.MAX_EVENT_LOOP_LAG).build())
            .build();
    assertThat(ok.windowSize()).isEqualTo(Duration.ofDays(7));
  }

  @Test
  void sampleRateHasAOneMillisecondFloor() {
    refused(b -> b.sampleRate(Duration.ofNanos(1)), "sampleRate", "PT0.000000001S");
    refused(b -> b.sampleRate(Duration.ofNanos(1_000)), "sampleRate", "PT0.000001S");
    refused(b -> b.sampleRate(Duration.ofNanos(999_999)), "sampleRate", "PT0.000999999S");
    assertThat(ArgosConfig.builder().sampleRate(Duration.ofMillis(1)).build().sampleRate())
        .isEqualTo(ArgosConfig.MIN_SAMPLE_RATE);
  }

  // ---- issue 11 §1: onAnomaly listeners ride on the one bus ----

  @Test
  void insideAnAgentOnAnomalyListenersAreSubscriptionsOnItsBus() throws Exception {
    long dispatchersBefore = dispatchers();
    BlockingQueue<Signal> onAnomaly = new LinkedBlockingQueue<>();
    Argos argos =
        Argos.createArgos(ArgosConfig.builder().clock(Clock.manual()).onAnomaly(onAnomaly::add).build());
    Agent agent =
        Agent.createAgent(
            AgentConfig.builder()
                .observer(argos)
                .filter(s -> "dropMe".equals(s.type()) ? null : s.toBuilder().data("filtered", true).build())
                .build());
    try {
      assertThat(dispatchers() - dispatchersBefore).as("one bus: one dispatcher").isEqualTo(1);
      argos.out().emit(Argos.signal("dropMe", Severity.WARNING, Clock.system()).message("x").build());
      argos.out().emit(Argos.signal("keepMe", Severity.WARNING, Clock.system()).message("y").build());
      Signal got = onAnomaly.poll(5, TimeUnit.SECONDS);
      assertThat(got).isNotNull();
      assertThat(got.type()).as("the agent's filters ran before the listener").isEqualTo("keepMe");
      assertThat(got.data()).containsEntry("filtered", true);
    } finally {
      agent.close();
    }
    assertThat(argosThreads()).isEmpty();
  }

  @Test
  void insideAnAgentASignalEmittedBeforeCloseStillReachesTheOnAnomalyListeners() throws Exception {
    BlockingQueue<Signal> onAnomaly = new LinkedBlockingQueue<>();
    Argos argos =
        Argos.createArgos(ArgosConfig.builder().clock(Clock.manual()).onAnomaly(onAnomaly::add).build());
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch observersClosed = new CountDownLatch(1);
    Observer after = new Observer() {
      @Override
      public String name() {
        return "after";
      }

      @Override
      public void start(SignalSink sink) {}

      @Override
      public void close() {
        observersClosed.countDown(); // closed after Argos: Argos.close() has returned
      }
    };
    Agent agent =
        Agent.createAgent(
            AgentConfig.builder()
                .observer(argos)
                .observer(after)
                .closeTimeout(Duration.ofSeconds(5))
                .filter(s -> {
                  awaitQuietly(release); // holds the signal in the dispatcher until Argos is closed
                  return s;
                })
                .build());
    argos.out().emit(Argos.signal("lastWords", Severity.WARNING, Clock.system()).message("z").build());
    Thread closer = new Thread(agent::close, "test-closer");
    closer.start();
    assertThat(observersClosed.await(5, TimeUnit.SECONDS)).isTrue();
    release.countDown();
    closer.join(10_000);
    Signal got = onAnomaly.poll(5, TimeUnit.SECONDS);
    assertThat(got).as("delivered while the agent drained").isNotNull();
    assertThat(got.type()).isEqualTo("lastWords");
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void standaloneArgosCreatesExactlyOneBusForItsListeners() throws Exception {
    long dispatchersBefore = dispatchers();
    BlockingQueue<Signal> onAnomaly = new LinkedBlockingQueue<>();
    Argos argos =
        Argos.createArgos(
            ArgosConfig.builder().clock(Clock.manual()).onAnomaly(onAnomaly::add).onAnomaly(s -> {}).build());
    try {
      argos.start();
      argos.start();
      assertThat(dispatchers() - dispatchersBefore).as("one bus: one dispatcher").isEqualTo(1);
      argos.out().emit(Argos.signal("keepMe", Severity.WARNING, Clock.system()).message("y").build());
      Signal got = onAnomaly.poll(5, TimeUnit.SECONDS);
      assertThat(got).isNotNull();
      assertThat(got.type()).isEqualTo("keepMe");
    } finally {
      argos.close();
    }
    assertThat(argosThreads()).isEmpty();
  }

  private static long dispatchers() {
    return argosThreads().stream().filter(n -> n.startsWith("argos-dispatcher")).count();
  }

  private static List<String> argosThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("argos"))
        .sorted()
        .collect(Collectors.toList());
  }
}
