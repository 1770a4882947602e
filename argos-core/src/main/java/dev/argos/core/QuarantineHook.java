package dev.argos.core;

/**
 * Decides which signals quarantine which keys. Hooks run on their own delivery queue, never on
 * an observer's thread; a hook that throws is reported on {@code argos:error}.
 *
 * <p>Without a hook of the user's, an agent with a quarantine uses the default: a {@code
 * burst} signal that names a key quarantines that key for the quarantine's default TTL.
 */
@FunctionalInterface
public interface QuarantineHook {
  /** Called for every signal delivered on {@code argos:signal}. */
  void onSignal(Signal signal, Quarantine quarantine);

  /**
   * The default hook: a keyed {@code burst} signal (WARNING or CRITICAL) quarantines its key.
   * The signal's key is already in {@linkplain Signal#canonicalKey(String) canonical form}, the
   * form the quarantine stores: a client whose key is longer than {@value
   * Signal#MAX_KEY_LENGTH} characters is quarantined under its own key (so {@code
   * isQuarantined(fullKey)} is true), never under a cut prefix that another client may have.
   */
  static QuarantineHook burstKeys() {
    return (signal, quarantine) -> {
      String key = signal.key();
      if (key != null
          && Signal.TYPE_BURST.equals(signal.type())
          && signal.severity() != Severity.INFO) {
        quarantine.quarantine(key, signal.severity(), signal.message());
      }
    };
  }
}
