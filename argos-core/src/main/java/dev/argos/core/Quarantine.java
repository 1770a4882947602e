package dev.argos.core;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A set of keys (client addresses, user ids, API keys) that the application should refuse or
 * slow down for a while.
 *
 * <p>{@link #isQuarantined(String)} is meant for the application's hot path: implementations
 * shipped with Argos answer in constant time without locking or allocating (for keys of at most
 * {@value Signal#MAX_KEY_LENGTH} characters).
 *
 * <p>Keys: every method takes a key of any length and applies {@link
 * Signal#canonicalKey(String)} to it, so a key, its canonical form and a signal's {@link
 * Signal#key()} all name the same entry: a client is quarantined under the key it was detected
 * with, and no other client is. Implementations of this interface must do the same.
 *
 * <p>Nulls: a null key is never quarantined ({@code isQuarantined(null)} and {@code
 * release(null)} are false, {@code quarantine(null, ...)} does nothing and returns false);
 * none of these methods throws for it.
 *
 * <p>Changes (quarantined, released, expired, evicted) are signals of type {@value
 * Signal#TYPE_QUARANTINE}: an {@link Agent} receives them through {@link #publishTo(SignalSink)}
 * and publishes them on {@code argos:quarantine}; without an agent, {@link
 * #onChange(SignalListener)} registers a listener directly.
 */
public interface Quarantine {
  /**
   * True while {@code key} is quarantined. Never throws; false for null; non-blocking.
   */
  boolean isQuarantined(@Nullable String key);

  /**
   * Quarantines {@code key} for the quarantine's default time-to-live.
   *
   * @return true when the key entered quarantine or had its term extended; false for a null key
   */
  boolean quarantine(@Nullable String key, Severity severity, String reason);

  /**
   * Quarantines {@code key} for {@code ttl}.
   *
   * @return true when the key entered quarantine or had its term extended; false for a null key
   */
  boolean quarantine(@Nullable String key, Duration ttl, Severity severity, String reason);

  /**
   * Releases {@code key} now.
   *
   * @return true when it was quarantined; false for a null key
   */
  boolean release(@Nullable String key);

  /** Number of keys quarantined now. */
  int size();

  /**
   * Registers a listener for changes (quarantined, released, expired, evicted), delivered as
   * signals of type {@value Signal#TYPE_QUARANTINE} with the key and {@code data.action}. For
   * using a quarantine without an agent; an agent uses {@link #publishTo(SignalSink)}.
   * Implementations say on which thread and under which lock the listener runs.
   */
  default Subscription onChange(SignalListener listener) {
    return () -> {};
  }

  /**
   * Hands every change, as the quarantine makes it, to {@code sink}: synchronously, on the
   * thread that made the change, in the order the changes were made. A {@link SignalSink}
   * never blocks and never throws, so a quarantine may call it while it holds its own lock.
   * This is how an {@link Agent} receives the changes it publishes on {@code argos:quarantine}
   * (its sink is the agent's bounded bus). Closing the subscription stops the hand-over.
   *
   * <p>The default registers {@code sink::emit} with {@link #onChange(SignalListener)}.
   */
  default Subscription publishTo(SignalSink sink) {
    return onChange(sink::emit);
  }

  /** A quarantine that never quarantines anything: what an agent uses when none is set. */
  static Quarantine none() {
    return NoQuarantine.INSTANCE;
  }
}
