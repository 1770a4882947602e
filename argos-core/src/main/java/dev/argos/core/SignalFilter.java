package dev.argos.core;

import org.jspecify.annotations.Nullable;

/**
 * A stage of the agent's signal pipeline (dedup, escalation, rate limits: see {@code
 * argos-signals}). Filters run in order on the agent's dispatcher thread, before any
 * listener, so they must be fast and must not block. A filter that throws is skipped for that
 * signal and reported on {@code argos:error} (kind {@code filterFailed}, at most once per 10 s
 * per filter class).
 */
@FunctionalInterface
public interface SignalFilter {
  /** Returns the signal to deliver (the same one or a changed copy), or null to drop it. */
  @Nullable Signal apply(Signal signal);
}
