package dev.argos.forensics;

import dev.argos.core.Agent;
import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import dev.argos.core.internal.SafeText;
import dev.argos.core.internal.Settings;
import dev.argos.core.internal.Throwables;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the registered actions under {@link Guardrails}: for every signal and incident offered,
 * each action whose condition matches is checked against the allowlist and the backoff, then
 * run (or, in dry-run mode, recorded as what would have run), and the outcome is published as a
 * signal of type {@value Signal#TYPE_ACTION} (on {@code argos:action}).
 *
 * <h2>Threads and bounds</h2>
 *
 * <ul>
 *   <li>{@link #offer(Signal)} never blocks and never throws: it puts the signal in a queue of
 *       {@value #QUEUE_CAPACITY} (a full queue drops it, counted in {@link #dropped()}).
 *   <li>The daemon thread {@value #THREAD_NAME} takes signals in order, evaluates the conditions
 *       (they must be quick: a condition that throws counts as a failure of its action, published
 *       at most once a minute per action, with the count held back in {@code data.suppressed}) and the
 *       guardrails, and hands each run to a worker thread ({@value #THREAD_NAME}{@code -run-<n>})
 *       with a time limit (30 s by default), without waiting for it: a slow action delays no
 *       other action. An action past its limit is interrupted and recorded as a {@link
 *       ActionResult#FAILURE} ("timed out"). At most {@value #MAX_WORKERS} workers exist: while that many actions
 *       hang ignoring interrupts, further runs fail at once ("workers busy").
 *   <li>Signals of type {@value Signal#TYPE_ACTION} are never offered to actions (no loops).
 *   <li>A suppression that repeats the last one of its action and target (an incident updated
 *       every second, a burst that goes on) is not published again: it is counted, and the
 *       pair's next record carries the count in {@code data.suppressed}.
 *   <li>{@link #close()} stops taking signals, interrupts the running action, and waits about a
 *       second in all; only a worker stuck in code that ignores interrupts can outlive it (a
 *       daemon thread, until that code returns).
 * </ul>
 */
final class ActionRunner implements AutoCloseable {
  /*
   * Design notes. One dispatcher thread keeps the order of triggers and the guardrails'
   * bookkeeping single-threaded in practice (Guardrails is synchronized anyway). The action
   * itself runs on a pool worker so a hanging action costs a worker, not the dispatcher: the
   * dispatcher does not wait for it (the run publishes its own record when it ends); it keeps the
   * runs in flight and, at each turn, interrupts and records those past their limit (polling its
   * queue no longer than until the next limit). The pool
   * is a SynchronousQueue pool of at most MAX_WORKERS, so a hung worker is never reused and a
   * burst of hung actions is bounded.
   */

  /** The dispatcher thread's name; workers are named {@code argos-actions-run-<n>}. */
  static final String THREAD_NAME = "argos-actions";
  /** Triggers waiting for the dispatcher at most. */
  static final int QUEUE_CAPACITY = 256;
  /** Worker threads at most (hung ones included). */
  static final int MAX_WORKERS = 4;
  /** The default time limit of one action run. */
  static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(30);
  /** Recent signals kept for {@link Actions#captureEvidence()}'s {@code signals.jsonl}. */
  static final int RECENT_SIGNALS = 256;
  /** A condition's failure is published at most once per this, per action. */
  static final Duration CONDITION_FAILURE_EVERY = Duration.ofMinutes(1);
  /** Most entries an action may add with {@link ActionContext#note}. */
  static final int MAX_NOTES = 16;

  private static final Logger log = LoggerFactory.getLogger(ActionRunner.class);
  private static final long CLOSE_WAIT_MILLIS = 1_000;
  private static final Set<String> RESERVED =
      Set.of(
          DataKeys.ACTION,
          DataKeys.RESULT,
          DataKeys.TARGET,
          DataKeys.TRIGGER,
          DataKeys.EPISODE,
          DataKeys.INCIDENT,
          DataKeys.REASON,
          DataKeys.ATTEMPT,
          DataKeys.NEXT_ALLOWED_AT,
          DataKeys.SUPPRESSED);

  private final List<ActionSpec> specs;
  private final Guardrails guardrails;
  private final boolean dryRun;
  private final Clock clock;
  private final SignalSink publish;
  private final Agent agent;
  private final LoadShedGate gate;
  private final @Nullable EvidenceCapture capture;
  private final long timeLimitNanos;
  private final BlockingQueue<Signal> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  private final ArrayDeque<Signal> recent = new ArrayDeque<>(); // dispatcher thread only
  // dispatcher thread only; one entry per registered action at most
  private final Map<String, long[]> conditionFailures = new java.util.HashMap<>();
  private final AtomicLong dropped = new AtomicLong();
  private final ThreadPoolExecutor workers;
  /** Runs not yet settled (submitted, not ended, not timed out); at most MAX_WORKERS + a few. */
  private final java.util.concurrent.ConcurrentLinkedQueue<Run> inFlight =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  // the threads the pool made (at most MAX_WORKERS alive): close() joins them, since the pool
  // says it has terminated a moment before its last thread has ended; pruned as they end
  private final java.util.Set<Thread> workerThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Thread dispatcher;
  private volatile boolean closed;

  /**
   * Starts the {@value #THREAD_NAME} thread.
   *
   * @param specs the registered actions, in the order they are checked for each trigger
   * @param allowlist the names that may run; empty: every registered action
   * @param dryRun record what would have run, run nothing
   * @param publish receives the {@value Signal#TYPE_ACTION} signals (e.g. {@code agent::publish})
   * @param capture what {@link Actions#captureEvidence()} uses; null: it is skipped
   */
  ActionRunner(
      List<ActionSpec> specs,
      Set<String> allowlist,
      boolean dryRun,
      Clock clock,
      SignalSink publish,
      Agent agent,
      LoadShedGate gate,
      @Nullable EvidenceCapture capture) {
    this(specs, allowlist, dryRun, clock, publish, agent, gate, capture, DEFAULT_TIME_LIMIT);
  }

  /** As above, with the time limit of one run ({@code actionTimeLimit}, positive). */
  ActionRunner(
      List<ActionSpec> specs,
      Set<String> allowlist,
      boolean dryRun,
      Clock clock,
      SignalSink publish,
      Agent agent,
      LoadShedGate gate,
      @Nullable EvidenceCapture capture,
      Duration timeLimit) {
    this.specs = List.copyOf(specs);
    this.guardrails = new Guardrails(allowlist, clock);
    this.dryRun = dryRun;
    this.clock = clock;
    this.publish = publish;
    this.agent = agent;
    this.gate = gate;
    this.capture = capture;
    this.timeLimitNanos = Settings.positive("actionTimeLimit", timeLimit).toNanos();
    AtomicInteger n = new AtomicInteger();
    this.workers =
        new ThreadPoolExecutor(
            0,
            MAX_WORKERS,
            10,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, THREAD_NAME + "-run-" + n.incrementAndGet());
              t.setDaemon(true);
              workerThreads.removeIf(w -> !w.isAlive()); // the ones that ended: bounded
              workerThreads.add(t);
              return t;
            });
    this.dispatcher = new Thread(this::dispatch, THREAD_NAME);
    dispatcher.setDaemon(true);
    dispatcher.start();
  }

  /**
   * Hands a signal or an incident over; returns at once. Never blocks, never throws; dropped
   * (and counted) when the queue is full or the runner is closed.
   */
  void offer(Signal signalOrIncident) {
    try {
      if (signalOrIncident == null || Signal.TYPE_ACTION.equals(signalOrIncident.type())) {
        return;
      }
      if (closed || !queue.offer(signalOrIncident)) {
        long d = dropped.incrementAndGet();
        if (Long.bitCount(d) == 1) { // 1, 2, 4, 8...: a log line that cannot flood
          log.warn("argos actions: {} triggers dropped (queue of {} full or closed)", d, QUEUE_CAPACITY);
        }
      }
    } catch (RuntimeException e) {
      dropped.incrementAndGet();
    }
  }

  /** Triggers dropped so far (queue full or closed). */
  long dropped() {
    return dropped.get();
  }

  /** The guardrails (for tests). */
  Guardrails guardrails() {
    return guardrails;
  }

  /** Stops; see the class documentation. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.clear();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
    if (Thread.currentThread() != dispatcher) {
      dispatcher.interrupt();
    }
    workers.shutdownNow();
    try {
      if (Thread.currentThread() != dispatcher) {
        dispatcher.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
      workers.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      for (Thread t : workerThreads) {
        if (t != Thread.currentThread()) {
          t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the dispatcher ----

  private void dispatch() {
    while (!closed) {
      Signal s;
      try {
        s = queue.poll(untilNextDeadline(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        return;
      }
      expireRuns();
      if (s == null) {
        continue;
      }
      remember(s);
      for (ActionSpec spec : specs) {
        if (closed) {
          return;
        }
        try {
          handle(spec, s);
        } catch (RuntimeException e) { // never let one trigger end the thread
          log.warn("argos action {} failed to dispatch: {}", spec.name(), Throwables.describe(e));
        }
      }
    }
  }

  private void remember(Signal s) {
    if (recent.size() >= RECENT_SIGNALS) {
      recent.removeFirst();
    }
    recent.addLast(s);
  }

  private void handle(ActionSpec spec, Signal trigger) {
    boolean matches;
    try {
      matches = spec.condition().test(trigger);
    } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
      // the user's code: an assert, a missing class or a deep recursion must not end the thread
      int held = conditionFailureToReport(spec.name());
      if (held >= 0) {
        publish(spec.name(), trigger, ActionResult.FAILURE, 0, "condition threw " + Throwables.describe(e), null,
            held > 0 ? Map.of(DataKeys.SUPPRESSED, held) : Map.of());
      }
      return;
    }
    if (!matches) {
      return;
    }
    String target = trigger.key();
    Guardrails.Decision d = guardrails.admit(spec.name(), target);
    Map<String, @Nullable Object> held =
        d.heldBack() > 0 ? Map.of(DataKeys.SUPPRESSED, d.heldBack()) : Map.of();
    if (!d.allowed()) {
      if (d.quiet()) {
        return; // the same suppression as the last record of this pair: counted, not repeated
      }
      ActionResult refused = d.refused();
      Instant next = d.nextAllowedAt();
      publish(
          spec.name(),
          trigger,
          refused == null ? ActionResult.SKIPPED : refused,
          d.attempt(),
          d.reason(),
          next == null ? null : next.toString(),
          held);
      return;
    }
    if (dryRun) {
      publish(spec.name(), trigger, ActionResult.DRY_RUN, d.attempt(), "dry run: would have run", null, held);
      return;
    }
    RunContext ctx = new RunContext(spec.name(), trigger, target, d.attempt());
    // the time limit is real time (a thread running user code), whatever clock the guardrails use
    Run run = new Run(spec, trigger, ctx, d.attempt(), held, System.nanoTime() + timeLimitNanos);
    try {
      inFlight.add(run);
      run.future = workers.submit(run);
    } catch (RejectedExecutionException e) {
      run.settle(new Outcome(
          ActionResult.FAILURE,
          closed ? "closed" : "workers busy: " + MAX_WORKERS + " earlier actions still running past their time limit"));
    }
  }

  /** Nanoseconds until the earliest running action's time limit, at most a second. */
  private long untilNextDeadline() {
    long now = System.nanoTime();
    long wait = TimeUnit.SECONDS.toNanos(1);
    for (Run r : inFlight) {
      wait = Math.min(wait, Math.max(0, r.deadline - now));
    }
    return Math.max(TimeUnit.MILLISECONDS.toNanos(1), wait);
  }

  /** Interrupts and records as failed every running action past its time limit. */
  private void expireRuns() {
    long now = System.nanoTime();
    for (Run r : inFlight) {
      if (now - r.deadline >= 0
          && r.settle(new Outcome(
              ActionResult.FAILURE,
              "timed out after " + Duration.ofNanos(timeLimitNanos) + " (interrupted)"))) {
        Future<?> f = r.future;
        if (f != null) {
          f.cancel(true);
        }
      }
    }
  }

  /**
   * A condition that throws usually throws on every signal (a field most signals lack): its
   * failure is published at most once per {@link #CONDITION_FAILURE_EVERY} per action, the
   * next record carrying how many were held back. Returns that count, or -1 to stay quiet.
   */
  private int conditionFailureToReport(String action) {
    long now = clock.nanoTime();
    long[] st = conditionFailures.get(action); // {last report nanos, held back}
    if (st == null) {
      conditionFailures.put(action, new long[] {now, 0});
      return 0;
    }
    if (now - st[0] < CONDITION_FAILURE_EVERY.toNanos()) {
      st[1]++;
      return -1;
    }
    int held = (int) Math.min(Integer.MAX_VALUE, st[1]);
    st[0] = now;
    st[1] = 0;
    return held;
  }

  private record Outcome(ActionResult result, @Nullable String reason) {}

  /**
   * One action run on a worker: it publishes its own record when it ends, unless the dispatcher
   * has settled it first (its time limit passed: interrupted, "timed out"). So a slow action
   * holds a worker, never the dispatcher nor the other actions.
   */
  private final class Run implements Runnable {
    final ActionSpec spec;
    final Signal trigger;
    final RunContext ctx;
    final int attempt;
    final Map<String, @Nullable Object> held;
    final long deadline;
    final AtomicBoolean settled = new AtomicBoolean();
    volatile @Nullable Future<?> future;

    Run(ActionSpec spec, Signal trigger, RunContext ctx, int attempt,
        Map<String, @Nullable Object> held, long deadline) {
      this.spec = spec;
      this.trigger = trigger;
      this.ctx = ctx;
      this.attempt = attempt;
      this.held = held;
      this.deadline = deadline;
    }

    @Override
    public void run() {
      Outcome o;
      try {
        ActionResult r = spec.action().run(ctx);
        o = r == null
            ? new Outcome(ActionResult.FAILURE, "the action returned null")
            : new Outcome(r, ctx.reason());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        o = new Outcome(ActionResult.FAILURE, closed ? "interrupted: Argos is closing" : "interrupted");
      } catch (Throwable t) { // the user's code: whatever it throws is its run's failure
        o = new Outcome(ActionResult.FAILURE, Throwables.describe(t));
      }
      settle(o);
    }

    /** Publishes {@code o} as this run's record, once; false when it was settled already. */
    boolean settle(Outcome o) {
      if (!settled.compareAndSet(false, true)) {
        return false;
      }
      inFlight.remove(this);
      Map<String, @Nullable Object> data = ctx.notes();
      data.putAll(held);
      publish(spec.name(), trigger, o.result, attempt, o.reason, null, data);
      return true;
    }
  }

  private void publish(
      String action,
      Signal trigger,
      ActionResult result,
      int attempt,
      @Nullable String reason,
      @Nullable String nextAllowedAt,
      Map<String, @Nullable Object> notes) {
    try {
      String target = trigger.key();
      Signal.Builder b =
          Signal.builder(Signal.TYPE_ACTION)
              .severity(result == ActionResult.FAILURE ? Severity.WARNING : Severity.INFO)
              .timestamp(clock.instant())
              .source("argos")
              .key(target)
              .message(message(action, target, result, attempt, reason));
      notes.forEach(b::data);
      b.data(DataKeys.ACTION, action)
          .data(DataKeys.RESULT, result.wireName())
          .data(DataKeys.TARGET, target)
          .data(DataKeys.TRIGGER, trigger.type());
      Object episode = trigger.data().get(DataKeys.EPISODE);
      if (episode != null) {
        b.data(DataKeys.EPISODE, episode);
      }
      if (Signal.TYPE_INCIDENT.equals(trigger.type()) && trigger.key() != null) {
        b.data(DataKeys.INCIDENT, trigger.key());
      }
      if (reason != null) {
        b.data(DataKeys.REASON, reason);
      }
      if (attempt > 0) {
        b.data(DataKeys.ATTEMPT, attempt);
      }
      if (nextAllowedAt != null) {
        b.data(DataKeys.NEXT_ALLOWED_AT, nextAllowedAt);
      }
      publish.emit(b.build());
    } catch (RuntimeException e) {
      log.warn("argos action {}: publishing its record failed: {}", action, Throwables.describe(e));
    }
  }

  private static String message(
      String action, @Nullable String target, ActionResult result, int attempt, @Nullable String reason) {
    StringBuilder sb = new StringBuilder(128);
    sb.append("action ").append(action);
    if (target != null) {
      sb.append(" on \"").append(SafeText.neutralise(target, 128)).append('"');
    }
    sb.append(": ").append(result.wireName());
    if (attempt > 0) {
      sb.append(" (attempt ").append(attempt).append(')');
    }
    if (reason != null) {
      sb.append(": ").append(SafeText.neutralise(reason, 256));
    }
    return sb.toString();
  }

  /** The context of one run; built-in actions reach the gate and the capture through it. */
  final class RunContext implements ActionContext {
    private final String name;
    private final Signal trigger;
    private final @Nullable String target;
    private final int attempt;
    private final List<Signal> recentSignals;
    // written by the worker, read by the dispatcher after Future.get (happens-before)
    private final Map<String, @Nullable Object> notes = new LinkedHashMap<>();
    private volatile @Nullable String reason;

    RunContext(String name, Signal trigger, @Nullable String target, int attempt) {
      this.name = name;
      this.trigger = trigger;
      this.target = target;
      this.attempt = attempt;
      this.recentSignals = new ArrayList<>(recent);
    }

    @Override
    public Signal trigger() {
      return trigger;
    }

    @Override
    public Agent agent() {
      return agent;
    }

    @Override
    public String actionName() {
      return name;
    }

    @Override
    public @Nullable String target() {
      return target;
    }

    @Override
    public int attempt() {
      return attempt;
    }

    @Override
    public synchronized void note(String name, @Nullable Object value) {
      if (name == null || RESERVED.contains(name)) {
        return;
      }
      if (notes.size() < MAX_NOTES || notes.containsKey(name)) {
        notes.put(name, value);
      }
    }

    /** Why a built-in skipped or failed (the record's {@code reason}). */
    void reason(String why) {
      this.reason = why;
    }

    @Nullable String reason() {
      return reason;
    }

    synchronized Map<String, @Nullable Object> notes() {
      return new LinkedHashMap<>(notes);
    }

    LoadShedGate gate() {
      return gate;
    }

    @Nullable EvidenceCapture capture() {
      return capture;
    }

    List<Signal> recentSignals() {
      return recentSignals;
    }

    Clock clock() {
      return clock;
    }

    /** What is left of the time limit, in nanoseconds. */
    long timeLimitNanos() {
      return timeLimitNanos;
    }
  }
}
