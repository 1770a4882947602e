package dev.argos.spring;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Quarantine;
import dev.argos.core.QuarantineHook;
import dev.argos.core.SignalFilter;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.observers.Thresholds;
import dev.argos.signals.Dedup;
import dev.argos.signals.InMemoryQuarantine;
import dev.argos.signals.ProblemRegistry;
import dev.argos.signals.Quarantines;
import dev.argos.signals.Slf4jSink;
import java.nio.file.Path;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The core beans: {@link Argos} (from {@code argos.*}), the bounded {@link Quarantine} and the
 * {@link Agent} that starts Argos, deduplicates and logs its signals and quarantines the keys of
 * per-key bursts. Each backs off when the application declares a bean of the same type; all of
 * them are off with {@code argos.enabled=false}. The agent (and with it Argos) is closed with the
 * application context.
 *
 * <p>If you declare your own {@link Agent}, also declare the {@link Argos} you pass it as an
 * observer, so that the request filter records into the Argos your agent started.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "argos", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(ArgosProperties.class)
public class ArgosAutoConfiguration {
  /** Created by Spring. */
  public ArgosAutoConfiguration() {}

  /** {@link Argos} from {@code argos.sample-rate}, {@code window-size} and {@code thresholds.*}. */
  @Bean
  @ConditionalOnMissingBean
  public Argos argos(ArgosProperties properties) {
    return Argos.createArgos(argosConfig(properties));
  }

  /** The bounded in-memory quarantine from {@code argos.quarantine.*}. */
  @Bean
  @ConditionalOnMissingBean(Quarantine.class)
  @ConditionalOnProperty(
      prefix = "argos.quarantine", name = "enabled", havingValue = "true", matchIfMissing = true)
  public InMemoryQuarantine argosQuarantine(ArgosProperties properties) {
    ArgosProperties.QuarantineSettings q = properties.getQuarantine();
    try {
      return Quarantines.builder()
          .maxKeys(q.getMaxKeys())
          .ttl(q.getTtl())
          .maxTtl(q.getMaxTtl())
          .allow(q.getAllow())
          .build();
    } catch (IllegalArgumentException invalid) {
      throw invalidProperty(invalid);
    }
  }

  /**
   * The agent: Argos as its observer, the quarantine (if any), the application's {@link
   * QuarantineHook} and {@link SignalFilter} beans (after the dedup filter of {@code
   * argos.dedup.*}), a log line per signal ({@code argos.log.enabled}) and the JSONL registry
   * ({@code argos.registry.path}).
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public Agent argosAgent(
      Argos argos,
      ObjectProvider<Quarantine> quarantine,
      ObjectProvider<QuarantineHook> hooks,
      ObjectProvider<SignalFilter> filters,
      ArgosProperties properties) {
    AgentConfig.Builder b = agentSettings(properties).observer(argos);
    Quarantine q = quarantine.getIfUnique();
    if (q != null) {
      b.quarantine(q);
    }
    hooks.orderedStream().forEach(b::quarantineHook);
    ArgosProperties.DedupSettings d = properties.getDedup();
    if (d.isEnabled()) {
      try {
        b.filter(
            Dedup.builder().window(d.getWindow()).escalateAfter(d.getEscalateAfter()).build());
      } catch (IllegalArgumentException invalid) {
        throw invalidProperty(invalid);
      }
    }
    filters.orderedStream().forEach(b::filter);
    Path registryPath = properties.getRegistry().getPath();
    ProblemRegistry registry = registryPath == null ? null : ProblemRegistry.open(registryPath);
    Agent agent;
    try {
      agent = Agent.createAgent(b.build());
    } catch (RuntimeException failed) {
      if (registry != null) {
        registry.close();
      }
      throw failed;
    }
    if (properties.getLog().isEnabled()) {
      agent.on(Agent.TOPIC_SIGNAL, Slf4jSink.create());
    }
    if (registry != null) {
      agent.on(Agent.TOPIC_SIGNAL, registry);
      agent.closeWith(registry);
    }
    return agent;
  }

  private static AgentConfig.Builder agentSettings(ArgosProperties properties) {
    ArgosProperties.AgentSettings a = properties.getAgent();
    try {
      return AgentConfig.builder()
          .signalQueueCapacity(a.getSignalQueueCapacity())
          .listenerQueueCapacity(a.getListenerQueueCapacity())
          .floodLimitPerMinute(a.getFloodLimitPerMinute())
          .closeTimeout(a.getCloseTimeout());
    } catch (IllegalArgumentException invalid) {
      throw invalidProperty(invalid);
    }
  }

  /** The open episodes and recent signals the health contributor and the endpoint show. */
  @Bean
  @ConditionalOnMissingBean
  SignalTracker argosSignalTracker(Agent agent, ArgosProperties properties) {
    ArgosProperties.EndpointSettings e = properties.getEndpoint();
    return new SignalTracker(e.getMaxOpenEpisodes(), e.getRecentSignals(), e.getRecentMaxAge())
        .listenTo(agent);
  }

  /** The {@link ArgosConfig} the properties describe; invalid values named and refused. */
  static ArgosConfig argosConfig(ArgosProperties p) {
    try {
      return buildConfig(p);
    } catch (IllegalArgumentException invalid) {
      throw invalidProperty(invalid);
    }
  }

  /** The library's message (setting and value) behind the properties' prefix. */
  static IllegalArgumentException invalidProperty(IllegalArgumentException invalid) {
    return new IllegalArgumentException(
        "invalid argos.* property: " + invalid.getMessage(), invalid);
  }

  private static ArgosConfig buildConfig(ArgosProperties p) {
    ArgosProperties.ThresholdSettings t = p.getThresholds();
    return ArgosConfig.builder()
        .sampleRate(p.getSampleRate())
        .windowSize(p.getWindowSize())
        .thresholds(
            Thresholds.builder()
                .eventLoopLag(t.getEventLoopLag())
                .memoryGrowth(t.getMemoryGrowth())
                .heapUsageAfterGc(t.getHeapUsageAfterGc())
                .gcOverhead(t.getGcOverhead())
                .burstMultiplier(t.getBurstMultiplier())
                .burstMinRate(t.getBurstMinRate())
                .keyBurstMinRate(t.getKeyBurstMinRate())
                .fileHandleUsage(t.getFileHandleUsage())
                .threadUsage(t.getThreadUsage())
                .build())
        .build();
  }
}
