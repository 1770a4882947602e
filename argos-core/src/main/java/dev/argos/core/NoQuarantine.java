package dev.argos.core;

import java.time.Duration;

/** The quarantine that never quarantines. */
enum NoQuarantine implements Quarantine {
  INSTANCE;

  @Override
  public boolean isQuarantined(String key) {
    return false;
  }

  @Override
  public boolean quarantine(String key, Severity severity, String reason) {
    return false;
  }

  @Override
  public boolean quarantine(String key, Duration ttl, Severity severity, String reason) {
    return false;
  }

  @Override
  public boolean release(String key) {
    return false;
  }

  @Override
  public int size() {
    return 0;
  }

  @Override
  public String toString() {
    return "Quarantine.none()";
  }
}
