package dev.argos.forensics;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.argos.core.Clock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Figures for the evidence bundle in docs/forensics.md (a plain main, not JMH, not a test): the
 * JFR ring's start time, then, while {@code threads} parked threads exist and two threads
 * allocate, {@code captures} bundles with 1 000 recent signals each: the size of each file and
 * the time to write the bundle (from capture() to the result). Run:
 *
 * <pre>
 * ./mvnw -B -q -pl argos-forensics -am test-compile
 * cd argos-forensics &amp;&amp; ../mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp ../argos-core/target/classes:../argos-signals/target/classes:../argos-observers/target/classes:target/classes:target/test-classes:$(cat target/cp.txt) \
 *     dev.argos.forensics.EvidenceFigures [threads] [captures] [warmSeconds] [keep]
 * </pre>
 */
public final class EvidenceFigures {
  private EvidenceFigures() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int captures = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int warmSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
    boolean keep = args.length > 3 && args[3].equals("keep"); // leave the bundles to look at
    Path dir = Files.createTempDirectory("argos-evidence-figures");
    CountDownLatch end = new CountDownLatch(1);
    List<Thread> parked = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(() -> {
        try {
          end.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "app-worker-" + i);
      t.setDaemon(true);
      t.start();
      parked.add(t);
    }
    AtomicBoolean stop = new AtomicBoolean();
    for (int i = 0; i < 2; i++) {
      Thread t = new Thread(() -> {
        long acc = 0;
        while (!stop.get()) {
          Map<String, Integer> m = new HashMap<>();
          for (int j = 0; j < 64; j++) {
            m.put("k" + j + acc, j);
          }
          acc += m.size();
        }
      }, "allocator-" + i);
      t.setDaemon(true);
      t.start();
    }
    List<Signal> signals = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      signals.add(
          Signal.builder(Signal.TYPE_EVENT_LOOP_LAG)
              .severity(Severity.WARNING)
              .source("argos")
              .key("loop-" + (i % 8))
              .message("executor late by " + i + " ms")
              .data("lagMs", i)
              .data("thresholdMs", 50)
              .data("episode", "eventLoopLag-" + i)
              .build());
    }
    EvidenceSettings settings =
        new EvidenceSettings(dir, Duration.ofMillis(1), 4L << 30, 0, true, Duration.ofMinutes(5), 64L << 20);
    long t0 = System.nanoTime();
    EvidenceCapture capture = new EvidenceCapture(settings, Clock.system(), s -> {});
    boolean jfr = capture.jfrReady().get(120, TimeUnit.SECONDS);
    System.out.printf(
        Locale.ROOT,
        "java %s, %d cores, load average %.1f; JFR ring %s in %.0f ms; %d parked threads + 2 allocating;"
            + " warming %d s%n",
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(),
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        jfr ? "started" : "NOT started",
        (System.nanoTime() - t0) / 1e6,
        threads,
        warmSeconds);
    TimeUnit.SECONDS.sleep(warmSeconds);
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < captures; i++) {
      Map<String, Object> incident = new LinkedHashMap<>();
      incident.put("type", "incident");
      incident.put("key", "inc-figures-" + i);
      incident.put("message", "figures");
      CompletableFuture<EvidenceResult> f = new CompletableFuture<>();
      long c0 = System.nanoTime();
      capture.capture("inc-figures-" + i, incident, signals, List.of(parked.get(0).getId()), f::complete);
      EvidenceResult r = f.get(120, TimeUnit.SECONDS);
      double ms = (System.nanoTime() - c0) / 1e6;
      Path b = r.dir();
      if (b == null) {
        System.out.println("capture " + i + " skipped: " + r.skipped());
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> manifest = json.readValue(b.resolve("bundle.json").toFile(), Map.class);
      System.out.printf(
          Locale.ROOT,
          "capture %d: %.0f ms end to end (bundle.json writeMs %s), %d bytes in all: %s%n",
          i,
          ms,
          manifest.get("writeMs"),
          EvidenceCapture.sizeOf(b),
          manifest.get("files"));
      TimeUnit.SECONDS.sleep(2);
    }
    stop.set(true);
    end.countDown();
    capture.close();
    if (keep) {
      System.out.println("bundles kept in " + dir);
      return;
    }
    for (int i = 0; i < captures; i++) {
      EvidenceCapture.deleteTree(dir.resolve("inc-figures-" + i));
    }
    Files.deleteIfExists(dir);
  }
}
