package dev.argos.observers;

import java.util.Map;

/**
 * One detector driven by the {@code argos-sampler} thread. Implementations get their clock,
 * thresholds and signal sink when constructed; {@link #tick(long)} runs on the sampler thread
 * only, so a sampler's window state needs no locking. Every detector shares that thread: a
 * sampler must not block, nor call user code that may (the executor watchdog hands its {@code
 * execute()} calls to the {@link Prober}); one that does anyway is reported from outside the
 * thread ({@link SamplerLiveness}).
 */
interface Sampler {
  /** Short name, used in error reports. */
  String name();

  /** One sample; {@code nowNanos} is the clock's {@code nanoTime()} for this tick. */
  void tick(long nowNanos);

  /** Adds this sampler's current figures (JSON-friendly values) to a snapshot. */
  default void snapshot(Map<String, Object> into) {}

  /** Releases what the sampler holds (listeners, MXBean notifications). */
  default void close() {}
}
