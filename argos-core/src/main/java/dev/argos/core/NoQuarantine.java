package dev.argos.core;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The quarantine that never quarantines. */
enum NoQuarantine implements Quarantine {
  INSTANCE;

  @Override
  public boolean isQuarantined(@Nullable String key) {
    return false;
  }

  @Override
  public boolean quarantine(@Nullable String key, Severity severity, String reason) {
    return false;
  }

  @Override
  public boolean quarantine(
      @Nullable String key, Duration ttl, Severity severity, String reason) {
    return false;
  }

  @Override
  public boolean release(@Nullable String key) {
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
