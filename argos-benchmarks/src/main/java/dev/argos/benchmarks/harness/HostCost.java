package dev.argos.benchmarks.harness;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Quarantine;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.observers.Thresholds;
import dev.argos.signals.Quarantines;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * What the host pays, counted as the whole process's CPU time (every thread: the application's,
 * Argos's, the watched executors' own threads woken by probes, JIT, GC, JMX), not only Argos's
 * threads (issue 12, §1 and §2). Three sections of {@link Harness}:
 *
 * <ul>
 *   <li>{@code hostCost}: an otherwise idle process, in alternating phases A (no Argos) and B (a
 *       fresh Argos at its defaults under an agent with {@code Quarantines.inMemory()}, settled
 *       for {@code argos.bench.settleMs} before measuring), order ABBA, each measured over
 *       {@code argos.bench.costPhaseMs}; with 0, 1 and 8 idle single-thread executors watched
 *       (the executors exist in both arms), and an A/A control (no Argos in either arm). The
 *       cost is the difference B − A of process CPU time per second of wall time, as a share of
 *       one core, per pair;
 *   <li>{@code startup}: child JVMs, alternately with and without {@code createArgos} + {@code
 *       createAgent} (which starts it) at defaults: wall and process CPU time of those calls,
 *       classes loaded, and whether Jackson was loaded;
 *   <li>{@code workload}: requests of about 1 µs (sort 32 ints, fill a small map) on every core,
 *       each with a key built for it, in alternating phases with Argos (a fresh one per phase,
 *       settled) and the workload calling {@code recordRequest(key)} and {@code
 *       isQuarantined(key)} on every request, and without Argos; the extra process CPU per
 *       request.
 * </ul>
 */
final class HostCost {
  private HostCost() {}

  // ---------------------------------------------------------------- process figures

  /**
   * Voluntary context switches of every live thread of this process (each is a wake-up after a
   * park or a blocking call), from /proc/self/task/N/status; -1 where /proc is not there.
   */
  static long voluntarySwitches() {
    long sum = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path t : tasks) {
        try {
          for (String line : Files.readAllLines(t.resolve("status"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
              sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return sum;
  }

  /**
   * CPU time of every live thread of this process in nanoseconds, from the first field of
   * /proc/self/task/N/schedstat (nanosecond precision, where getProcessCpuTime counts in clock
   * ticks of 10 ms); threads that ended are not counted; -1 where /proc is not there.
   */
  static long liveThreadsCpuNanos() {
    long sum = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path t : tasks) {
        try {
          String line = Files.readString(t.resolve("schedstat"), StandardCharsets.US_ASCII).trim();
          int sp = line.indexOf(' ');
          sum += Long.parseLong(sp < 0 ? line : line.substring(0, sp));
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return sum;
  }

  /** CPU time of the live threads whose name starts with {@code argos}, in nanoseconds. */
  static long argosThreadsCpuNanos() {
    ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("argos")) {
        @SuppressWarnings("deprecation") // getId: threadId() is Java 19+
        long id = t.getId();
        long c = tmx.getThreadCpuTime(id);
        if (c > 0) {
          sum += c;
        }
      }
    }
    return sum;
  }

  /** A fresh Argos at its defaults under an agent with an in-memory quarantine. */
  private record Running(Argos argos, Agent agent) {
    void close() {
      agent.close();
    }
  }

  /**
   * Argos's defaults, or with the eventLoopLag threshold of {@code argos.bench.thresholdMs} when
   * set (the watchdog's probe cadence follows it): to measure the cost / latency curve.
   */
  static ArgosConfig benchConfig() {
    Integer ms = Integer.getInteger("argos.bench.thresholdMs");
    if (ms == null) {
      return ArgosConfig.defaults();
    }
    return ArgosConfig.builder()
        .thresholds(Thresholds.builder().eventLoopLag(Duration.ofMillis(ms)).build())
        .build();
  }

  private static Running startArgos() {
    Argos argos = Argos.createArgos(benchConfig());
    Agent agent =
        Agent.createAgent(
            AgentConfig.builder().quarantine(Quarantines.inMemory()).observer(argos).build());
    agent.on(Agent.TOPIC_SIGNAL, s -> {});
    return new Running(argos, agent);
  }

  // ---------------------------------------------------------------- hostCost

  /** The section: for each count of watched executors, and the A/A control. */
  static Map<String, Object> hostCost(List<Integer> watchedCounts, int pairs, int phaseMs, int settleMs)
      throws InterruptedException {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("pairs", pairs);
    r.put("phaseMs", phaseMs);
    r.put("settleMs", settleMs);
    r.put("thresholdMs", benchConfig().thresholds().eventLoopLag().toMillis());
    r.put("method", "process CPU time (OperatingSystemMXBean.getProcessCpuTime) per second of wall,"
        + " phases ABBA, B a fresh Argos at defaults settled before measuring; cost = B - A per pair");
    List<Object> rows = new ArrayList<>();
    for (int n : watchedCounts) {
      rows.add(hostCostRow(n, SINGLE, pairs, phaseMs, settleMs));
      if (n > 0) {
        rows.add(hostCostRow(n, POOL, pairs, phaseMs, settleMs));
      }
    }
    rows.add(hostCostRow(-1, SINGLE, pairs, phaseMs, settleMs)); // the A/A control
    r.put("rows", rows);
    return r;
  }

  /** Watched executors from {@code Executors.newSingleThreadExecutor} (a wrapper: always probed). */
  static final String SINGLE = "singleThreadExecutor";
  /** Watched executors that are plain one-thread {@code ThreadPoolExecutor}s (idle ones not probed). */
  static final String POOL = "threadPoolExecutor";

  private static Map<String, Object> hostCostRow(
      int watched, String kind, int pairs, int phaseMs, int settleMs) throws InterruptedException {
    boolean control = watched < 0;
    int n = Math.max(0, watched);
    List<ExecutorService> loops = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      final int k = i;
      java.util.concurrent.ThreadFactory named = run -> {
        Thread t = new Thread(run, "bench-loop-" + k);
        t.setDaemon(true);
        return t;
      };
      loops.add(POOL.equals(kind)
          ? new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, java.util.concurrent.TimeUnit.SECONDS,
              new java.util.concurrent.LinkedBlockingQueue<>(), named)
          : Executors.newSingleThreadExecutor(named));
    }
    for (ExecutorService l : loops) {
      l.submit(() -> {}); // its thread exists, idle, in both arms
    }
    List<Double> a = new ArrayList<>();
    List<Double> b = new ArrayList<>();
    List<Double> diff = new ArrayList<>();
    List<Double> wakeA = new ArrayList<>();
    List<Double> wakeB = new ArrayList<>();
    List<Double> argosShare = new ArrayList<>();
    List<Double> fineA = new ArrayList<>();
    List<Double> fineB = new ArrayList<>();
    List<Double> fineDiff = new ArrayList<>();
    costPhase(!control, loops, Math.min(phaseMs, 2000), settleMs); // warm-up: classes, JIT
    for (int p = 0; p < pairs; p++) {
      boolean bFirst = (p & 1) == 1; // ABBA
      double[] x = costPhase(bFirst && !control, loops, phaseMs, settleMs);
      double[] y = costPhase(!bFirst && !control, loops, phaseMs, settleMs);
      double[] on = bFirst ? x : y;
      double[] off = bFirst ? y : x;
      a.add(off[0]);
      b.add(on[0]);
      diff.add(on[0] - off[0]);
      wakeA.add(off[1]);
      wakeB.add(on[1]);
      if (!control) {
        argosShare.add(on[2]);
      }
      fineA.add(off[3]);
      fineB.add(on[3]);
      fineDiff.add(on[3] - off[3]);
      Harness.log(String.format(Locale.ROOT,
          "hostCost watched=%s %s pair %d: A %.3f %%, B %.3f %% of one core (B - A %.3f; threads' schedstat:"
              + " A %.3f, B %.3f, B - A %.3f); wake-ups/s A %.0f B %.0f",
          control ? "control" : Integer.toString(n), n > 0 ? kind : "", p, off[0], on[0], on[0] - off[0],
          off[3], on[3], on[3] - off[3], off[1], on[1]));
    }
    for (ExecutorService l : loops) {
      l.shutdownNow();
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("watched", control ? "control" : n);
    if (n > 0) {
      row.put("executors", kind);
    }
    row.put("withoutPercentOfOneCore", Harness.summary(a));
    row.put("withPercentOfOneCore", Harness.summary(b));
    row.put("costPercentOfOneCorePerPair", Harness.summary(diff));
    row.put("costPercentOfOneCoreCi95", Harness.ci95(diff));
    row.put("threadsSchedstatWithoutPercentOfOneCore", Harness.summary(fineA));
    row.put("threadsSchedstatWithPercentOfOneCore", Harness.summary(fineB));
    row.put("threadsSchedstatCostPercentOfOneCoreCi95", Harness.ci95(fineDiff));
    row.put("wakeUpsPerSecondWithout", Harness.summary(wakeA));
    row.put("wakeUpsPerSecondWith", Harness.summary(wakeB));
    if (!control) {
      row.put("argosThreadsPercentOfOneCore", Harness.summary(argosShare));
    }
    Harness.log("hostCost row: " + Harness.json(row));
    return row;
  }

  /** One phase: {process CPU % of one core, voluntary switches per second, Argos threads' %}. */
  private static double[] costPhase(boolean withArgos, List<ExecutorService> loops, int phaseMs, int settleMs)
      throws InterruptedException {
    Running running = null;
    if (withArgos) {
      running = startArgos();
      for (int i = 0; i < loops.size(); i++) {
        running.argos().watch("loop-" + i, loops.get(i));
      }
    }
    Thread.sleep(settleMs); // both arms: the same pause before measuring
    long sw0 = voluntarySwitches();
    long ar0 = argosThreadsCpuNanos();
    long fine0 = liveThreadsCpuNanos();
    long cpu0 = Harness.processCpuNanos();
    long t0 = System.nanoTime();
    Thread.sleep(phaseMs);
    long cpu = Harness.processCpuNanos() - cpu0;
    long fine = liveThreadsCpuNanos() - fine0;
    long wall = System.nanoTime() - t0;
    long ar = argosThreadsCpuNanos() - ar0;
    long sw = voluntarySwitches() - sw0;
    if (running != null) {
      running.close();
    }
    return new double[] {100.0 * cpu / wall, sw / (wall / 1e9), 100.0 * ar / wall, 100.0 * fine / wall};
  }

  // ---------------------------------------------------------------- startup

  /** The section: {@code pairs} pairs of child JVMs (ABBA), and one pair counting classes. */
  static Map<String, Object> startup(int pairs) throws IOException, InterruptedException {
    Map<String, Object> r = new LinkedHashMap<>();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    List<Double> wallWith = new ArrayList<>();
    List<Double> cpuWith = new ArrayList<>();
    List<Double> procWith = new ArrayList<>();
    List<Double> procWithout = new ArrayList<>();
    List<Double> procDiff = new ArrayList<>();
    List<Double> childWallDiff = new ArrayList<>();
    child(java, cp, true, null); // warm the file cache
    child(java, cp, false, null);
    for (int p = 0; p < pairs; p++) {
      boolean withFirst = (p & 1) == 1;
      Map<String, Double> x = child(java, cp, withFirst, null);
      Map<String, Double> y = child(java, cp, !withFirst, null);
      Map<String, Double> on = withFirst ? x : y;
      Map<String, Double> off = withFirst ? y : x;
      wallWith.add(get(on, "callsWallMs"));
      cpuWith.add(get(on, "callsProcessCpuMs"));
      procWith.add(get(on, "processCpuMs"));
      procWithout.add(get(off, "processCpuMs"));
      procDiff.add(get(on, "processCpuMs") - get(off, "processCpuMs"));
      childWallDiff.add(get(on, "childWallMs") - get(off, "childWallMs"));
      Harness.log(String.format(Locale.ROOT,
          "startup pair %d: calls %.1f ms wall, %.1f ms CPU; process CPU with %.0f ms, without %.0f ms",
          p, get(on, "callsWallMs"), get(on, "callsProcessCpuMs"), get(on, "processCpuMs"), get(off, "processCpuMs")));
    }
    Path dir = Files.createTempDirectory("argos-startup");
    Map<String, Double> cw = child(java, cp, true, dir.resolve("with.log"));
    Map<String, Double> co = child(java, cp, false, dir.resolve("without.log"));
    r.put("pairs", pairs);
    r.put("callsWallMs", Harness.summary(wallWith));
    r.put("callsProcessCpuMs", Harness.summary(cpuWith));
    r.put("processCpuMsWith", Harness.summary(procWith));
    r.put("processCpuMsWithout", Harness.summary(procWithout));
    r.put("processCpuMsDiffPerPair", Harness.summary(procDiff));
    r.put("childWallMsDiffPerPair", Harness.summary(childWallDiff));
    r.put("classesLoadedWith", get(cw, "loadedClasses"));
    r.put("classesLoadedWithout", get(co, "loadedClasses"));
    r.put("jacksonClassesWith", countLines(dir.resolve("with.log"), "com.fasterxml.jackson"));
    r.put("argosClassesWith", countLines(dir.resolve("with.log"), "dev.argos."));
    r.put("method", "child JVMs (same java, same class path, default flags); calls = createArgos +"
        + " createAgent (starts it) at defaults with Quarantines.inMemory(); classes from -Xlog:class+load");
    return r;
  }

  private static double get(Map<String, Double> m, String key) {
    Double v = m.get(key);
    if (v == null) {
      throw new IllegalStateException("startup child did not say " + key + ": " + m);
    }
    return v;
  }

  private static long countLines(Path log, String needle) throws IOException {
    try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
      return lines.filter(l -> l.contains(needle)).count();
    }
  }

  private static Map<String, Double> child(String java, String cp, boolean with, @Nullable Path classLog)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(java, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
    if (classLog != null) {
      cmd.add("-Xlog:class+load=info:file=" + classLog);
    }
    cmd.addAll(List.of("-cp", cp, HostCost.class.getName(), with ? "with" : "without"));
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("startup child failed: " + out);
    }
    double childWall = (System.nanoTime() - t0) / 1e6;
    Map<String, Double> m = new HashMap<>();
    for (String kv : out.trim().split("\\s+")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        m.put(kv.substring(0, eq), Double.parseDouble(kv.substring(eq + 1)));
      }
    }
    m.put("childWallMs", childWall);
    return m;
  }

  /**
   * The start-up child: with {@code with}, createArgos + createAgent at defaults, then close;
   * prints {@code key=value} pairs: the calls' wall and process CPU, the process's CPU at the
   * end, classes loaded.
   */
  public static void main(String[] args) {
    boolean with = args.length > 0 && "with".equals(args[0]);
    long cpu0 = Harness.processCpuNanos();
    long t0 = System.nanoTime();
    Agent agent = null;
    if (with) {
      Argos argos = Argos.createArgos();
      agent =
          Agent.createAgent(
              AgentConfig.builder().quarantine(Quarantines.inMemory()).observer(argos).build());
    }
    long wall = System.nanoTime() - t0;
    long cpu = Harness.processCpuNanos() - cpu0;
    if (agent != null) {
      agent.close();
    }
    long loaded = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
    System.out.println(String.format(Locale.ROOT,
        "callsWallMs=%.3f callsProcessCpuMs=%.3f processCpuMs=%.3f loadedClasses=%d",
        wall / 1e6, cpu / 1e6, Harness.processCpuNanos() / 1e6, loaded));
    System.out.flush();
    System.exit(0);
  }

  // ---------------------------------------------------------------- workload

  /**
   * The section: {@code pairs} ABBA pairs of {@code phaseMs} phases on every core, requests of
   * about 1 µs with a key built per request; mode (argos.bench.workloadMode): {@code calls}
   * (recordRequest(key) and isQuarantined(key)), {@code record}, {@code quarantine}, {@code
   * none} (Argos started, nothing called), {@code map} (no Argos; a ConcurrentHashMap of
   * LongAdders counting per key), {@code control} (nothing in either arm).
   */
  static Map<String, Object> workload(int pairs, int phaseMs, int settleMs, String mode)
      throws InterruptedException {
    Map<String, Object> r = new LinkedHashMap<>();
    int threads = Runtime.getRuntime().availableProcessors();
    for (int i = 0; i < 2; i++) { // warm-up both ways
      workPhase(false, mode, threads, Math.min(phaseMs, 2000), settleMs);
      workPhase(true, mode, threads, Math.min(phaseMs, 2000), settleMs);
    }
    List<Double> cpuPerReqWithout = new ArrayList<>();
    List<Double> cpuPerReqWith = new ArrayList<>();
    List<Double> extra = new ArrayList<>();
    for (int p = 0; p < pairs; p++) {
      boolean withFirst = (p & 1) == 1;
      double[] x = workPhase(withFirst, mode, threads, phaseMs, settleMs);
      double[] y = workPhase(!withFirst, mode, threads, phaseMs, settleMs);
      double[] on = withFirst ? x : y;
      double[] off = withFirst ? y : x;
      cpuPerReqWithout.add(off[0]);
      cpuPerReqWith.add(on[0]);
      extra.add(100.0 * (on[0] / off[0] - 1));
      Harness.log(String.format(Locale.ROOT,
          "workload %s pair %d: CPU per request without %.3f µs, with %.3f µs: extra %.2f %%",
          mode, p, off[0], on[0], 100.0 * (on[0] / off[0] - 1)));
    }
    r.put("mode", mode);
    r.put("threads", threads);
    r.put("pairs", pairs);
    r.put("phaseMs", phaseMs);
    r.put("settleMs", settleMs);
    r.put("cpuMicrosPerRequestWithout", Harness.summary(cpuPerReqWithout));
    r.put("cpuMicrosPerRequestWith", Harness.summary(cpuPerReqWith));
    r.put("extraCpuPercentPerPair", Harness.summary(extra));
    r.put("extraCpuPercentCi95", Harness.ci95(extra));
    return r;
  }

  private static final LongAdder SINK = new LongAdder();

  /** One phase: {process CPU µs per request, requests per second of wall}. */
  private static double[] workPhase(boolean with, String mode, int threads, int phaseMs, int settleMs)
      throws InterruptedException {
    boolean argosArm = with && !"map".equals(mode) && !"control".equals(mode);
    Running running = argosArm ? startArgos() : null;
    boolean record = with && ("calls".equals(mode) || "record".equals(mode));
    boolean ask = with && ("calls".equals(mode) || "quarantine".equals(mode));
    ConcurrentHashMap<String, LongAdder> map = with && "map".equals(mode) ? new ConcurrentHashMap<>() : null;
    Thread.sleep(settleMs);
    final Argos argos = running == null ? null : running.argos();
    final Quarantine q = running == null ? null : running.agent().quarantine();
    LongAdder requests = new LongAdder();
    CountDownLatch go = new CountDownLatch(1);
    AtomicBoolean stop = new AtomicBoolean();
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      final int seed = t;
      ts[t] = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        SplittableRandom rnd = new SplittableRandom(seed * 31L + 7);
        long n = 0;
        long sink = 0;
        while (!stop.get()) {
          int c = rnd.nextInt(1 << 20); // a client among about a million, as a server sees them
          String key = "10." + (c >>> 16) + "." + ((c >>> 8) & 0xff) + "." + (c & 0xff);
          sink += Harness.unit(rnd);
          if (record && argos != null) {
            argos.recordRequest(key);
          }
          if (ask && q != null && q.isQuarantined(key)) {
            sink++;
          }
          if (map != null) {
            map.computeIfAbsent(key, k -> new LongAdder()).increment();
          }
          sink += key.length();
          n++;
        }
        requests.add(n);
        SINK.add(sink);
      }, "workload-" + t);
      ts[t].start();
    }
    long cpu0 = Harness.processCpuNanos();
    long t0 = System.nanoTime();
    go.countDown();
    Thread.sleep(phaseMs);
    stop.set(true);
    for (Thread t : ts) {
      t.join();
    }
    long wall = System.nanoTime() - t0;
    long cpu = Harness.processCpuNanos() - cpu0;
    if (running != null) {
      running.close();
    }
    long n = requests.sum();
    return new double[] {cpu / 1e3 / n, n / (wall / 1e9)};
  }

}
