package dev.argos.examples;

import static dev.argos.core.Agent.createAgent;
import static dev.argos.observers.Argos.createArgos;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.DataKeys;
import dev.argos.core.Signal;
import dev.argos.core.internal.SafeText;
import dev.argos.forensics.Forensics;
import dev.argos.forensics.ForensicsConfig;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.observers.Thresholds;
import java.nio.file.Path;
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
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * One incident end to end: an order loop (a watched single-thread executor) blocks on a lock that
 * a nightly report job holds for 2 s. Argos sees the loop stall ({@code eventLoopLag}, WARNING,
 * then CRITICAL at 500 ms); {@code argos-forensics} groups it into an incident, names the origin
 * (the report job, the lock's owner, with its stack: not the loop that waits), says why and with
 * what confidence, captures the evidence bundle at CRITICAL and prints where it is, then the
 * incident resolves once all its episodes have ended. Runs about 6 to 20 seconds.
 *
 * <p>Run it: {@code ./mvnw -B -q -pl argos-examples -am -DskipTests compile exec:java
 * -Dargos.main=dev.argos.examples.IncidentDemo}
 */
public final class IncidentDemo {
  private IncidentDemo() {}

  public static void main(String[] args) throws Exception {
    run(Path.of("target", "argos-evidence"), System.out::println);
  }

  /** Runs the demo, printing to {@code out}; returns the incident signals in order. */
  static List<Signal> run(Path evidenceDir, Consumer<String> out) throws InterruptedException {
    Argos argos = createArgos(ArgosConfig.builder()
        .thresholds(Thresholds.builder().eventLoopLag(Duration.ofMillis(50)).build())
        .build());
    BlockingQueue<Signal> incidents = new LinkedBlockingQueue<>();
    List<Signal> all = new ArrayList<>();
    ExecutorService orders = Executors.newSingleThreadExecutor(r -> new Thread(r, "orders-loop"));
    Object ledger = new Object();
    CountDownLatch held = new CountDownLatch(1);
    Thread report = new Thread(() -> nightlyReport(ledger, held), "nightly-report");
    report.setDaemon(true);
    try (Agent agent = createAgent(AgentConfig.builder().observer(argos).build())) {
      // 1. Forensics on the agent: incidents on argos:incident, bundles under evidenceDir.
      Forensics.attach(agent, ForensicsConfig.builder().evidenceDir(evidenceDir).build());
      agent.on(Agent.TOPIC_INCIDENT, incidents::add);
      agent.on(Agent.TOPIC_SIGNAL, s -> out.accept("  signal: " + s.type() + " " + s.severity()
          + " " + s.key() + ": " + SafeText.neutralise(s.message(), 160)));
      argos.watch("orders-loop", orders);
      out.accept("orders-loop runs its tasks; Argos watches it (lag threshold 50 ms)");
      for (int i = 0; i < 20; i++) {
        orders.execute(() -> LockSupport.parkNanos(1_000_000));
        LockSupport.parkNanos(10_000_000);
      }
      // 2. The report job takes the ledger's lock for 2 s; the next order needs it.
      report.start();
      held.await(5, TimeUnit.SECONDS);
      out.accept("nightly-report holds the ledger lock; an order on orders-loop needs it");
      orders.execute(() -> {
        synchronized (ledger) {
          ledger.notifyAll();
        }
      });
      // 3. The incident: published within 2 s of the first symptom, updated with its bundle.
      Signal open = required(next(incidents, all, s -> true, 15));
      print(open, out);
      Signal withBundle = required(next(incidents, all, s -> s.data().containsKey(DataKeys.EVIDENCE)
          || s.data().containsKey(DataKeys.EVIDENCE_SKIPPED), 15));
      Object path = withBundle.data().get(DataKeys.EVIDENCE);
      out.accept(path != null
          ? "evidence bundle: " + Path.of(String.valueOf(path)).toAbsolutePath()
              + " (incident.json, threads.txt, signals.jsonl, recording.jfr; jfr print or JDK Mission"
              + " Control read the recording)"
          : "evidence not captured: " + withBundle.data().get(DataKeys.EVIDENCE_SKIPPED));
      // 4. The report job lets go; the loop runs again; the incident resolves once all its
      //    episodes ended: a stall episode (the loop's, or a JVM-wide one that joined it) ends
      //    after 10 s without another stall.
      Signal resolved = next(incidents, all, Signal::isResolved, 16);
      out.accept(resolved != null
          ? "INCIDENT " + SafeText.neutralise(resolved.message(), 400).substring("incident ".length())
          : "INCIDENT " + open.key() + " still open after 16 s: an episode in it has not ended"
              + " (a stall episode needs 10 s without a stall)");
    } finally {
      report.interrupt();
      orders.shutdownNow();
      orders.awaitTermination(2, TimeUnit.SECONDS);
    }
    return all;
  }

  /** The origin: holds the ledger's lock while it works. */
  private static void nightlyReport(Object ledger, CountDownLatch held) {
    synchronized (ledger) {
      held.countDown();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (System.nanoTime() < until && !Thread.currentThread().isInterrupted()) {
        LockSupport.parkNanos(20_000_000); // a slow query, say
      }
    }
  }

  private static void print(Signal incident, Consumer<String> out) {
    Map<String, @Nullable Object> d = incident.data();
    out.accept("INCIDENT " + incident.key() + " " + incident.severity() + " " + d.get(DataKeys.STATE)
        + ": origin " + d.get(DataKeys.ORIGIN) + ", confidence " + d.get(DataKeys.CONFIDENCE));
    out.accept("  why: " + SafeText.neutralise(String.valueOf(d.get(DataKeys.WHY)), 400));
    if (d.get(DataKeys.CHAIN) instanceof List<?> chain) {
      for (Object o : chain) {
        if (o instanceof Map<?, ?> step) {
          Object stack = step.get(DataKeys.STACK);
          out.accept("  chain: " + step.get(DataKeys.ROLE) + " " + step.get(DataKeys.TYPE) + " "
              + step.get(DataKeys.KEY) + " at " + step.get(DataKeys.AT)
              + (stack instanceof List<?> frames && !frames.isEmpty()
                  ? ", at " + frames.get(Math.min(frames.size() - 1, topAppFrame(frames))) : ""));
        }
      }
    }
  }

  /** The first frame outside the JDK: where the owner's own code is. */
  private static int topAppFrame(List<?> frames) {
    for (int i = 0; i < frames.size(); i++) {
      String f = String.valueOf(frames.get(i));
      if (!f.startsWith("java.") && !f.contains("/java.") && !f.startsWith("jdk.")) {
        return i;
      }
    }
    return 0;
  }

  private static @Nullable Signal next(
      BlockingQueue<Signal> q, List<Signal> all, Predicate<Signal> which, long seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      Signal s = q.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (s == null) {
        return null;
      }
      all.add(s);
      if (which.test(s)) {
        return s;
      }
    }
  }

  private static Signal required(@Nullable Signal s) {
    if (s == null) {
      throw new IllegalStateException("no incident within 15 s");
    }
    return s;
  }
}
