package dev.argos.core;

/**
 * Where an {@link Observer} emits its signals.
 *
 * <p>Guarantee: {@link #emit(Signal)} never blocks and never throws. When the agent's signal
 * queue (1 024 by default) is full, or the agent is closed, the signal is dropped and
 * counted, never queued without bound.
 */
@FunctionalInterface
public interface SignalSink {
  /** Hands one signal over for delivery; returns at once. */
  void emit(Signal signal);

  /** A sink that discards everything. */
  static SignalSink discarding() {
    return signal -> {};
  }
}
