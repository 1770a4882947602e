package dev.argos.forensics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/** threads.txt on real threads: owners pulled forward transitively, synchronizers, deadlocks. */
class ThreadDumpTest {

  /** Spins until {@code t} is in {@code state} (a real JVM state, reached within milliseconds). */
  static void awaitState(Thread t, Thread.State state) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != state) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(t.getName() + " never reached " + state + ", is " + t.getState());
      }
      Thread.onSpinWait();
    }
  }

  @Test
  void theOwnersOfTheLocksTheFirstThreadsWaitOnComeNextTransitively() throws Exception {
    ReentrantLock inner = new ReentrantLock();
    Object outer = new Object();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch rootHolds = new CountDownLatch(1);
    CountDownLatch middleHolds = new CountDownLatch(1);
    // root holds `inner` (a ReentrantLock) and waits; middle holds `outer` and waits for `inner`;
    // victim waits for `outer`: victim -> middle -> root
    Thread root = new Thread(() -> {
      inner.lock();
      try {
        rootHolds.countDown();
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        inner.unlock();
      }
    }, "dump-root-cause");
    Thread middle = new Thread(() -> {
      synchronized (outer) {
        middleHolds.countDown();
        inner.lock();
        inner.unlock();
      }
    }, "dump-middle");
    Thread victim = new Thread(() -> {
      synchronized (outer) {
        outer.hashCode();
      }
    }, "dump-victim");
    try {
      root.start();
      assertThat(rootHolds.await(10, TimeUnit.SECONDS)).isTrue();
      middle.start();
      assertThat(middleHolds.await(10, TimeUnit.SECONDS)).isTrue();
      awaitState(middle, Thread.State.WAITING);
      victim.start();
      awaitState(victim, Thread.State.BLOCKED);

      StringWriter out = new StringWriter();
      ThreadDump.write(out, List.of(victim.getId()), Instant.parse("2026-12-02T06:00:00Z"));
      String dump = out.toString();
      assertThat(dump).startsWith("Argos thread dump at 2026-12-02T06:00:00Z: ");
      int v = dump.indexOf("\n\"dump-victim\" #");
      int m = dump.indexOf("\n\"dump-middle\" #");
      int r = dump.indexOf("\n\"dump-root-cause\" #");
      assertThat(v).isPositive();
      assertThat(m).as("the owner of the victim's monitor next").isGreaterThan(v);
      assertThat(r).as("then the owner of the lock that owner waits for").isGreaterThan(m);
      assertThat(dump.indexOf("\n\"main\" #")).isGreaterThan(r);
      assertThat(dump.substring(m, r))
          .contains("owned by \"dump-root-cause\" #" + root.getId())
          .contains("- parking to wait for <0x")
          .contains("(a java.util.concurrent.locks.ReentrantLock$NonfairSync)")
          .contains("- locked <0x" + Integer.toHexString(System.identityHashCode(outer)));
      assertThat(dump.substring(r))
          .contains("Locked ownable synchronizers:")
          .contains("(a java.util.concurrent.locks.ReentrantLock$NonfairSync)");
      assertThat(dump).doesNotContain("Deadlock found");
    } finally {
      release.countDown();
      for (Thread t : List.of(root, middle, victim)) {
        t.join(10_000);
      }
    }
  }

  @Test
  void aDeadlockIsNamedAndNamesAreNeutralised() throws Exception {
    // a deadlock on interruptible locks, so the test can end it (monitors would stay stuck)
    ReentrantLock a = new ReentrantLock();
    ReentrantLock b = new ReentrantLock();
    CountDownLatch bothHold = new CountDownLatch(2);
    Thread t1 = new Thread(() -> cross(a, b, bothHold), "dead\nlock-1");
    Thread t2 = new Thread(() -> cross(b, a, bothHold), "deadlock-2");
    t1.start();
    t2.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!(b.hasQueuedThread(t1) && a.hasQueuedThread(t2))) {
        assertThat(System.nanoTime()).as("both threads wait for each other").isLessThan(deadline);
        Thread.onSpinWait();
      }
      StringWriter out = new StringWriter();
      ThreadDump.write(out, List.of(), Instant.EPOCH);
      String dump = out.toString();
      assertThat(dump).contains("\n\"dead\\nlock-1\" #" + t1.getId());
      assertThat(dump).doesNotContain("dead\nlock");
      assertThat(dump).contains("Deadlock found among 2 threads:");
      assertThat(dump.substring(dump.indexOf("Deadlock found")))
          .contains("\"deadlock-2\" #" + t2.getId() + " waits for <0x")
          .contains("held by \"dead\\nlock-1\" #" + t1.getId());
    } finally {
      t1.interrupt();
      t2.interrupt();
      t1.join(10_000);
      t2.join(10_000);
    }
    assertThat(t1.isAlive() || t2.isAlive()).isFalse();
  }

  /** Takes {@code first}, then, once both threads hold one, {@code second}; until interrupted. */
  private static void cross(ReentrantLock first, ReentrantLock second, CountDownLatch bothHold) {
    try {
      first.lockInterruptibly();
      try {
        bothHold.countDown();
        bothHold.await();
        second.lockInterruptibly();
        second.unlock();
      } finally {
        first.unlock();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
