package dev.argos.core;

/**
 * Something that watches the JVM or the application and emits {@link Signal}s.
 *
 * <p>The {@link Agent} calls {@link #start(Context)} once when it is created and {@link
 * #close()} once when it closes. The default {@link #start(Context)} calls {@link
 * #start(SignalSink)} with the context's sink, so an observer that only emits implements {@link
 * #start(SignalSink)} alone; one that also wants to listen on the agent's topics (as {@code
 * Argos} does for its {@code onAnomaly} listeners) overrides {@link #start(Context)}. An
 * observer that throws from either is reported on {@code argos:error} and does not stop the
 * others. Signals without a {@link Signal#source()} get the observer's {@link #name()}.
 *
 * <p>{@link #close()} should return promptly. The agent calls it on a helper thread, {@code
 * argos-closer-<agent>-<n>}, and waits at most about three quarters of its close timeout; then
 * it interrupts that thread and, after a short grace (at most 100 ms), reports the observer on
 * {@code argos:error} and goes on. A {@code close()} that honours the interrupt leaves no thread
 * behind; one that ignores interrupts keeps that one daemon thread alive until it returns (with
 * a listener stuck the same way, the only threads an agent can leave behind), and the
 * observers after it are closed by a fresh helper.
 */
public interface Observer extends AutoCloseable {
  /** A short stable name, used as the default source of its signals and in error reports. */
  String name();

  /** Starts observing; signals go to {@code sink}. Should return promptly. */
  void start(SignalSink sink);

  /**
   * Starts observing inside an agent: signals go to {@link Context#sink()}, and listeners may
   * be subscribed on the agent's topics with {@link Context#on(String, SignalListener)}. The
   * default calls {@link #start(SignalSink)}. Should return promptly.
   */
  default void start(Context context) {
    start(context.sink());
  }

  /** Stops observing and releases every thread and resource. Idempotent; should be prompt. */
  @Override
  void close();

  /**
   * What an {@link Agent} hands to an observer it starts: where to emit, and the agent's own
   * topics to listen on (one bus: the listeners see what the agent's other listeners see, after
   * its filters and flood guard). Valid until the agent closes.
   */
  interface Context {
    /** Where the observer emits; see {@link SignalSink}. */
    SignalSink sink();

    /**
     * Subscribes {@code listener} to {@code topic} of the agent, exactly as {@link
     * Agent#on(String, SignalListener)}. The agent closes such subscriptions when it closes; the
     * observer may close them earlier.
     *
     * @throws IllegalArgumentException if the topic is not one of {@link Agent}'s
     * @throws IllegalStateException if the agent is closed
     */
    Subscription on(String topic, SignalListener listener);
  }
}
