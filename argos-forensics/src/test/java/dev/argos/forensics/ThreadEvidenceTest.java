package dev.argos.forensics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Evidence passes on real threads: lock owners through a chain, CPU and allocation deltas. */
class ThreadEvidenceTest {
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stopAll() throws InterruptedException {
    stop.set(true);
    release.countDown();
    for (Thread t : threads) {
      t.join(2000);
    }
  }

  private Thread spawn(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
    return t;
  }

  private void holdUntilReleased() {
    try {
      release.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void theOwnerAtTheEndOfAChainOfWaitingOwnersIsNamedWithItsStack() throws InterruptedException {
    Object first = new Object();
    Object second = new Object();
    CountDownLatch rootHolds = new CountDownLatch(1);
    CountDownLatch middleHolds = new CountDownLatch(1);
    spawn("root-owner", () -> {
      synchronized (second) {
        rootHolds.countDown();
        holdUntilReleased();
      }
    });
    rootHolds.await();
    Thread middle = spawn("middle", () -> {
      synchronized (first) {
        middleHolds.countDown();
        synchronized (second) {
          second.notifyAll();
        }
      }
    });
    middleHolds.await();
    Thread victim = spawn("victim", () -> {
      synchronized (first) {
        first.notifyAll();
      }
    });
    // the JVM decides when a thread counts as BLOCKED: wait for it (asynchronous by nature)
    await().atMost(Duration.ofSeconds(5)).until(() -> victim.getState() == Thread.State.BLOCKED
        && middle.getState() == Thread.State.BLOCKED);
    ThreadEvidence ev = new ThreadEvidence(256, new CgroupCpu(null));
    EvidencePass pass = ev.pass(Set.of("victim"), System.nanoTime());
    assertThat(pass.locks()).singleElement().satisfies(w -> {
      assertThat(w.victim()).isEqualTo("victim");
      assertThat(w.owner()).isEqualTo("root-owner");
      assertThat(w.lock()).startsWith("java.lang.Object@");
      assertThat(w.ownerStack()).anySatisfy(f -> assertThat(f).contains("holdUntilReleased"));
    });
  }

  @Test
  void aSpinningThreadShowsItsCpuAndAnAllocatingOneItsBytes() {
    spawn("spinner", () -> {
      long x = 0;
      while (!stop.get()) {
        x += System.nanoTime() & 1;
      }
      if (x == 42) {
        Thread.onSpinWait();
      }
    });
    spawn("allocator", () -> {
      Object[] keep = new Object[1024];
      int i = 0;
      while (!stop.get()) {
        keep[i++ & 1023] = new byte[4096];
        LockSupport.parkNanos(10_000);
      }
    });
    ThreadEvidence ev = new ThreadEvidence(256, new CgroupCpu(null));
    EvidencePass baseline = ev.pass(Set.of(), System.nanoTime());
    assertThat(baseline.windowNanos()).as("the first pass is a baseline").isZero();
    assertThat(baseline.threads()).isEmpty();
    // the workload runs on its own: the next pass has a window to show it in
    LockSupport.parkNanos(300_000_000);
    EvidencePass pass = ev.pass(Set.of(), System.nanoTime());
    assertThat(pass.windowNanos()).isPositive();
    assertThat(pass.threads()).anySatisfy(u -> {
      assertThat(u.name()).isEqualTo("spinner");
      assertThat(u.cpuShare()).isGreaterThan(0.1);
      assertThat(u.stack()).isNotEmpty();
    });
    assertThat(pass.threads()).anySatisfy(u -> {
      assertThat(u.name()).isEqualTo("allocator");
      assertThat(u.allocatedBytes()).isGreaterThan(1L << 20);
    });
    assertThat(pass.threads()).noneSatisfy(u -> assertThat(u.name()).isEqualTo(Thread.currentThread().getName()));
  }

  @Test
  void theIncidentMachinerysOwnThreadsAreNotEvidence() {
    for (String name : List.of(EvidenceCapture.THREAD_NAME, ActionRunner.THREAD_NAME + "-run-1", "app-spinner")) {
      spawn(name, () -> {
        long x = 0;
        while (!stop.get()) {
          x += System.nanoTime() & 1;
        }
        if (x == 42) {
          Thread.onSpinWait();
        }
      });
    }
    ThreadEvidence ev = new ThreadEvidence(256, new CgroupCpu(null));
    ev.pass(Set.of(), System.nanoTime());
    // the spinners run on their own: the next pass has a window to show them in
    LockSupport.parkNanos(300_000_000);
    EvidencePass pass = ev.pass(Set.of(), System.nanoTime());
    assertThat(pass.threads()).extracting(EvidencePass.ThreadUse::name).contains("app-spinner")
        .doesNotContain(EvidenceCapture.THREAD_NAME, ActionRunner.THREAD_NAME + "-run-1");
  }

  @Test
  void aPassReadsAtMostMaxReadsThreads() {
    ThreadEvidence ev = new ThreadEvidence(3, new CgroupCpu(null));
    ev.pass(Set.of(), System.nanoTime());
    assertThat(ev.reads()).isEqualTo(3);
    ev.pass(Set.of(), System.nanoTime());
    assertThat(ev.reads()).isEqualTo(6);
  }
}
