package dev.argos.core;

import java.time.Instant;

/** {@link Clock#system()}. */
enum SystemClock implements Clock {
  INSTANCE;

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Instant instant() {
    return Instant.now();
  }

  @Override
  public String toString() {
    return "Clock.system()";
  }
}
