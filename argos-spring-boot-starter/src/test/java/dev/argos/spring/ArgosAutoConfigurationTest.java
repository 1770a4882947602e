package dev.argos.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Quarantine;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.observers.Thresholds;
import dev.argos.signals.Dedup;
import dev.argos.signals.InMemoryQuarantine;
import dev.argos.signals.ProblemRegistry;
import dev.argos.signals.Quarantines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The core auto-configuration without a web server: beans, properties, overrides, closing. */
class ArgosAutoConfigurationTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(ArgosAutoConfiguration.class));

  @Test
  void defaultsCreateArgosQuarantineAndAgentWithTheLibrarysDefaults() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(Argos.class);
          assertThat(context).hasSingleBean(Agent.class);
          assertThat(context).hasSingleBean(InMemoryQuarantine.class);
          Argos argos = context.getBean(Argos.class);
          ArgosConfig defaults = ArgosConfig.defaults();
          assertThat(argos.config().sampleRate()).isEqualTo(defaults.sampleRate());
          assertThat(argos.config().windowSize()).isEqualTo(defaults.windowSize());
          assertThat(argos.config().thresholds().toString())
              .isEqualTo(Thresholds.defaults().toString());
          assertThat(context.getBean(Agent.class).quarantine())
              .isSameAs(context.getBean(Quarantine.class));
        });
  }

  @Test
  void propertyDefaultsAreTheLibrarysDefaults() {
    ArgosProperties p = new ArgosProperties();
    assertThat(p.getSampleRate()).isEqualTo(ArgosConfig.DEFAULT_SAMPLE_RATE);
    assertThat(p.getWindowSize()).isEqualTo(ArgosConfig.DEFAULT_WINDOW_SIZE);
    assertThat(ArgosAutoConfiguration.argosConfig(p).thresholds().toString())
        .isEqualTo(Thresholds.defaults().toString());
    assertThat(p.getQuarantine().getMaxKeys()).isEqualTo(Quarantines.DEFAULT_MAX_KEYS);
    assertThat(p.getQuarantine().getTtl()).isEqualTo(Quarantines.DEFAULT_TTL);
    assertThat(p.getQuarantine().getMaxTtl()).isEqualTo(Quarantines.DEFAULT_MAX_TTL);
    assertThat(p.getDedup().getWindow()).isEqualTo(Dedup.DEFAULT_WINDOW);
    assertThat(p.getDedup().getEscalateAfter()).isEqualTo(Dedup.DEFAULT_ESCALATE_AFTER);
    assertThat(p.getAgent().getSignalQueueCapacity())
        .isEqualTo(AgentConfig.DEFAULT_SIGNAL_QUEUE_CAPACITY);
    assertThat(p.getAgent().getListenerQueueCapacity())
        .isEqualTo(AgentConfig.DEFAULT_LISTENER_QUEUE_CAPACITY);
    assertThat(p.getAgent().getFloodLimitPerMinute())
        .isEqualTo(AgentConfig.DEFAULT_FLOOD_LIMIT_PER_MINUTE);
    assertThat(p.getAgent().getCloseTimeout()).isEqualTo(AgentConfig.DEFAULT_CLOSE_TIMEOUT);
  }

  @Test
  void everyThresholdPropertyTakesEffect() {
    runner
        .withPropertyValues(
            "argos.sample-rate=50ms",
            "argos.window-size=30s",
            "argos.thresholds.event-loop-lag=75ms",
            "argos.thresholds.memory-growth=0.3",
            "argos.thresholds.heap-usage-after-gc=0.8",
            "argos.thresholds.gc-overhead=0.2",
            "argos.thresholds.burst-multiplier=5",
            "argos.thresholds.burst-min-rate=40",
            "argos.thresholds.key-burst-min-rate=7",
            "argos.thresholds.file-handle-usage=0.5",
            "argos.thresholds.thread-usage=0.6")
        .run(
            context -> {
              ArgosConfig c = context.getBean(Argos.class).config();
              assertThat(c.sampleRate()).isEqualTo(Duration.ofMillis(50));
              assertThat(c.windowSize()).isEqualTo(Duration.ofSeconds(30));
              Thresholds t = c.thresholds();
              assertThat(t.eventLoopLag()).isEqualTo(Duration.ofMillis(75));
              assertThat(t.memoryGrowth()).isEqualTo(0.3);
              assertThat(t.heapUsageAfterGc()).isEqualTo(0.8);
              assertThat(t.gcOverhead()).isEqualTo(0.2);
              assertThat(t.burstMultiplier()).isEqualTo(5.0);
              assertThat(t.burstMinRate()).isEqualTo(40.0);
              assertThat(t.keyBurstMinRate()).isEqualTo(7.0);
              assertThat(t.fileHandleUsage()).isEqualTo(0.5);
              assertThat(t.threadUsage()).isEqualTo(0.6);
            });
  }

  @Test
  void quarantinePropertiesTakeEffect() {
    runner
        .withPropertyValues(
            "argos.quarantine.ttl=90s", "argos.quarantine.max-keys=2",
            "argos.quarantine.allow=10.0.0.1")
        .run(
            context -> {
              InMemoryQuarantine q = context.getBean(InMemoryQuarantine.class);
              assertThat(q.quarantine("a", Severity.WARNING, "test")).isTrue();
              assertThat(q.remaining("a")).isGreaterThan(Duration.ofSeconds(85))
                  .isLessThanOrEqualTo(Duration.ofSeconds(90));
              assertThat(q.quarantine("10.0.0.1", Severity.WARNING, "test")).isFalse();
              q.quarantine("b", Severity.WARNING, "test");
              q.quarantine("c", Severity.WARNING, "test");
              assertThat(q.size()).isEqualTo(2);
            });
  }

  @Test
  void quarantineOffLeavesTheAgentWithoutOne() {
    runner
        .withPropertyValues("argos.quarantine.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(Quarantine.class);
              assertThat(context.getBean(Agent.class).quarantine()).isSameAs(Quarantine.none());
            });
  }

  @Test
  void disabledCreatesNoBeans() {
    runner
        .withPropertyValues("argos.enabled=false")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(Argos.class);
              assertThat(context).doesNotHaveBean(Agent.class);
              assertThat(context).doesNotHaveBean(Quarantine.class);
              assertThat(context).doesNotHaveBean(SignalTracker.class);
            });
  }

  @Test
  void invalidSettingFailsStartupNamingTheSettingAndValue() {
    runner
        .withPropertyValues("argos.sample-rate=0ms")
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(context.getStartupFailure())
                  .hasMessageContaining("invalid argos.* property: sampleRate")
                  .rootCause()
                  .isInstanceOf(IllegalArgumentException.class)
                  .hasMessageContaining("sampleRate")
                  .hasMessageContaining("PT0S");
            });
    runner
        .withPropertyValues("argos.thresholds.burst-multiplier=1")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("burstMultiplier"));
    runner
        .withPropertyValues("argos.quarantine.max-keys=0")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .hasMessageContaining("invalid argos.* property: maxKeys")
                    .rootCause()
                    .hasMessageContaining("0"));
    runner
        .withPropertyValues("argos.agent.signal-queue-capacity=-1")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .hasMessageContaining("invalid argos.* property")
                    .rootCause()
                    .hasMessageContaining("-1"));
  }

  @Configuration(proxyBeanMethods = false)
  static class UserBeans {
    static final Argos ARGOS =
        Argos.createArgos(ArgosConfig.builder().sampleRate(Duration.ofMillis(250)).build());

    @Bean
    Argos myArgos() {
      return ARGOS;
    }

    @Bean
    Quarantine myQuarantine() {
      return Quarantines.builder().ttl(Duration.ofSeconds(7)).build();
    }
  }

  @Test
  void usersBeansOverrideTheStartersAndAreWiredIntoTheAgent() {
    runner
        .withUserConfiguration(UserBeans.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(Argos.class);
              assertThat(context.getBean(Argos.class)).isSameAs(UserBeans.ARGOS);
              assertThat(context).hasSingleBean(Quarantine.class);
              Agent agent = context.getBean(Agent.class);
              assertThat(agent.quarantine()).isSameAs(context.getBean("myQuarantine"));
              // the agent started the user's Argos: its sampler runs
              await()
                  .atMost(Duration.ofSeconds(5))
                  .until(() -> threadNames().contains("argos-sampler"));
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class UserAgent {
    @Bean
    Agent myAgent() {
      return Agent.createAgent(AgentConfig.builder().build());
    }
  }

  @Test
  void usersAgentReplacesTheStarters() {
    runner
        .withUserConfiguration(UserAgent.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(Agent.class);
              assertThat(context.getBean(Agent.class)).isSameAs(context.getBean("myAgent"));
              assertThat(context.getBean(Agent.class).quarantine()).isSameAs(Quarantine.none());
            });
  }

  @Test
  void closingTheContextClosesTheAgentAndLeavesNoArgosThread() {
    Agent[] agent = new Agent[1];
    runner.run(
        context -> {
          agent[0] = context.getBean(Agent.class);
          await()
              .atMost(Duration.ofSeconds(5))
              .until(() -> threadNames().contains("argos-sampler"));
        });
    // closed: subscribing is refused, and the threads end (they end asynchronously: Awaitility)
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> agent[0].on(Agent.TOPIC_SIGNAL, s -> {}))
        .isInstanceOf(IllegalStateException.class);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(threadNames())
                    .noneMatch(n -> n.startsWith("argos-")));
  }

  @Test
  void registryPathWritesSignalsToTheJsonlRegistry(@TempDir Path dir) {
    Path file = dir.resolve("argos-problems.jsonl");
    runner
        .withPropertyValues("argos.registry.path=" + file)
        .run(
            context -> {
              context
                  .getBean(Agent.class)
                  .publish(
                      Signal.builder("custom")
                          .severity(Severity.WARNING)
                          .key("db")
                          .message("database slow")
                          .build());
              await()
                  .atMost(Duration.ofSeconds(5))
                  .until(() -> Files.exists(file) && !ProblemRegistry.read(file).isEmpty());
            });
  }

  static Set<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream()
        .map(Thread::getName)
        .collect(Collectors.toSet());
  }
}
