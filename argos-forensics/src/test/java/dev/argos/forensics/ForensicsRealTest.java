package dev.argos.forensics;

import static dev.argos.forensics.CorrelatorTest.alternativeNames;
import static dev.argos.forensics.CorrelatorTest.chain;
import static dev.argos.forensics.CorrelatorTest.origin;
import static dev.argos.forensics.CorrelatorTest.step;
import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.DataKeys;
import dev.argos.core.Signal;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.observers.Thresholds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Incidents on a real JVM where the truth is known: a key flooding a watched executor, CPU hogs,
 * a lock held by another thread, allocation driving GC pauses. Each asserts the origin and the
 * chain, not just that an incident came.
 */
class ForensicsRealTest {
  private final BlockingQueue<Signal> incidents = new LinkedBlockingQueue<>();
  private final List<Signal> signals = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<Thread> workload = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private @Nullable Argos argos;
  private @Nullable Agent agent;
  private @Nullable ExecutorService pool;

  private Argos start(Duration lag) {
    Argos a = Argos.createArgos(ArgosConfig.builder()
        .thresholds(Thresholds.builder().eventLoopLag(lag).build())
        .build());
    Agent ag = Agent.createAgent(AgentConfig.builder().observer(a).build());
    ag.on(Agent.TOPIC_SIGNAL, signals::add);
    Forensics.attach(ag, ForensicsConfig.defaults());
    ag.on(Agent.TOPIC_INCIDENT, incidents::add);
    argos = a;
    agent = ag;
    return a;
  }

  @AfterEach
  void stopAll() throws InterruptedException {
    stop.set(true);
    for (Thread t : workload) {
      t.join(2000);
    }
    ExecutorService p = pool;
    if (p != null) {
      p.shutdownNow();
      p.awaitTermination(2, TimeUnit.SECONDS);
    }
    Agent ag = agent;
    if (ag != null) {
      ag.close();
    }
    assertThat(Thread.getAllStackTraces().keySet())
        .filteredOn(Thread::isAlive)
        .extracting(Thread::getName)
        .doesNotContain(Forensics.THREAD_NAME);
  }

  private Signal awaitIncident(Predicate<Signal> which, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    List<String> seen = new ArrayList<>();
    while (true) {
      long left = deadline - System.nanoTime();
      Signal s = incidents.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      if (s == null) {
        throw new AssertionError("no matching incident within " + timeoutMs + " ms; incidents: "
            + seen + "; signals: " + signals);
      }
      seen.add(s.toString());
      if (which.test(s)) {
        return s;
      }
    }
  }

  private static boolean chainHas(Signal incident, String type, @Nullable String key, String role) {
    for (Object o : chain(incident)) {
      Map<Object, @Nullable Object> m = CorrelatorTest.asMap(o);
      if (type.equals(m.get("type")) && (key == null || key.equals(m.get("key")))
          && role.equals(m.get("role"))) {
        return true;
      }
    }
    return false;
  }

  private Thread spawn(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    workload.add(t);
    t.start();
    return t;
  }

  private static void spin(long nanos) {
    long end = System.nanoTime() + nanos;
    long x = 0;
    while (System.nanoTime() < end) {
      x += System.identityHashCode(Long.valueOf(x)) & 1;
    }
    if (x == 42) {
      Thread.onSpinWait();
    }
  }

  @Test
  void aKeyFloodingAWatchedExecutorIsTheOrigin() throws InterruptedException {
    Argos a = start(Duration.ofMillis(50));
    ExecutorService orders = Executors.newSingleThreadExecutor(r -> new Thread(r, "orders-1"));
    pool = orders;
    a.watch("orders", orders);
    long t0 = System.nanoTime();
    // the flood: 200 requests/s from one key among 200 ordinary ones (a burst: 100/s from one key
    // is one during warm-up), each a small
    // task for the executor; from 1.5 s on it sends 1 000/s of 2 ms tasks: the executor falls behind
    spawn("flooder", () -> {
      int n = 0;
      while (!stop.get() && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(8)) {
        boolean heavy = System.nanoTime() - t0 > TimeUnit.MILLISECONDS.toNanos(1500);
        a.recordRequest("mallory");
        a.recordRequest("user-" + (n++ % 200)); // ordinary clients, about 1 request/s each
        orders.execute(() -> LockSupport.parkNanos(heavy ? 2_000_000 : 100_000));
        LockSupport.parkNanos(heavy ? 1_000_000 : 5_000_000);
      }
    });
    Signal inc = awaitIncident(s -> chainHas(s, Signal.TYPE_EVENT_LOOP_LAG, "orders", "symptom"), 10_000);
    assertThat(origin(inc)).as("%s; signals %s", inc, signals).containsEntry("kind", "key").containsEntry("name", "mallory")
        .containsEntry("type", "burst");
    assertThat(step(inc, 0)).containsEntry("type", "burst").containsEntry("key", "mallory")
        .containsEntry("role", "origin");
    assertThat((String) inc.data().get(DataKeys.WHY)).contains("before executor \"orders\" lagged");
    assertThat((double) inc.data().get(DataKeys.CONFIDENCE)).isGreaterThan(0.4);
    assertThat(alternativeNames(inc)).doesNotContain("orders-1");
  }

  @Test
  void aThreadHoldingTheLockAStalledLoopWaitsOnIsTheOrigin() throws InterruptedException {
    Argos a = start(Duration.ofMillis(50));
    ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "loop-1"));
    pool = loop;
    a.watch("loop", loop);
    Object lock = new Object();
    CountDownLatch held = new CountDownLatch(1);
    spawn("lock-holder", () -> holdTheLock(lock, held));
    held.await(5, TimeUnit.SECONDS);
    // the loop's ordinary work for a moment (Argos's probes run between its tasks), then a task
    // that needs the lock
    for (int i = 0; i < 20; i++) {
      loop.execute(() -> LockSupport.parkNanos(1_000_000));
      LockSupport.parkNanos(10_000_000);
    }
    loop.execute(() -> {
      synchronized (lock) {
        lock.notifyAll();
      }
    });
    Signal inc = awaitIncident(s -> "lock".equals(origin(s).get("kind")), 8_000);
    assertThat(origin(inc)).containsEntry("name", "lock-holder").containsEntry("type", "eventLoopLag");
    Map<Object, @Nullable Object> first = step(inc, 0);
    assertThat(first).containsEntry("type", "lock").containsEntry("key", "lock-holder")
        .containsEntry("role", "origin");
    assertThat((String) first.get("lock")).startsWith("java.lang.Object@");
    assertThat(CorrelatorTest.asList(first.get("stack")))
        .anySatisfy(f -> assertThat((String) f).contains("ForensicsRealTest.holdTheLock"));
    assertThat(chainHas(inc, Signal.TYPE_EVENT_LOOP_LAG, "loop", "symptom")).isTrue();
    assertThat((String) inc.data().get(DataKeys.WHY)).contains("\"loop-1\" waits on");
    // the victim is not offered as another origin
    assertThat(alternativeNames(inc)).doesNotContain("loop-1");
  }

  private void holdTheLock(Object lock, CountDownLatch held) {
    synchronized (lock) {
      held.countDown();
      while (!stop.get()) {
        LockSupport.parkNanos(10_000_000);
      }
    }
  }

  @Test
  void cpuHogsStarvingTheProcessAreTheOrigin() throws InterruptedException {
    // what an earlier test left on the heap must not be collected in stop-the-world pauses here
    // (a GC pause is structural evidence and would rightly outweigh the hogs): collect it first
    System.gc();
    Argos a = start(Duration.ofMillis(5));
    ExecutorService ticker = Executors.newSingleThreadExecutor(r -> new Thread(r, "ticker-1"));
    pool = ticker;
    a.watch("ticker", ticker);
    // four runnable hogs per core: each gets little of a core, together they starve the rest
    int hogs = 4 * Runtime.getRuntime().availableProcessors();
    for (int i = 0; i < hogs; i++) {
      spawn("hog-" + i, () -> {
        while (!stop.get()) {
          spin(1_000_000);
        }
      });
    }
    Signal inc = awaitIncident(s -> "thread".equals(origin(s).get("kind"))
        && String.valueOf(origin(s).get("name")).startsWith("hog-"), 10_000);
    Map<Object, @Nullable Object> first = step(inc, 0);
    assertThat(first).containsEntry("type", "thread").containsEntry("role", "origin");
    assertThat((String) first.get("key")).startsWith("hog-");
    assertThat(CorrelatorTest.asList(first.get("stack")))
        .anySatisfy(f -> assertThat((String) f).contains("ForensicsRealTest"));
    assertThat(chain(inc).subList(1, chain(inc).size()))
        .allSatisfy(o -> assertThat(CorrelatorTest.asMap(o)).containsEntry("type", "eventLoopLag"));
    assertThat((String) inc.data().get(DataKeys.WHY)).contains("of a core (").contains("of the process's CPU) while the JVM or an executor was late");
    assertThat((double) inc.data().get(DataKeys.CONFIDENCE)).isLessThanOrEqualTo(Scorer.BEHAVIOURAL_CAP);
  }

  @Test
  void allocationDrivingGcPausesNamesTheAllocatingThread() throws InterruptedException {
    start(Duration.ofMillis(20));
    // keeps ~256 MB live and replaces it fast: young collections copy much, so they pause
    spawn("churner", () -> {
      Object[] ring = new Object[256 * 1024];
      int i = 0;
      while (!stop.get()) {
        ring[i] = new long[128];
        i = (i + 1) % ring.length;
      }
    });
    Signal inc = awaitIncident(s -> "allocation".equals(origin(s).get("kind")), 12_000);
    assertThat(origin(inc)).containsEntry("name", "churner").containsEntry("type", "eventLoopLag");
    assertThat(step(inc, 0)).containsEntry("type", "allocation").containsEntry("key", "churner")
        .containsEntry("role", "origin");
    assertThat(step(inc, 1)).containsEntry("type", "gc").containsEntry("role", "propagation");
    assertThat(chainHas(inc, Signal.TYPE_EVENT_LOOP_LAG, "jvm", "symptom")).isTrue();
    assertThat((String) inc.data().get(DataKeys.WHY)).contains("allocated").contains("drove the");
  }
}
