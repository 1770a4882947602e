package dev.argos.forensics;

import dev.argos.core.Agent;
import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.Subscription;
import dev.argos.core.internal.Throwables;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * Threads. The agent delivers argos:signal to our listener on its pool; the listener only offers
 * the signal to a bounded inbox (INBOX, overflow dropped and counted) and unparks the
 * argos-forensics daemon thread. That thread does everything else: the Correlator (grouping,
 * scoring, publishing), the evidence passes of ThreadEvidence (per-thread CPU and allocation,
 * locks, cgroup; only while an incident is open), and asking for evidence capture, whose answer
 * comes back through the inbox. With no incident open it parks with no deadline: no periodic
 * wake-up. Correlation therefore never runs on the sampler thread or on a listener's thread.
 *
 * With a clock that does not move by itself (a ManualClock), no thread is started; tests drive
 * one round at a time through step().
 */
/**
 * Incidents: the agent's episodes grouped into incidents with a named origin, published on
 * {@value Agent#TOPIC_INCIDENT} (see {@code docs/forensics.md}).
 *
 * <pre>{@code
 * Forensics forensics = Forensics.attach(agent, ForensicsConfig.builder()
 *         .evidenceDir(Path.of("argos-evidence"))
 *         .build());
 * agent.on(Agent.TOPIC_INCIDENT, incident -> log.error("{}", incident.message()));
 * }</pre>
 *
 * <p>An incident is a {@link Signal} of type {@value Signal#TYPE_INCIDENT}, key = its id ({@code
 * inc-<yyyyMMdd-HHmmss>-<6 hex>}), severity = the highest of its episodes, message = its chain in
 * one sentence, and data {@code state} ({@code "open"}, later {@code "resolved"}), {@code origin}
 * ({@code kind}, {@code name}, {@code type}), {@code confidence} (0..1), {@code why}, {@code
 * chain}, {@code alternatives}, and {@code evidence} or {@code evidenceSkipped}. It is published
 * within {@link ForensicsConfig#openWithin()} (at most 2 s) of its first WARNING or CRITICAL
 * signal, again when it grows, escalates or changes origin (at most once a second), and once more
 * when all its episodes have ended.
 *
 * <p>Evidence: when an incident reaches {@link ForensicsConfig#captureAt()} (CRITICAL) and an
 * {@link ForensicsConfig#evidenceDir()} is set, a bundle is written under guardrails (one per
 * cooldown, a disk budget, a free-space floor) on the {@code argos-evidence} thread; the incident's
 * next update carries its path ({@code evidence}) or why not ({@code evidenceSkipped}). Actions
 * registered with {@link ForensicsConfig.Builder#action} run under guardrails on {@code
 * argos-actions} threads and are published on {@value Agent#TOPIC_ACTION}; {@link #shedding()} is
 * the gate a {@link Actions#shedLoad} action opens.
 *
 * <p>Guarantees: nothing runs on the agent's sampler thread or a listener's thread; with no
 * incident open the {@code argos-forensics} thread is parked without wake-ups and reads nothing;
 * per-thread CPU and allocation are read only while an incident is open, at most {@link
 * ForensicsConfig#maxThreadReads()} threads per pass and one pass per {@link
 * ForensicsConfig#evidenceInterval()}. No exception reaches the application. {@link #close()} is
 * idempotent, prompt (about 500 ms, plus up to about 2 s for a bundle being written) and leaves no
 * thread; the agent closes it too.
 */
public final class Forensics implements AutoCloseable {
  /** Most signals waiting for the forensics thread; more are dropped and counted. */
  static final int INBOX = 1024;
  /** The thread's name. */
  static final String THREAD_NAME = "argos-forensics";
  private static final long JOIN_MILLIS = 500;
  private static final Logger log = LoggerFactory.getLogger(Forensics.class);

  private record Answer(String incidentId, @Nullable String path, @Nullable String skipped) {}

  private final Agent agent;
  private final Clock clock;
  private final Correlator correlator;
  private final ThreadEvidence evidence;
  private final ArrayBlockingQueue<Object> inbox = new ArrayBlockingQueue<>(INBOX);
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final @Nullable Thread thread;
  private final EvidenceCapture capture;
  private final LoadShedGate gate;
  private final @Nullable ActionRunner actions;
  private final Subscription signals;
  private final Subscription closer;
  private boolean sampling;
  private boolean faultLogged;
  private long droppedReported;

  private Forensics(Agent agent, ForensicsConfig config) {
    this.agent = agent;
    this.clock = config.clock();
    this.capture = new EvidenceCapture(config.evidenceSettings(), clock, agent::publish);
    this.gate = new LoadShedGate(clock);
    this.actions = config.actions().isEmpty()
        ? null
        : new ActionRunner(config.actions(), config.allowedActions(), config.dryRun(), clock,
            agent::publish, agent, gate, capture, config.actionTimeLimit());
    Correlator.Capturer capturer = config.capturer();
    if (capturer == null) {
      EvidenceCapture c = capture;
      capturer = (id, incident, recent, threads, done) -> c.capture(id, incident, recent, threads,
          r -> {
            Path dir = r.dir();
            done.accept(dir != null ? dir.toString() : null, r.skipped());
          });
    }
    this.correlator = new Correlator(
        clock,
        new Correlator.Settings(
            config.openWithin().toNanos(),
            config.joinWithin().toNanos(),
            config.evidenceInterval().toNanos(),
            config.captureAt(),
            config.recentSignals()),
        this::publish,
        capturer);
    this.correlator.captureAnswersTo((id, path, skipped) -> offer(new Answer(id, path, skipped)));
    this.evidence = new ThreadEvidence(config.maxThreadReads(), new CgroupCpu(config.cpuStatFile()));
    if (clock.movesByItself()) {
      Thread t = new Thread(this::run, THREAD_NAME);
      t.setDaemon(true);
      this.thread = t;
    } else {
      this.thread = null;
    }
    Subscription subscribed = null;
    try {
      subscribed = agent.on(Agent.TOPIC_SIGNAL, this::offer);
      this.closer = agent.closeWith(this);
    } catch (RuntimeException e) { // the agent is closed: stop what was started above
      if (subscribed != null) {
        subscribed.close();
      }
      if (actions != null) {
        closeQuietly(actions);
      }
      closeQuietly(capture);
      gate.stop();
      throw e;
    }
    this.signals = subscribed;
    if (thread != null) {
      thread.start();
    }
  }

  /**
   * Attaches forensics to {@code agent}: from now on its signals are correlated into incidents on
   * {@value Agent#TOPIC_INCIDENT}. Closed with the agent, or by {@link #close()}.
   *
   * @throws IllegalStateException if the agent is closed
   */
  public static Forensics attach(Agent agent, ForensicsConfig config) {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(config, "config");
    return new Forensics(agent, config);
  }

  private void offer(Object item) {
    if (closed.get()) {
      return;
    }
    ActionRunner a = actions;
    if (a != null && item instanceof Signal s) {
      a.offer(s); // never blocks: the actions' own bounded queue
    }
    if (!inbox.offer(item)) {
      dropped.incrementAndGet();
    }
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /** Items waiting in the inbox (tests). */
  int inboxSize() {
    return inbox.size();
  }

  /** Signals dropped because the forensics thread was behind (its inbox full). */
  long droppedSignals() {
    return dropped.get();
  }

  /** Whether an incident is open now (tests; forensics thread, or the test driving step()). */
  boolean incidentOpen() {
    return correlator.open();
  }

  /** Per-thread figures read so far (for tests: none while nothing is open). */
  long threadReads() {
    return evidence.reads();
  }

  private void publish(Signal incident) {
    try {
      agent.publish(incident);
    } catch (RuntimeException e) {
      log.debug("argos: publishing an incident failed", e);
    }
    ActionRunner a = actions;
    if (a != null) {
      a.offer(incident);
    }
  }

  /**
   * Whether load should be shed now: true while a {@link Actions#shedLoad} action's term runs.
   * For the application's hot path: no lock, no allocation while not shedding.
   */
  public boolean shedding() {
    return gate.shedding();
  }

  private void run() {
    while (!closed.get()) {
      long next = step();
      if (closed.get()) {
        break;
      }
      if (!inbox.isEmpty()) {
        continue;
      }
      if (next == Long.MAX_VALUE) {
        LockSupport.park(this);
      } else {
        long wait = next - clock.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(this, wait);
        }
      }
    }
  }

  /** One round: takes in what arrived, runs an evidence pass when due, publishes what is due. */
  long step() {
    try {
      reportDropped();
      for (int i = 0; i < INBOX; i++) {
        Object item = inbox.poll();
        if (item == null) {
          break;
        }
        if (item instanceof Signal s) {
          correlator.onSignal(s);
        } else if (item instanceof Answer a) {
          correlator.onCaptured(a.incidentId(), a.path(), a.skipped());
        }
      }
      if (correlator.evidenceDue()) {
        if (!sampling) {
          evidence.reset();
          sampling = true;
        }
        EvidencePass pass = evidence.pass(correlator.stalledThreads(), clock.nanoTime());
        correlator.passMade();
        correlator.onEvidence(pass);
      }
      long next = correlator.step();
      if (!correlator.open() && sampling) {
        sampling = false;
        evidence.reset();
      }
      return next;
    } catch (RuntimeException e) {
      if (!faultLogged) {
        faultLogged = true;
        log.warn("argos: forensics failed a round and goes on: {}", Throwables.describe(e));
      }
      return clock.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    }
  }

  /** Says on {@value Agent#TOPIC_ERROR} that signals were dropped (the agent rate-limits it). */
  private void reportDropped() {
    long d = dropped.get();
    if (d > droppedReported) {
      droppedReported = d;
      agent.publish(Signal.builder(Signal.TYPE_ERROR)
          .severity(Severity.WARNING)
          .timestamp(clock.instant())
          .source("argos")
          .key("forensics")
          .message("argos-forensics is behind: " + d + " signals dropped so far (inbox of " + INBOX + ")")
          .data(DataKeys.KIND, "forensicsDropped")
          .data(DataKeys.DROPPED_TOTAL, d)
          .build());
    }
  }

  /** Stops correlating: idempotent, prompt, leaves no thread. Open incidents are not resolved. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    signals.close();
    closer.close();
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
      try {
        t.join(JOIN_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    inbox.clear();
    ActionRunner a = actions;
    if (a != null) {
      closeQuietly(a);
    }
    closeQuietly(capture);
    gate.stop();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      log.debug("argos: closing {} failed", c.getClass().getSimpleName(), e);
    }
  }
}
