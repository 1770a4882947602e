package dev.argos.observers;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A class whose initializer blocks for {@link #PARK_MILLIS}: a virtual thread that initializes it
 * is pinned to its carrier meanwhile, on every JDK with virtual threads (JDK 24's JEP 491 ended
 * pinning inside {@code synchronized}, not inside a class initializer, which the VM calls through
 * a native frame). Loaded afresh by {@link VirtualThreadsRealTest.Fresh} for each pinning.
 */
final class PinningInit {
  static final long PARK_MILLIS = 100;

  static {
    // the workload under test: blocking while pinned (not a wait for Argos)
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PARK_MILLIS));
  }

  private PinningInit() {}
}
