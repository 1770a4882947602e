package dev.argos.core;

import java.time.Duration;

/**
 * A set of keys (client addresses, user ids, API keys) that the application should refuse or
 * slow down for a while.
 *
 * <p>{@link #isQuarantined(String)} is meant for the application's hot path: implementations
 * shipped with Argos answer in constant time without locking or allocating. Changes are
 * reported to {@link #onChange(SignalListener) change listeners} as signals of type {@value
 * Signal#TYPE_QUARANTINE}, which an {@link Agent} republishes on {@code argos:quarantine}.
 */
public interface Quarantine {
  /** True while {@code key} is quarantined. Never throws; a null-free, non-blocking call. */
  boolean isQuarantined(String key);

  /**
   * Quarantines {@code key} for the quarantine's default time-to-live.
   *
   * @return true when the key entered quarantine or had its term extended
   */
  boolean quarantine(String key, Severity severity, String reason);

  /**
   * Quarantines {@code key} for {@code ttl}.
   *
   * @return true when the key entered quarantine or had its term extended
   */
  boolean quarantine(String key, Duration ttl, Severity severity, String reason);

  /**
   * Releases {@code key} now.
   *
   * @return true when it was quarantined
   */
  boolean release(String key);

  /** Number of keys quarantined now. */
  int size();

  /**
   * Registers a listener for changes (quarantined, released, expired, evicted), delivered as
   * signals of type {@value Signal#TYPE_QUARANTINE} with the key and {@code data.action}.
   */
  default Subscription onChange(SignalListener listener) {
    return () -> {};
  }

  /** A quarantine that never quarantines anything: what an agent uses when none is set. */
  static Quarantine none() {
    return NoQuarantine.INSTANCE;
  }
}
