package dev.argos.core;

/** A listener's registration on a topic; {@link #close()} removes it. Idempotent. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  /** Stops delivery to the listener. Signals already queued for it are discarded. */
  @Override
  void close();
}
