package dev.argos.spring;

import dev.argos.core.Agent;
import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.Subscription;
import dev.argos.signals.RecentSignals;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the health contributor and the endpoint show: the episodes open now (a signal carrying
 * {@code data.episode} opens or updates one, its resolved signal closes it) and the recent
 * signals and quarantine changes. Every structure is bounded: at most {@code maxOpen} episodes
 * (the oldest forgotten and counted beyond it), {@code recent} signals and 100 quarantine
 * changes, none older than {@code maxAge}.
 */
final class SignalTracker implements AutoCloseable {
  /** An episode open now: its latest signal and when its first signal was seen. */
  record OpenEpisode(String id, Signal latest, Instant since) {}

  private final int maxOpen;
  private final RecentSignals recent;
  private final RecentSignals quarantineChanges;
  private final LinkedHashMap<String, OpenEpisode> open = new LinkedHashMap<>();
  private long forgotten;
  private final List<Subscription> subscriptions = new ArrayList<>();

  SignalTracker(int maxOpen, int recentCapacity, Duration maxAge) {
    if (maxOpen <= 0 || maxOpen > 100_000) {
      throw new IllegalArgumentException(
          "argos.endpoint.max-open-episodes must be between 1 and 100000 but was " + maxOpen);
    }
    if (recentCapacity <= 0 || recentCapacity > 10_000) {
      throw new IllegalArgumentException(
          "argos.endpoint.recent-signals must be between 1 and 10000 but was " + recentCapacity);
    }
    this.maxOpen = maxOpen;
    this.recent = RecentSignals.create(recentCapacity, maxAge, Clock.system());
    this.quarantineChanges = RecentSignals.create(100, maxAge, Clock.system());
  }

  /** Subscribes to {@code agent}'s signals and quarantine changes; closed by {@link #close()}. */
  SignalTracker listenTo(Agent agent) {
    subscriptions.add(agent.on(Agent.TOPIC_SIGNAL, this::onSignal));
    subscriptions.add(agent.on(Agent.TOPIC_QUARANTINE, quarantineChanges));
    return this;
  }

  void onSignal(Signal signal) {
    recent.onSignal(signal);
    Object id = signal.data().get(DataKeys.EPISODE);
    if (!(id instanceof String episode)) {
      return;
    }
    synchronized (open) {
      if (signal.isResolved()) {
        open.remove(episode);
        return;
      }
      OpenEpisode was = open.remove(episode);
      open.put(
          episode,
          new OpenEpisode(episode, signal, was != null ? was.since() : signal.timestamp()));
      Iterator<OpenEpisode> oldest = open.values().iterator();
      while (open.size() > maxOpen) {
        oldest.next();
        oldest.remove();
        forgotten++;
      }
    }
  }

  /** The open episodes, oldest first. */
  List<OpenEpisode> openEpisodes() {
    synchronized (open) {
      return List.copyOf(open.values());
    }
  }

  /** Open episodes forgotten because more than {@code maxOpen} were open. */
  long forgottenEpisodes() {
    synchronized (open) {
      return forgotten;
    }
  }

  /** The highest severity among the open episodes, or null when none is open. */
  @Nullable Severity worstSeverity() {
    Severity worst = null;
    for (OpenEpisode e : openEpisodes()) {
      Severity s = e.latest().severity();
      if (worst == null || s.isAtLeast(worst)) {
        worst = s;
      }
    }
    return worst;
  }

  /** Recent signals, newest first. */
  List<Signal> recentSignals() {
    List<Signal> all = new ArrayList<>(recent.all());
    java.util.Collections.reverse(all);
    return all;
  }

  /** Recent quarantine changes, newest first. */
  List<Signal> recentQuarantineChanges() {
    List<Signal> all = new ArrayList<>(quarantineChanges.all());
    java.util.Collections.reverse(all);
    return all;
  }

  /** A JSON-friendly view of {@code s}. */
  static Map<String, Object> describe(Signal s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", s.type());
    m.put("severity", s.severity().name());
    m.put("timestamp", s.timestamp().toString());
    m.put("source", s.source());
    if (s.key() != null) {
      m.put("key", s.key());
    }
    m.put("message", s.message());
    m.put("data", s.data());
    return m;
  }

  /** A JSON-friendly view of an open episode. */
  static Map<String, Object> describe(OpenEpisode e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("episode", e.id());
    m.put("type", e.latest().type());
    m.put("severity", e.latest().severity().name());
    if (e.latest().key() != null) {
      m.put("key", e.latest().key());
    }
    m.put("since", e.since().toString());
    m.put("message", e.latest().message());
    return m;
  }

  @Override
  public void close() {
    for (Subscription s : subscriptions) {
      try {
        s.close();
      } catch (RuntimeException ignored) { // the agent's subscriptions do not throw; never stop a close
      }
    }
    subscriptions.clear();
  }
}
