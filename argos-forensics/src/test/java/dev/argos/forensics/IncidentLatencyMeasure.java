package dev.argos.forensics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.DataKeys;
import dev.argos.core.Signal;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.observers.Thresholds;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures the time from an incident's first symptom (the stamp of the first {@code eventLoopLag}
 * signal of a blocked executor) to the incident's arrival at an {@code argos:incident} listener,
 * over a number of runs: a loop blocked on a lock another thread holds (structural evidence: the
 * lock owner) and a loop blocked in a long task (no structural evidence: the whole {@code
 * openWithin}). Figures for docs/forensics.md; not part of the normal build:
 *
 * <pre>
 * ./mvnw -B -o -pl argos-forensics -am test -Dtest=IncidentLatencyMeasure \
 *     -Dargos.measure=true -Dargos.runs=20 -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@EnabledIfSystemProperty(named = "argos.measure", matches = "true")
class IncidentLatencyMeasure {

  @Test
  void symptomToIncident() throws InterruptedException {
    int runs = Integer.getInteger("argos.runs", 20);
    List<Double> lock = new ArrayList<>();
    List<Double> plain = new ArrayList<>();
    for (int i = 0; i < 2 * runs; i++) {
      boolean withLock = i % 2 == 0;
      double ms = once(i, withLock);
      (withLock ? lock : plain).add(ms);
    }
    System.out.println(summary("lock owner (structural evidence)", lock));
    System.out.println(summary("long task (no structural evidence)", plain));
  }

  /**
   * What one evidence pass costs with many threads: 1 000 parked threads beside this JVM's own,
   * {@code maxThreadReads} 256 (the default) and 10 000 (all of them), 200 passes each after 50
   * to warm up (each setting twice: the first round warms the JIT; quote the second).
   */
  @Test
  void evidencePassCost() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    List<Thread> parked = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      Thread t = new Thread(() -> await(release), "parked-" + i);
      t.setDaemon(true);
      t.start();
      parked.add(t);
    }
    try {
      for (int maxReads : new int[] {256, 10_000, 256, 10_000}) {
        ThreadEvidence ev = new ThreadEvidence(maxReads, new CgroupCpu(CgroupCpu.locate()));
        List<Double> micros = new ArrayList<>();
        long reads0 = ev.reads();
        for (int i = 0; i < 250; i++) {
          long t0 = System.nanoTime();
          ev.pass(java.util.Set.of(), t0);
          if (i >= 50) {
            micros.add((System.nanoTime() - t0) / 1e3);
          }
        }
        Collections.sort(micros);
        System.out.printf(Locale.ROOT,
            "evidence pass, %d threads, maxThreadReads %d: %.0f reads/pass, p50 %.0f us, p99 %.0f us%n",
            Thread.activeCount(), maxReads, (ev.reads() - reads0) / 250.0, pct(micros, 0.5),
            pct(micros, 0.99));
      }
    } finally {
      release.countDown();
      for (Thread t : parked) {
        t.join(2000);
      }
    }
  }

  /** One run on a fresh Argos, agent and forensics (a JVM stall episode of a run ends with it). */
  private static double once(int i, boolean withLock) throws InterruptedException {
    Argos argos = Argos.createArgos(ArgosConfig.builder()
        .thresholds(Thresholds.builder().eventLoopLag(Duration.ofMillis(50)).build()).build());
    BlockingQueue<Signal> incidents = new LinkedBlockingQueue<>();
    BlockingQueue<Signal> lags = new LinkedBlockingQueue<>();
    ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "loop-1"));
    CountDownLatch release = new CountDownLatch(1);
    try (Agent agent = Agent.createAgent(AgentConfig.builder().observer(argos).build())) {
      Forensics.attach(agent, ForensicsConfig.defaults());
      agent.on(Agent.TOPIC_INCIDENT, s -> incidents.add(s.toBuilder()
          .data("receivedAt", Instant.now().toString()).build()));
      agent.on(Agent.topicOf(Signal.TYPE_EVENT_LOOP_LAG), s -> {
        if ("loop".equals(s.key()) && !s.isResolved()) {
          lags.add(s);
        }
      });
      argos.watch("loop", loop);
      // ordinary work first, so the watchdog knows the loop's thread
      for (int k = 0; k < 10; k++) {
        loop.execute(() -> LockSupport.parkNanos(1_000_000));
        LockSupport.parkNanos(10_000_000);
      }
      Object monitor = new Object();
      CountDownLatch held = new CountDownLatch(1);
      Thread holder = new Thread(() -> {
        synchronized (monitor) {
          held.countDown();
          await(release);
        }
      }, "holder-" + i);
      holder.setDaemon(true);
      if (withLock) {
        holder.start();
        held.await();
        loop.execute(() -> {
          synchronized (monitor) {
            monitor.notifyAll();
          }
        });
      } else {
        loop.execute(() -> await(release));
      }
      Signal open = next(incidents, s -> "open".equals(s.data().get(DataKeys.STATE)));
      Signal firstLag = lags.poll(1, TimeUnit.SECONDS);
      assertThat(firstLag).isNotNull();
      double ms = Duration.between(firstLag.timestamp(),
          Instant.parse(String.valueOf(open.data().get("receivedAt")))).toNanos() / 1e6;
      System.out.printf(Locale.ROOT, "run %d %s: %.1f ms, origin %s%n", i,
          withLock ? "lock" : "task", ms, open.data().get(DataKeys.ORIGIN));
      return ms;
    } finally {
      release.countDown();
      loop.shutdownNow();
      loop.awaitTermination(2, TimeUnit.SECONDS);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Signal next(BlockingQueue<Signal> q, java.util.function.Predicate<Signal> which)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      @Nullable Signal s = q.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (s == null) {
        throw new AssertionError("no incident in time");
      }
      if (which.test(s)) {
        return s;
      }
    }
  }

  private static String summary(String what, List<Double> ms) {
    List<Double> sorted = new ArrayList<>(ms);
    Collections.sort(sorted);
    return String.format(Locale.ROOT, "symptom to incident, %s: n=%d p50=%.0f ms p99=%.0f ms max=%.0f ms",
        what, sorted.size(), pct(sorted, 0.50), pct(sorted, 0.99), sorted.get(sorted.size() - 1));
  }

  private static double pct(List<Double> sorted, double p) {
    int i = (int) Math.ceil(p * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }
}
