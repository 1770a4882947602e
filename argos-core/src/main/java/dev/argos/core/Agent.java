package dev.argos.core;

/**
 * The in-process signal bus: starts the configured {@link Observer}s, runs every signal
 * through the {@link SignalFilter}s and {@link QuarantineHook}s, and delivers it to the
 * listeners of its topics.
 *
 * <h2>Topics</h2>
 *
 * <ul>
 *   <li>{@value #TOPIC_SIGNAL}: every signal (not quarantine changes or Argos's own errors);
 *   <li>{@value #TOPIC_SIGNAL}{@code :<type>}: signals of one type, e.g. {@code
 *       argos:signal:burst};
 *   <li>{@value #TOPIC_QUARANTINE}: a key entered or left quarantine (type {@value
 *       Signal#TYPE_QUARANTINE});
 *   <li>{@value #TOPIC_ERROR}: Argos's own faults (type {@value Signal#TYPE_ERROR}): an
 *       observer, filter, hook or listener threw, or signals were dropped;
 *   <li>{@value #TOPIC_INCIDENT}: incidents (type {@value Signal#TYPE_INCIDENT}), published by
 *       {@code argos-forensics} when it is attached;
 *   <li>{@value #TOPIC_ACTION}: actions run under guardrails (type {@value
 *       Signal#TYPE_ACTION}), published by {@code argos-forensics}.
 * </ul>
 *
 * <p>Signals of the types {@value Signal#TYPE_INCIDENT} and {@value Signal#TYPE_ACTION} go to
 * their own topic only, and, like quarantine changes and errors, skip the {@link
 * SignalFilter}s.
 *
 * <h2>Guarantees</h2>
 *
 * <p>Emitting never blocks an observer: signals pass through one bounded queue (1 024 by
 * default) to a dispatcher thread, then into one bounded queue per subscription drained on a
 * pool of daemon threads, so a slow or blocked listener delays only itself. Each subscription
 * sees its signals at most once, in emission order. Overflow anywhere is dropped, counted and
 * reported on {@value #TOPIC_ERROR}. Signals of one type beyond the flood limit (5 000 a
 * minute by default) are dropped and counted; past 1 024 types in a minute the further types
 * share one limit, reported as "other types".
 *
 * <p>Errors: every {@value #TOPIC_ERROR} report is rate-limited (one per subject per 10 s, 100
 * in all per 10 s; what is held back is counted in the next report) and logged as one WARN
 * line, user exceptions described by class and neutralised message, never printed verbatim.
 *
 * <p>{@link #close()} is idempotent and returns within about the configured close timeout (500
 * ms by default), plus about 100 ms per observer whose {@code close()} ignores interrupts, even
 * with a blocked listener or a hanging observer. It leaves no thread running, with two
 * exceptions, both daemon threads reported or documented: the {@code argos-closer} thread of an
 * observer whose {@code close()} ignores interrupts (until that call returns), and the pool
 * thread of a listener stuck in code that ignores interrupts (until it returns). See {@link
 * Observer}.
 */
public interface Agent extends AutoCloseable {
  /** Every signal. */
  String TOPIC_SIGNAL = "argos:signal";
  /** Quarantine changes. */
  String TOPIC_QUARANTINE = "argos:quarantine";
  /** Argos's own faults. */
  String TOPIC_ERROR = "argos:error";
  /** Incidents ({@code argos-forensics}): signals of type {@value Signal#TYPE_INCIDENT}. */
  String TOPIC_INCIDENT = "argos:incident";
  /** Actions run under guardrails ({@code argos-forensics}): type {@value Signal#TYPE_ACTION}. */
  String TOPIC_ACTION = "argos:action";

  /** Creates an agent and starts its observers. */
  static Agent createAgent(AgentConfig config) {
    return DefaultAgent.start(config);
  }

  /** The topic of one signal type: {@code argos:signal:<type>}. */
  static String topicOf(String type) {
    return TOPIC_SIGNAL + ":" + type;
  }

  /**
   * Subscribes {@code listener} to {@code topic}.
   *
   * @throws IllegalArgumentException if the topic is not one of those listed above
   * @throws IllegalStateException if the agent is closed
   */
  Subscription on(String topic, SignalListener listener);

  /**
   * Publishes a signal of the application's own, exactly as if an observer emitted it (source
   * {@code "app"} when empty). Never blocks, never throws.
   */
  void publish(Signal signal);

  /**
   * Closes {@code resource} when this agent closes: after its observers, before delivery stops,
   * each resource once, in the order given, a failure reported on {@value #TOPIC_ERROR} and
   * never thrown. For extensions attached after the agent was created ({@code
   * Forensics.attach}, a live page): their {@code close()} must be prompt, it runs within the
   * agent's close timeout. Closing the returned subscription forgets the resource (it is then
   * not closed by the agent).
   *
   * @throws IllegalStateException if the agent is closed
   */
  Subscription closeWith(AutoCloseable resource);

  /** The configured quarantine, or {@link Quarantine#none()}. */
  Quarantine quarantine();

  /**
   * Signals dropped so far: queue overflow, the flood guard, or full listener queues (each drop
   * for each subscription counted once). Not counted: signals a filter chose to drop, and
   * {@value #TOPIC_ERROR} reports held back by their rate limit (the next report of the same
   * subject carries how many in {@code data.suppressed}).
   */
  long droppedSignals();

  /**
   * Stops observers and delivery. Idempotent and bounded in time: see the class documentation
   * for the bound and the only threads that can outlive it.
   */
  @Override
  void close();
}
