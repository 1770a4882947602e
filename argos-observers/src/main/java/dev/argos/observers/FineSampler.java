package dev.argos.observers;

/**
 * A {@link Sampler} that also wants to run between ticks: the {@code argos-sampler} thread parks
 * in slices of at most {@link #resolutionNanos()} and calls {@link #onWake} after each one, on
 * the sampler thread. {@link #onWake} runs many times a second: it must be quick and should not
 * allocate.
 */
interface FineSampler extends Sampler {
  /**
   * The longest slice this sampler tolerates between two wake-ups now, in nanoseconds (> 0);
   * {@code Long.MAX_VALUE} when it needs no wake-up between ticks at the moment. The sampler
   * thread asks before every park, so the answer may change (an executor watchdog with nothing
   * to watch needs no slices); it must be cheap.
   */
  long resolutionNanos();

  /**
   * Called after each park of the sampler thread: it went to sleep at {@code parkStartNanos},
   * asked to wake at {@code dueNanos}, and woke at {@code wakeNanos} (all clock nanoTime).
   */
  void onWake(long parkStartNanos, long dueNanos, long wakeNanos);
}
