package dev.argos.spring;

import dev.argos.core.Agent;
import dev.argos.core.Severity;
import dev.argos.core.internal.Throwables;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * The {@code argos} health contributor: what is open and how bad. UP whatever is open, unless
 * {@code argos.health.down-on-critical=true} and a CRITICAL episode is open (then DOWN), so that
 * an orchestrator does not restart a JVM for a GC pause. Details: {@code openEpisodes}, {@code
 * worstSeverity} ({@code NONE} when nothing is open), {@code episodes} (the 10 most recent open
 * ones), {@code quarantined}, {@code droppedSignals}.
 */
final class ArgosHealthIndicator implements HealthIndicator {
  static final int MAX_EPISODES_SHOWN = 10;

  private final SignalTracker tracker;
  private final Agent agent;
  private final boolean downOnCritical;

  ArgosHealthIndicator(SignalTracker tracker, Agent agent, boolean downOnCritical) {
    this.tracker = tracker;
    this.agent = agent;
    this.downOnCritical = downOnCritical;
  }

  /**
   * Never throws, and never DOWN because of its own failure: a quarantine of the application's
   * that throws from {@code size()} gives UP with an {@code error} detail.
   */
  @Override
  public Health health() {
    Health.Builder builder = new Health.Builder();
    try {
      check(builder);
    } catch (RuntimeException failed) {
      builder.up().withDetail("error", Throwables.describe(failed));
    }
    return builder.build();
  }

  private void check(Health.Builder builder) {
    List<SignalTracker.OpenEpisode> open = tracker.openEpisodes();
    Severity worst = tracker.worstSeverity();
    if (downOnCritical && worst == Severity.CRITICAL) {
      builder.down();
    } else {
      builder.up();
    }
    List<Map<String, Object>> shown = new ArrayList<>();
    for (int i = open.size() - 1; i >= 0 && shown.size() < MAX_EPISODES_SHOWN; i--) {
      shown.add(SignalTracker.describe(open.get(i)));
    }
    builder
        .withDetail("openEpisodes", open.size())
        .withDetail("worstSeverity", worst == null ? "NONE" : worst.name())
        .withDetail("episodes", shown)
        .withDetail("quarantined", agent.quarantine().size())
        .withDetail("droppedSignals", agent.droppedSignals());
  }
}
