package dev.argos.forensics;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.internal.SafeText;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/*
 * Design notes.
 *
 * Grouping. At most one incident is open at a time. A WARNING or CRITICAL signal of an episode
 * (data.episode) opens one when none is open; while one is open, every further episode joins it,
 * and so does one that starts within joinWithin of the moment all of its episodes had ended
 * ("overlap or follow closely"). The incident resolves joinWithin after its last episode ended,
 * when no new one came meanwhile. Signals without an episode id (an application's own) are kept
 * for the bundle but never grouped.
 *
 * Publication. The incident is published when it opens: openWithin after its first symptom
 * arrived (1.5 s by default, at most 2 s), or at half of that when the scorer already names an
 * origin backed by structural evidence (a lock owner, a key's burst, a GC). Before that the
 * evidence passes run (the first at once, then every evidenceInterval), so CPU deltas have a
 * window to show in. Afterwards it is published again when what it says changed (origin, severity,
 * its episodes, its evidence bundle, its state), never twice within UPDATE_NANOS (1 s).
 *
 * Evidence capture is asked once per incident, when it is published at or above captureAt; the
 * answer (a bundle path or why it was skipped) comes back through onCaptured and is published
 * with the next update.
 *
 * Threads: the argos-forensics thread only (the facade feeds it; tests call it directly).
 * Nothing runs here while no incident is open: next() says Long.MAX_VALUE.
 */
/** Groups episodes into incidents and decides when to publish them; forensics thread only. */
final class Correlator {
  /** Least time between two publications of one incident. */
  static final long UPDATE_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Most episodes an incident tracks; further ones are not grouped. */
  static final int MAX_EPISODES = 64;

  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** Where evidence capture is asked; the answer must come back through {@link #onCaptured}. */
  interface Capturer {
    /**
     * Captures (or skips) the bundle of {@code incidentId}. Must not block or throw; {@code done}
     * gets the bundle's path or why it was skipped (exactly one non-null), on any thread.
     */
    void capture(
        String incidentId,
        Map<String, @Nullable Object> incident,
        List<Signal> recentSignals,
        List<Long> firstThreadIds,
        Done done);

    /** The answer of one capture. */
    @FunctionalInterface
    interface Done {
      void accept(@Nullable String path, @Nullable String skipped);
    }

    /** A capturer that captures nothing: every incident's {@code evidenceSkipped} is "disabled". */
    static Capturer disabled() {
      return (id, incident, recent, threads, done) -> done.accept(null, "disabled");
    }
  }

  /** The settings the correlator needs (validated by {@link ForensicsConfig}). */
  record Settings(
      long openWithinNanos,
      long joinWithinNanos,
      long evidenceIntervalNanos,
      Severity captureAt,
      int recentSignals) {}

  private static final class Incident {
    final String id;
    final long startNanos;
    final LinkedHashMap<String, EpisodeView> episodes = new LinkedHashMap<>();
    final IncidentEvidence evidence = new IncidentEvidence();
    Severity severity = Severity.WARNING;
    boolean published;
    long lastPublishNanos;
    String fingerprint = "";
    @Nullable String evidencePath;
    @Nullable String evidenceSkipped;
    boolean captureAsked;
    long allEndedNanos = -1;
    long nextPassNanos;

    Incident(String id, long startNanos) {
      this.id = id;
      this.startNanos = startNanos;
      this.nextPassNanos = startNanos;
    }

    boolean allEnded() {
      for (EpisodeView e : episodes.values()) {
        if (!e.ended) {
          return false;
        }
      }
      return true;
    }
  }

  private final Clock clock;
  private final Settings settings;
  private final Consumer<Signal> publish;
  private final Capturer capturer;
  private final ArrayDeque<Signal> recent = new ArrayDeque<>();
  private @Nullable Incident current;
  private long incidents;

  Correlator(Clock clock, Settings settings, Consumer<Signal> publish, Capturer capturer) {
    this.clock = clock;
    this.settings = settings;
    this.publish = publish;
    this.capturer = capturer;
  }

  /** Takes in one signal of {@code argos:signal}. */
  void onSignal(Signal s) {
    if (recent.size() >= settings.recentSignals()) {
      recent.pollFirst();
    }
    recent.addLast(s);
    if (!(s.data().get(DataKeys.EPISODE) instanceof String episode)) {
      return;
    }
    long now = clock.nanoTime();
    Incident inc = current;
    if (s.isResolved()) {
      EpisodeView e = inc != null ? inc.episodes.get(episode) : null;
      if (inc != null && e != null && !e.ended) {
        e.ended = true;
        e.endedAt = s.timestamp();
        if (inc.allEnded()) {
          inc.allEndedNanos = now;
        }
      }
      return;
    }
    if (inc != null) {
      EpisodeView known = inc.episodes.get(episode);
      if (known != null) {
        known.absorb(s);
        raise(inc, known.severity);
        return;
      }
    }
    if (s.severity().compareTo(Severity.WARNING) < 0) {
      return;
    }
    if (inc == null) {
      inc = new Incident(newId(clock.instant()), now);
      current = inc;
      incidents++;
    }
    if (inc.episodes.size() >= MAX_EPISODES) {
      return;
    }
    EpisodeView e = new EpisodeView(s, episode);
    inc.episodes.put(episode, e);
    inc.allEndedNanos = -1;
    raise(inc, e.severity);
  }

  private static void raise(Incident inc, Severity s) {
    if (s.compareTo(inc.severity) > 0) {
      inc.severity = s;
    }
  }

  /** Takes in one evidence pass made for the open incident. */
  void onEvidence(EvidencePass pass) {
    Incident inc = current;
    if (inc != null) {
      inc.evidence.add(pass);
    }
  }

  /** The answer of a capture asked for {@code incidentId}. */
  void onCaptured(String incidentId, @Nullable String path, @Nullable String skipped) {
    Incident inc = current;
    if (inc != null && inc.id.equals(incidentId)) {
      inc.evidencePath = path;
      inc.evidenceSkipped = path == null ? (skipped != null ? skipped : "failed") : null;
    }
  }

  /** Whether an evidence pass is due now. */
  boolean evidenceDue() {
    Incident inc = current;
    return inc != null && !inc.allEnded() && clock.nanoTime() - inc.nextPassNanos >= 0;
  }

  /** Marks an evidence pass as made now. */
  void passMade() {
    Incident inc = current;
    if (inc != null) {
      inc.nextPassNanos = clock.nanoTime() + settings.evidenceIntervalNanos();
    }
  }

  /** Names of the threads stalled executors report (to look for the locks they wait on). */
  Set<String> stalledThreads() {
    Incident inc = current;
    if (inc == null) {
      return Set.of();
    }
    Set<String> names = new LinkedHashSet<>();
    for (EpisodeView e : inc.episodes.values()) {
      if (!e.ended && e.stalledThread()) {
        names.add(Objects.requireNonNull(e.thread));
      }
    }
    return names;
  }

  /** Whether an incident is open (evidence passes run only then). */
  boolean open() {
    return current != null;
  }

  /** Incidents started so far. */
  long incidents() {
    return incidents;
  }

  /**
   * Publishes what is due now. Returns when something is due next (clock nanoTime), or {@link
   * Long#MAX_VALUE} when no incident is open: then nothing is due until a signal comes.
   */
  long step() {
    Incident inc = current;
    if (inc == null) {
      return Long.MAX_VALUE;
    }
    long now = clock.nanoTime();
    boolean resolving = inc.allEnded() && inc.allEndedNanos >= 0
        && now - inc.allEndedNanos >= settings.joinWithinNanos();
    Scorer.Verdict v = Scorer.score(List.copyOf(inc.episodes.values()), inc.evidence);
    if (!inc.published) {
      long since = now - inc.startNanos;
      boolean named = v.origin().structural && !"unknown".equals(v.origin().kind);
      if (since >= settings.openWithinNanos() || resolving
          || (named && since >= settings.openWithinNanos() / 2)) {
        publish(inc, v, false, now);
      }
    } else if (now - inc.lastPublishNanos >= UPDATE_NANOS) {
      if (resolving) {
        publish(inc, v, true, now);
        current = null;
        return Long.MAX_VALUE;
      }
      if (!fingerprint(inc, v, false).equals(inc.fingerprint)) {
        publish(inc, v, false, now);
      }
    }
    return next(inc, now);
  }

  private long next(Incident inc, long now) {
    long next;
    if (!inc.published) {
      long half = inc.startNanos + settings.openWithinNanos() / 2;
      next = half - now > 0 ? half : inc.startNanos + settings.openWithinNanos();
    } else {
      next = inc.lastPublishNanos + UPDATE_NANOS;
    }
    if (inc.allEnded() && inc.allEndedNanos >= 0) {
      next = Math.min(next, inc.allEndedNanos + settings.joinWithinNanos());
    } else {
      next = Math.min(next, inc.nextPassNanos);
    }
    return next - now > 0 ? next : now + 1;
  }

  private void publish(Incident inc, Scorer.Verdict v, boolean resolved, long now) {
    Map<String, @Nullable Object> data = data(inc, v, resolved);
    Signal s = Signal.builder(Signal.TYPE_INCIDENT)
        .severity(inc.severity)
        .timestamp(clock.instant())
        .source("argos")
        .key(inc.id)
        .message(message(inc, v, resolved))
        .data(data)
        .build();
    inc.published = true;
    inc.lastPublishNanos = now;
    inc.fingerprint = fingerprint(inc, v, resolved);
    publish.accept(s);
    if (!resolved && !inc.captureAsked && inc.severity.compareTo(settings.captureAt()) >= 0) {
      inc.captureAsked = true;
      // the stalled threads, the origin, then the lock owners and the hottest threads
      List<Long> first = new ArrayList<>(inc.evidence.stalledThreadIds);
      for (Long id : v.stalledThreadIds()) {
        if (!first.contains(id)) {
          first.add(id);
        }
      }
      if (v.origin().threadId >= 0 && !first.contains(v.origin().threadId)) {
        first.add(v.origin().threadId);
      }
      for (Long id : inc.evidence.notableThreadIds()) {
        if (!first.contains(id)) {
          first.add(id);
        }
      }
      String id = inc.id;
      try {
        capturer.capture(id, asJson(s), List.copyOf(recent), first,
            (path, skipped) -> onCapturedLater(id, path, skipped));
      } catch (RuntimeException e) {
        onCaptured(id, null, "failed: " + SafeText.neutralise(e.getClass().getSimpleName(), 80));
      }
    }
  }

  /** The incident as {@code incident.json} shows it: its fields as a signal's, and its data. */
  static Map<String, @Nullable Object> asJson(Signal incident) {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put("type", incident.type());
    m.put("key", incident.key());
    m.put("severity", incident.severity().name());
    m.put("timestamp", incident.timestamp().toString());
    m.put("source", incident.source());
    m.put("message", incident.message());
    m.put("data", incident.data());
    return m;
  }

  /** Where capture answers go; the facade replaces it to hop onto the forensics thread. */
  private AnswerSink later = this::onCaptured;

  private void onCapturedLater(String id, @Nullable String path, @Nullable String skipped) {
    later.accept(id, path, skipped);
  }

  /** Capture answers go to {@code done} rather than straight in (they come on another thread). */
  void captureAnswersTo(AnswerSink done) {
    this.later = done;
  }

  /** Where the answer of a capture is handed, with its incident id. */
  @FunctionalInterface
  interface AnswerSink {
    void accept(String incidentId, @Nullable String path, @Nullable String skipped);
  }

  private static String fingerprint(Incident inc, Scorer.Verdict v, boolean resolved) {
    return (resolved ? "resolved" : "open") + '|' + inc.severity + '|' + v.origin().kind + '|'
        + v.origin().name + '|' + inc.episodes.keySet() + '|' + inc.evidencePath + '|'
        + inc.evidenceSkipped;
  }

  private static Map<String, @Nullable Object> data(Incident inc, Scorer.Verdict v, boolean resolved) {
    Map<String, @Nullable Object> d = new LinkedHashMap<>();
    d.put(DataKeys.STATE, resolved ? DataKeys.STATE_RESOLVED : DataKeys.STATE_OPEN);
    Map<String, @Nullable Object> origin = new LinkedHashMap<>();
    origin.put(DataKeys.KIND, v.origin().kind);
    origin.put(DataKeys.NAME, v.origin().name);
    origin.put(DataKeys.TYPE, v.origin().type);
    d.put(DataKeys.ORIGIN, origin);
    d.put(DataKeys.CONFIDENCE, v.confidence());
    d.put(DataKeys.WHY, v.why());
    d.put(DataKeys.CHAIN, v.chain());
    d.put(DataKeys.ALTERNATIVES, v.alternatives());
    if (inc.evidencePath != null) {
      d.put(DataKeys.EVIDENCE, inc.evidencePath);
    } else if (inc.evidenceSkipped != null) {
      d.put(DataKeys.EVIDENCE_SKIPPED, inc.evidenceSkipped);
    }
    return d;
  }

  private static String message(Incident inc, Scorer.Verdict v, boolean resolved) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("incident ").append(inc.id).append(resolved ? " resolved: " : ": ");
    boolean first = true;
    for (Map<String, @Nullable Object> step : v.chain()) {
      if (sb.length() > 700) {
        sb.append(" -> ...");
        break;
      }
      if (!first) {
        sb.append(" -> ");
      }
      first = false;
      Object key = step.get(DataKeys.KEY);
      sb.append(step.get(DataKeys.TYPE));
      if (key != null) {
        sb.append(' ').append(Scorer.quote(String.valueOf(key)));
      }
      sb.append(" (").append(step.get(DataKeys.ROLE)).append(')');
    }
    if (first) {
      sb.append("no chain");
    }
    sb.append(String.format(Locale.ROOT, "; origin %s, confidence %.2f", Scorer.describe(v.origin()),
        v.confidence()));
    return sb.toString();
  }

  static String newId(Instant at) {
    return String.format(Locale.ROOT, "inc-%s-%06x", ID_TIME.format(at),
        ThreadLocalRandom.current().nextInt(1 << 24));
  }
}
