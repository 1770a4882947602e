package dev.argos.spring;

import dev.argos.core.Agent;
import dev.argos.core.Subscription;
import dev.argos.observers.Argos;
import dev.argos.signals.micrometer.ArgosMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * With Micrometer and a {@link MeterRegistry} bean: Argos's meters ({@code argos.signals},
 * {@code argos.signals.dropped}, {@code argos.quarantine.size}, {@code argos.executor.lag}, the
 * snapshot's figures; see {@link ArgosMetrics}) bound to the application's registry (the
 * primary one when there are several), removed when the context closes. Off with {@code
 * argos.metrics.enabled=false}.
 */
@AutoConfiguration(
    after = ArgosAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"
    })
@ConditionalOnClass({MeterRegistry.class, ArgosMetrics.class})
@ConditionalOnBean({MeterRegistry.class, Argos.class, Agent.class})
@ConditionalOnProperty(prefix = "argos", name = "enabled", havingValue = "true", matchIfMissing = true)
public class ArgosMetricsAutoConfiguration {
  /** Created by Spring. */
  public ArgosMetricsAutoConfiguration() {}

  /** The binder, subscribed to the agent and bound to the registry. */
  @Bean
  @ConditionalOnProperty(
      prefix = "argos.metrics", name = "enabled", havingValue = "true", matchIfMissing = true)
  MeterBinding argosMeterBinding(
      ObjectProvider<MeterRegistry> registries, Agent agent, Argos argos) {
    ArgosMetrics metrics =
        ArgosMetrics.builder().agent(agent).figures(() -> argos.snapshot().figures()).build();
    List<Subscription> subscriptions =
        List.of(agent.on(Agent.TOPIC_SIGNAL, metrics), agent.on(Agent.TOPIC_QUARANTINE, metrics));
    MeterRegistry registry = registries.getIfUnique();
    if (registry != null) {
      metrics.bindTo(registry);
    }
    return new MeterBinding(metrics, subscriptions);
  }

  /**
   * Holds the binder without exposing it as a {@code MeterBinder} bean (Spring Boot would bind
   * that a second time); closing it unsubscribes and removes the meters.
   */
  static final class MeterBinding implements AutoCloseable {
    private final ArgosMetrics metrics;
    private final List<Subscription> subscriptions;

    MeterBinding(ArgosMetrics metrics, List<Subscription> subscriptions) {
      this.metrics = metrics;
      this.subscriptions = subscriptions;
    }

    ArgosMetrics metrics() {
      return metrics;
    }

    @Override
    public void close() {
      for (Subscription s : subscriptions) {
        try {
          s.close();
        } catch (RuntimeException ignored) { // never stop a context close
        }
      }
      metrics.close();
    }
  }
}
