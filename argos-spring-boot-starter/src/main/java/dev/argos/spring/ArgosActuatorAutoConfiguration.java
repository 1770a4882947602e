package dev.argos.spring;

import dev.argos.core.Agent;
import dev.argos.observers.Argos;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * With Spring Boot Actuator: the health contributor {@code argos} (never DOWN unless {@code
 * argos.health.down-on-critical=true}) and the endpoint {@code argos}.
 */
@AutoConfiguration(after = {ArgosAutoConfiguration.class, ArgosWebAutoConfiguration.class})
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean({Argos.class, Agent.class, SignalTracker.class})
@ConditionalOnProperty(prefix = "argos", name = "enabled", havingValue = "true", matchIfMissing = true)
public class ArgosActuatorAutoConfiguration {
  /** Created by Spring. */
  public ArgosActuatorAutoConfiguration() {}

  /** The {@code argos} health contributor (named after this bean). */
  @Bean
  @ConditionalOnEnabledHealthIndicator("argos")
  @ConditionalOnMissingBean(name = "argosHealthIndicator")
  HealthIndicator argosHealthIndicator(
      SignalTracker tracker, Agent agent, ArgosProperties properties) {
    return new ArgosHealthIndicator(tracker, agent, properties.getHealth().isDownOnCritical());
  }

  /** The {@code argos} endpoint. */
  @Bean
  @ConditionalOnAvailableEndpoint
  @ConditionalOnMissingBean
  ArgosEndpoint argosEndpoint(
      Argos argos,
      Agent agent,
      SignalTracker tracker,
      ObjectProvider<ServerExecutorWatcher> executors) {
    return new ArgosEndpoint(argos, agent, tracker, executors.getIfAvailable());
  }
}
