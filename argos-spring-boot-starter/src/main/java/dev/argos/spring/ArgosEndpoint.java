package dev.argos.spring;

import dev.argos.core.Agent;
import dev.argos.core.Quarantine;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.observers.ArgosSnapshot;
import dev.argos.observers.Thresholds;
import dev.argos.signals.InMemoryQuarantine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code argos} Actuator endpoint ({@code GET /actuator/argos} once exposed with {@code
 * management.endpoints.web.exposure.include=argos}): the configuration in effect, the snapshot
 * of every sampler's figures, the open episodes, the recent signals (newest first, bounded by
 * {@code argos.endpoint.recent-signals}), the quarantine and the watched web-server executors.
 * Read-only.
 */
@Endpoint(id = "argos")
public final class ArgosEndpoint {
  private final Argos argos;
  private final Agent agent;
  private final SignalTracker tracker;
  private final @Nullable ServerExecutorWatcher executors;

  ArgosEndpoint(
      Argos argos, Agent agent, SignalTracker tracker, @Nullable ServerExecutorWatcher executors) {
    this.argos = argos;
    this.agent = agent;
    this.tracker = tracker;
    this.executors = executors;
  }

  /** Everything above, as one JSON object. */
  @ReadOperation
  public Map<String, Object> argos() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("config", config(argos.config()));
    ArgosSnapshot snapshot = argos.snapshot();
    out.put(
        "snapshot",
        Map.of("timestamp", snapshot.timestamp().toString(), "figures", snapshot.figures()));
    List<Map<String, Object>> open = new ArrayList<>();
    for (SignalTracker.OpenEpisode e : tracker.openEpisodes()) {
      open.add(SignalTracker.describe(e));
    }
    out.put("openEpisodes", open);
    Severity worst = tracker.worstSeverity();
    out.put("worstSeverity", worst == null ? "NONE" : worst.name());
    List<Map<String, Object>> recent = new ArrayList<>();
    for (Signal s : tracker.recentSignals()) {
      recent.add(SignalTracker.describe(s));
    }
    out.put("recentSignals", recent);
    out.put("quarantine", quarantine(agent.quarantine()));
    out.put("droppedSignals", agent.droppedSignals());
    out.put("watchedExecutors", executors == null ? Map.of() : executors.watched());
    return out;
  }

  private Map<String, Object> quarantine(Quarantine q) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", q.size());
    if (q instanceof InMemoryQuarantine mem) {
      InMemoryQuarantine.Stats s = mem.stats();
      m.put("quarantined", s.quarantined());
      m.put("extended", s.extended());
      m.put("released", s.released());
      m.put("expired", s.expired());
      m.put("evicted", s.evicted());
      m.put("refused", s.refused());
      m.put("repeatOffenders", s.repeatOffenders());
    }
    List<Map<String, Object>> changes = new ArrayList<>();
    for (Signal s : tracker.recentQuarantineChanges()) {
      changes.add(SignalTracker.describe(s));
    }
    m.put("recentChanges", changes);
    return m;
  }

  private static Map<String, Object> config(ArgosConfig c) {
    Thresholds t = c.thresholds();
    Map<String, Object> th = new LinkedHashMap<>();
    th.put("eventLoopLagMs", t.eventLoopLag().toMillis());
    th.put("memoryGrowth", t.memoryGrowth());
    th.put("heapUsageAfterGc", t.heapUsageAfterGc());
    th.put("gcOverhead", t.gcOverhead());
    th.put("burstMultiplier", t.burstMultiplier());
    th.put("burstMinRate", t.burstMinRate());
    th.put("keyBurstMinRate", t.keyBurstMinRate());
    th.put("fileHandleUsage", t.fileHandleUsage());
    th.put("threadUsage", t.threadUsage());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sampleRateMs", c.sampleRate().toMillis());
    m.put("windowSizeMs", c.windowSize().toMillis());
    m.put("thresholds", th);
    return m;
  }
}
