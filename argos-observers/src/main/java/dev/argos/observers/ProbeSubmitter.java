package dev.argos.observers;

/**
 * Where the executor watchdog's probe submissions (calls to a watched executor's {@code
 * execute()}, user code) run: on the {@link Prober}'s thread in production, never on the
 * sampler thread.
 */
interface ProbeSubmitter {
  /** Queues {@code job}; never blocks; false when it cannot be taken now (full or closed). */
  boolean offer(Runnable job);

  /** Called on every check with the clock's time: lets a stuck submitter hand over its queue. */
  void maintain(long nowNanos);

  /** Stops, waiting up to {@code joinNanos}; idempotent. */
  void close(long joinNanos);
}
