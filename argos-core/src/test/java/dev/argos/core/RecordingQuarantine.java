package dev.argos.core;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A minimal quarantine for the agent's tests (the real one is in argos-signals). */
final class RecordingQuarantine implements Quarantine {
  private final Set<String> keys = ConcurrentHashMap.newKeySet();
  private final List<SignalListener> listeners = new CopyOnWriteArrayList<>();

  @Override
  public boolean isQuarantined(String key) {
    return keys.contains(key);
  }

  @Override
  public boolean quarantine(String key, Severity severity, String reason) {
    return quarantine(key, Duration.ofMinutes(5), severity, reason);
  }

  @Override
  public boolean quarantine(String key, Duration ttl, Severity severity, String reason) {
    boolean added = keys.add(key);
    Signal change =
        Signal.builder(Signal.TYPE_QUARANTINE).key(key).severity(severity).message(reason)
            .data("action", "quarantined").data("ttlMs", ttl.toMillis()).build();
    listeners.forEach(l -> l.onSignal(change));
    return added;
  }

  @Override
  public boolean release(String key) {
    return keys.remove(key);
  }

  @Override
  public int size() {
    return keys.size();
  }

  @Override
  public Subscription onChange(SignalListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }
}
