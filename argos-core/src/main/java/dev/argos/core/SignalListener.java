package dev.argos.core;

/**
 * Receives signals from an {@link Agent} topic.
 *
 * <p>Contract: a listener should return quickly and should not throw. Argos does not rely on
 * it: each subscription has its own bounded queue (1 024 signals by default) drained on a
 * pool thread, so a listener that blocks only delays itself; once its queue is full further
 * signals for it are dropped and counted, and reported on {@code argos:error}. A listener
 * that throws keeps receiving every signal; its failures are reported on {@code argos:error}
 * (kind {@code listenerFailed}, with the count of failures so far) at most once per 10 s per
 * subscription, the exception described by its class and its neutralised message. A listener
 * of {@code argos:error} that throws is logged once and never reported, so it cannot feed
 * itself. Signals reach one subscription one at a time, in the order they were emitted.
 */
@FunctionalInterface
public interface SignalListener {
  /** Called with each signal of the subscribed topic. */
  void onSignal(Signal signal);
}
