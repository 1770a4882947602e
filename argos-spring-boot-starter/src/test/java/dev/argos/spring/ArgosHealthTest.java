package dev.argos.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Agent;
import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The {@code argos} health contributor: what is open and how bad, DOWN only when opted in. */
class ArgosHealthTest {
  /**
   * Argos on a manual clock runs no sampler: the only episodes are the ones a test publishes
   * (on a loaded machine the real JVM stall detector would open episodes of its own).
   */
  @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
  static class QuietArgos {
    @org.springframework.context.annotation.Bean
    Argos quietArgos() {
      return Argos.createArgos(ArgosConfig.builder().clock(Clock.manual()).build());
    }
  }

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withUserConfiguration(QuietArgos.class)
          .withConfiguration(
              AutoConfigurations.of(
                  ArgosAutoConfiguration.class, ArgosActuatorAutoConfiguration.class));

  private static Signal critical(String episode) {
    return Signal.builder("database")
        .severity(Severity.CRITICAL)
        .key("orders-db")
        .message("the orders database stopped answering")
        .data(DataKeys.EPISODE, episode)
        .build();
  }

  private static Signal resolved(String episode) {
    return Signal.builder("database")
        .severity(Severity.INFO)
        .key("orders-db")
        .message("the orders database answers again")
        .data(DataKeys.EPISODE, episode)
        .data(DataKeys.STATE, DataKeys.STATE_RESOLVED)
        .build();
  }

  @Test
  void aCriticalEpisodeIsShownButStaysUpByDefault() {
    runner.run(
        context -> {
          HealthIndicator health = context.getBean("argosHealthIndicator", HealthIndicator.class);
          Health before = health.health();
          assertThat(before.getStatus()).isEqualTo(Status.UP);
          assertThat(before.getDetails())
              .containsEntry("openEpisodes", 0)
              .containsEntry("worstSeverity", "NONE");

          Agent agent = context.getBean(Agent.class);
          agent.publish(critical("database-1"));
          // delivered on the agent's listener thread: Awaitility
          await()
              .atMost(Duration.ofSeconds(5))
              .until(() -> health.health().getDetails().get("openEpisodes").equals(1));
          Health during = health.health();
          assertThat(during.getStatus()).isEqualTo(Status.UP);
          assertThat(during.getDetails()).containsEntry("worstSeverity", "CRITICAL");
          @SuppressWarnings("unchecked")
          var episodes = (java.util.List<Map<String, Object>>) during.getDetails().get("episodes");
          assertThat(episodes).singleElement().satisfies(e -> {
            assertThat(e).containsEntry("episode", "database-1");
            assertThat(e).containsEntry("key", "orders-db");
            assertThat(e).containsEntry("severity", "CRITICAL");
          });

          agent.publish(resolved("database-1"));
          await()
              .atMost(Duration.ofSeconds(5))
              .until(() -> health.health().getDetails().get("openEpisodes").equals(0));
          assertThat(health.health().getDetails()).containsEntry("worstSeverity", "NONE");
        });
  }

  @Test
  void downOnCriticalMakesACriticalEpisodeDownUntilItResolves() {
    runner
        .withPropertyValues("argos.health.down-on-critical=true")
        .run(
            context -> {
              HealthIndicator health =
                  context.getBean("argosHealthIndicator", HealthIndicator.class);
              assertThat(health.health().getStatus()).isEqualTo(Status.UP);
              Agent agent = context.getBean(Agent.class);
              agent.publish(critical("database-7"));
              await()
                  .atMost(Duration.ofSeconds(5))
                  .until(() -> health.health().getStatus().equals(Status.DOWN));
              agent.publish(resolved("database-7"));
              await()
                  .atMost(Duration.ofSeconds(5))
                  .until(() -> health.health().getStatus().equals(Status.UP));
            });
  }

  @Test
  void aWarningEpisodeIsNeverDown() {
    runner
        .withPropertyValues("argos.health.down-on-critical=true")
        .run(
            context -> {
              HealthIndicator health =
                  context.getBean("argosHealthIndicator", HealthIndicator.class);
              context
                  .getBean(Agent.class)
                  .publish(critical("database-3").toBuilder().severity(Severity.WARNING).build());
              await()
                  .atMost(Duration.ofSeconds(5))
                  .until(() -> "WARNING".equals(health.health().getDetails().get("worstSeverity")));
              assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            });
  }

  @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
  static class BrokenQuarantine {
    @org.springframework.context.annotation.Bean
    dev.argos.core.Quarantine brokenQuarantine() {
      return new dev.argos.core.Quarantine() {
        @Override public boolean isQuarantined(String key) {
          return false;
        }
        @Override public boolean quarantine(String key, Severity s, String reason) {
          return false;
        }
        @Override public boolean quarantine(String key, Duration ttl, Severity s, String r) {
          return false;
        }
        @Override public boolean release(String key) {
          return false;
        }
        @Override public int size() {
          throw new IllegalStateException("store unreachable");
        }
      };
    }
  }

  @Test
  void aFailingQuarantineDoesNotMakeItDown() {
    runner
        .withUserConfiguration(BrokenQuarantine.class)
        .run(
            context -> {
              Health h = context.getBean("argosHealthIndicator", HealthIndicator.class).health();
              assertThat(h.getStatus()).isEqualTo(Status.UP);
              assertThat(h.getDetails().get("error").toString())
                  .contains("IllegalStateException")
                  .contains("store unreachable");
            });
  }

  @Test
  void healthIndicatorCanBeTurnedOff() {
    runner
        .withPropertyValues("management.health.argos.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("argosHealthIndicator"));
  }
}
