package dev.argos.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.jspecify.annotations.Nullable;

/**
 * What the evidence JFR ring of {@code argos-forensics} costs the whole process (issue 13 §2):
 * child JVMs in three arms, A (no recording), A' (no recording either: the A/A control that
 * shows the noise) and B (the ring: a {@code jdk.jfr.Recording} with the {@code default}
 * configuration, kept in JFR's disk repository, max age 5 min, max size 64 MiB, exactly as
 * {@code JfrRing} starts it), in rotating order each round. Each child measures its process CPU time (every thread:
 * the workload's, JFR's, JIT, GC) over a fixed window after a warm-up:
 *
 * <ul>
 *   <li>{@code idle}: the process does nothing; cost = CPU ms per second of wall time;
 *   <li>{@code busy}: one thread per core running small allocating requests (a string, a map of
 *       16 entries, a sort of 64 ints); cost = process CPU ns per request, and requests per
 *       second.
 * </ul>
 *
 * <p>The ring child also reports the JFR start time, and at the end a dump's time, size and how
 * far back its events reach.
 *
 * <p>Run (no other dependency than the JDK):
 *
 * <pre>
 * ./mvnw -B -q -pl argos-benchmarks -am compile
 * java -cp argos-benchmarks/target/classes dev.argos.benchmarks.JfrRingCost [rounds] [busySeconds] [idleSeconds]
 * </pre>
 */
public final class JfrRingCost {
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private JfrRingCost() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("child")) {
      child(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
      return;
    }
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int busySeconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int idleSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    System.out.printf(
        Locale.ROOT,
        "JfrRingCost: %d rounds, busy %d s, idle %d s, %d cores, java %s, load average %.1f%n",
        rounds,
        busySeconds,
        idleSeconds,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        OS.getSystemLoadAverage());
    String[] arms = {"A", "A2", "B"};
    for (String scenario : List.of("idle", "busy")) {
      List<List<double[]>> results = new ArrayList<>();
      for (int i = 0; i < arms.length; i++) {
        results.add(new ArrayList<>());
      }
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < arms.length; i++) {
          int armIndex = (i + r) % arms.length;
          String arm = arms[armIndex];
          int seconds = scenario.equals("idle") ? idleSeconds : busySeconds;
          double[] v = runChild(arm.equals("B") ? "ring" : "none", scenario, seconds, 10);
          results.get(armIndex).add(v);
          System.out.printf(
              Locale.ROOT,
              "  %s round %d arm %-2s: %s%n",
              scenario,
              r,
              arm,
              scenario.equals("idle")
                  ? String.format(Locale.ROOT, "%.2f CPU ms/s", v[0])
                  : String.format(Locale.ROOT, "%.1f CPU ns/request, %.0f requests/s", v[1], v[2]));
        }
      }
      summarise(scenario, results);
    }
  }

  /** {@code results}: the arms A, A' and B, in that order. */
  private static void summarise(String scenario, List<List<double[]>> results) {
    int idx = scenario.equals("idle") ? 0 : 1;
    double a = median(results.get(0), idx);
    double a2 = median(results.get(1), idx);
    double b = median(results.get(2), idx);
    String unit = scenario.equals("idle") ? "CPU ms/s" : "CPU ns/request";
    System.out.printf(
        Locale.ROOT,
        "%s medians: A %.2f, A' %.2f, B (ring) %.2f %s; B - A = %+.2f (%+.1f %%), A' - A = %+.2f (%+.1f %%)%n",
        scenario,
        a,
        a2,
        b,
        unit,
        b - a,
        100 * (b - a) / a,
        a2 - a,
        100 * (a2 - a) / a);
    if (scenario.equals("busy")) {
      System.out.printf(
          Locale.ROOT,
          "busy throughput medians: A %.0f, A' %.0f, B %.0f requests/s%n",
          median(results.get(0), 2),
          median(results.get(1), 2),
          median(results.get(2), 2));
    }
  }

  private static double median(List<double[]> vs, int idx) {
    double[] x = vs.stream().mapToDouble(v -> v[idx]).sorted().toArray();
    return x.length % 2 == 1 ? x[x.length / 2] : (x[x.length / 2 - 1] + x[x.length / 2]) / 2;
  }

  private static double[] runChild(String mode, String scenario, int seconds, int warmupSeconds)
      throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        List.of(
            java,
            "-Xmx256m",
            "-XX:+UseG1GC",
            "-cp",
            System.getProperty("java.class.path"),
            JfrRingCost.class.getName(),
            "child",
            mode,
            scenario,
            Integer.toString(seconds),
            Integer.toString(warmupSeconds));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    double[] result = null;
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("RESULT ")) {
          result = Arrays.stream(line.substring(7).trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
        } else {
          System.out.println("    " + line);
        }
      }
    }
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0 || result == null) {
      throw new IllegalStateException("child " + mode + " " + scenario + " failed");
    }
    return result;
  }

  // ---------------------------------------------------------------- child

  private static void child(String mode, String scenario, int seconds, int warmupSeconds)
      throws IOException, ParseException, InterruptedException {
    @Nullable Recording ring = null;
    if (mode.equals("ring")) {
      long t0 = System.nanoTime();
      Recording r = new Recording(Configuration.getConfiguration("default"));
      r.setName("argos-evidence");
      r.setToDisk(true);
      r.setMaxAge(Duration.ofMinutes(5));
      r.setMaxSize(64L << 20);
      r.start();
      ring = r;
      System.out.printf(Locale.ROOT, "ring started in %.0f ms%n", (System.nanoTime() - t0) / 1e6);
    }
    double[] out;
    if (scenario.equals("idle")) {
      TimeUnit.SECONDS.sleep(warmupSeconds); // the workload of an idle process: none
      long cpu0 = OS.getProcessCpuTime();
      long w0 = System.nanoTime();
      TimeUnit.SECONDS.sleep(seconds);
      long cpu = OS.getProcessCpuTime() - cpu0;
      long wall = System.nanoTime() - w0;
      out = new double[] {cpu / 1e6 / (wall / 1e9), 0, 0};
    } else {
      busy(warmupSeconds);
      long cpu0 = OS.getProcessCpuTime();
      long w0 = System.nanoTime();
      long ops = busy(seconds);
      long cpu = OS.getProcessCpuTime() - cpu0;
      long wall = System.nanoTime() - w0;
      out = new double[] {cpu / 1e6 / (wall / 1e9), (double) cpu / ops, ops / (wall / 1e9)};
    }
    if (ring != null) {
      Path file = Files.createTempFile("argos-ring-", ".jfr");
      Files.delete(file);
      long t0 = System.nanoTime();
      ring.dump(file);
      long dumpNanos = System.nanoTime() - t0;
      Instant earliest = Instant.MAX;
      Instant earliestGc = Instant.MAX;
      long events = 0;
      long gcs = 0;
      try (RecordingFile rf = new RecordingFile(file)) {
        while (rf.hasMoreEvents()) {
          RecordedEvent e = rf.readEvent();
          events++;
          if (e.getStartTime().isBefore(earliest)) {
            earliest = e.getStartTime();
          }
          if (e.getEventType().getName().equals("jdk.GarbageCollection")) {
            gcs++;
            if (e.getStartTime().isBefore(earliestGc)) {
              earliestGc = e.getStartTime();
            }
          }
        }
      }
      Instant now = Instant.now();
      System.out.printf(
          Locale.ROOT,
          "dump: %.0f ms, %d bytes, %d events reaching back %d s, %d GCs reaching back %s s"
              + " (process up %d s)%n",
          dumpNanos / 1e6,
          Files.size(file),
          events,
          Duration.between(earliest, now).toSeconds(),
          gcs,
          gcs == 0 ? "-" : Long.toString(Duration.between(earliestGc, now).toSeconds()),
          ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
      Files.delete(file);
      ring.close();
    }
    System.out.printf(Locale.ROOT, "RESULT %.4f %.4f %.4f%n", out[0], out[1], out[2]);
  }

  /** Runs small allocating requests on one thread per core for {@code seconds}; returns how many. */
  private static long busy(int seconds) throws InterruptedException {
    int threads = Runtime.getRuntime().availableProcessors();
    LongAdder ops = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> ts = new ArrayList<>();
    long[] sink = new long[threads * 8];
    for (int t = 0; t < threads; t++) {
      int slot = t * 8;
      Thread th =
          new Thread(
              () -> {
                SplittableRandom rnd = new SplittableRandom(slot);
                int[] a = new int[64];
                long acc = 0;
                while (!stop.get()) {
                  for (int k = 0; k < 100; k++) {
                    String key = "client-" + rnd.nextInt(100_000);
                    Map<String, Integer> m = new HashMap<>();
                    for (int j = 0; j < 16; j++) {
                      m.put(key + j, j);
                    }
                    for (int j = 0; j < a.length; j++) {
                      a[j] = rnd.nextInt();
                    }
                    Arrays.sort(a);
                    acc += a[7] + m.size() + key.length();
                  }
                  ops.add(100);
                }
                sink[slot] = acc;
              },
              "busy-" + t);
      ts.add(th);
      th.start();
    }
    TimeUnit.SECONDS.sleep(seconds);
    stop.set(true);
    for (Thread th : ts) {
      th.join();
    }
    return ops.sum() + (sink[0] == 42 ? 1 : 0);
  }
}
