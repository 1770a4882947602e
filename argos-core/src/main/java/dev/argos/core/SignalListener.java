package dev.argos.core;

/**
 * Receives signals from an {@link Agent} topic.
 *
 * <p>Contract: a listener should return quickly and should not throw. Argos does not rely on
 * it: each subscription has its own bounded queue (1 024 signals by default) drained on a
 * pool thread, so a listener that blocks only delays itself; once its queue is full further
 * signals for it are dropped and counted, and reported on {@code argos:error}. A listener
 * that throws is reported once on {@code argos:error} and keeps receiving signals. Signals
 * reach one subscription one at a time, in the order they were emitted.
 */
@FunctionalInterface
public interface SignalListener {
  /** Called with each signal of the subscribed topic. */
  void onSignal(Signal signal);
}
