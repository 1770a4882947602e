package dev.argos.benchmarks.harness;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Signal;
import dev.argos.core.Subscription;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.signals.Quarantines;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.jspecify.annotations.Nullable;

/**
 * The measurements JMH cannot make, in one JVM, one section after the other:
 *
 * <ul>
 *   <li>{@code memory}: heap used after GC once 10 000, 100 000 and 1 000 000 distinct keys have
 *       been recorded into Argos ({@code recordRequest(key)}) and into a {@code
 *       ConcurrentHashMap<String, LongAdder>};
 *   <li>{@code idle}: CPU time and bytes allocated by Argos's own threads (names starting with
 *       {@code argos}) in an otherwise idle JVM, Argos at its defaults under an agent: over 20 s
 *       from 60 s after Argos starts (steady: its code compiled), and over the 20 s from 2 s
 *       after it starts (start-up: still interpreted, or in the JIT's first tier);
 *       {@code idleWatching}: the same with one idle executor watched;
 *   <li>{@code detection}: 30 stalls of a watched single-thread executor (300 ms each, threshold
 *       50 ms): time from the stall's start to the {@code eventLoopLag} signal at a listener;
 *   <li>{@code gc}: forced full GCs over a live set built to make them pause longer than the
 *       threshold: the {@code lagMs} Argos reports for key {@code jvm} against the GC's own
 *       duration from its notification; each GC is forced once the previous JVM stall episode
 *       has ended (10 s of calm), so that its signal is the first of an episode of its own;
 *   <li>{@code overhead}: a CPU- and allocation-heavy workload on every core, in alternating
 *       phases with Argos at its defaults (recording every request, about 10 µs of work, with
 *       a key) and without it; throughput per second of wall time and per second of process CPU.
 * </ul>
 *
 * <p>Run: {@code java -Xms1g -Xmx1g -cp argos-benchmarks/target/benchmarks.jar
 * dev.argos.benchmarks.harness.Harness [--out results.json] [section...]}. Sizes can be changed
 * with system properties {@code argos.bench.stalls}, {@code argos.bench.gcs}, {@code
 * argos.bench.pairs}, {@code argos.bench.warmupPairs}, {@code argos.bench.phaseMs}, {@code
 * argos.bench.idleSeconds}, {@code argos.bench.idleSettleSeconds}, {@code argos.bench.liveMb}; {@code argos.bench.record} ({@code key},
 * the default, {@code plain} or {@code none}) says what the overhead workload records, to split
 * the overhead between the hot path and the background threads; {@code control} runs no Argos in
 * either arm, an A/A control that shows the method's own noise and bias. Results go to stdout and, as
 * JSON, to {@code --out}.
 *
 * <p>Sections run only when named ({@code hostCost}, {@code startup}, {@code workload}): what the
 * whole process pays, see {@link HostCost}; sizes {@code argos.bench.watched} (default {@code
 * 0,1,8}), {@code argos.bench.costPairs}, {@code argos.bench.costPhaseMs}, {@code
 * argos.bench.settleMs}, {@code argos.bench.startupPairs}, {@code argos.bench.workloadPairs},
 * {@code argos.bench.workloadPhaseMs}, {@code argos.bench.workloadMode}.
 */
public final class Harness {
  private static final String LOOP = "bench-loop";
  private static final String KEY_JVM = "jvm";
  private static final List<String> ALL = List.of("memory", "idle", "idleWatching", "detection", "gc", "overhead");
  /**
   * Sections run only when named: whole-process figures ({@link HostCost}), each best in a JVM of
   * its own.
   */
  private static final List<String> EXTRA = List.of("hostCost", "startup", "workload");

  private Harness() {}

  /** Runs the sections named in {@code args} (all by default). */
  public static void main(String[] args) throws Exception {
    Path out = null;
    List<String> sections = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if ("--out".equals(args[i]) && i + 1 < args.length) {
        out = Path.of(args[++i]);
      } else if (ALL.contains(args[i]) || EXTRA.contains(args[i])) {
        sections.add(args[i]);
      } else {
        System.err.println(
            "usage: Harness [--out file.json] [" + String.join("|", ALL) + "|" + String.join("|", EXTRA) + "]...");
        System.exit(2);
      }
    }
    if (sections.isEmpty()) {
      sections.addAll(ALL);
    }
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    results.put("cores", Runtime.getRuntime().availableProcessors());
    results.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
    for (String s : sections) {
      long t0 = System.nanoTime();
      log("== " + s);
      Object r;
      try {
        r = run(s);
      } catch (Throwable t) {
        log("section " + s + " failed: " + t);
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("error", String.valueOf(t));
        r = err;
      }
      results.put(s, r);
      log("== " + s + " done in " + (System.nanoTime() - t0) / 1_000_000_000 + " s: " + json(r));
    }
    String text = json(results);
    if (out != null) {
      Files.writeString(out, text + "\n", StandardCharsets.UTF_8);
    } else {
      System.out.println(text);
    }
    System.exit(0);
  }

  private static Object run(String section) throws Exception {
    switch (section) {
      case "memory":
        return memory();
      case "idle":
      case "idleWatching":
        return idle(
            Integer.getInteger("argos.bench.idleSeconds", 20),
            Integer.getInteger("argos.bench.idleSettleSeconds", 60),
            section.equals("idleWatching"));
      case "detection":
        return detection(Integer.getInteger("argos.bench.stalls", 30), 300);
      case "gc":
        return gc(Integer.getInteger("argos.bench.gcs", 10), Integer.getInteger("argos.bench.liveMb", 256));
      case "overhead":
        return overhead(Integer.getInteger("argos.bench.pairs", 20), Integer.getInteger("argos.bench.phaseMs", 1000));
      default:
        return runExtra(section);
    }
  }

  /** The whole-process sections of {@link HostCost}; sizes from system properties. */
  private static Object runExtra(String section) throws Exception {
    switch (section) {
      case "hostCost": {
        List<Integer> counts = new ArrayList<>();
        for (String c : System.getProperty("argos.bench.watched", "0,1,8").split(",")) {
          counts.add(Integer.parseInt(c.trim()));
        }
        return HostCost.hostCost(
            counts,
            Integer.getInteger("argos.bench.costPairs", 4),
            Integer.getInteger("argos.bench.costPhaseMs", 15_000),
            Integer.getInteger("argos.bench.settleMs", 3000));
      }
      case "startup":
        return HostCost.startup(Integer.getInteger("argos.bench.startupPairs", 8));
      case "workload":
        return HostCost.workload(
            Integer.getInteger("argos.bench.workloadPairs", 8),
            Integer.getInteger("argos.bench.workloadPhaseMs", 3000),
            Integer.getInteger("argos.bench.settleMs", 3000),
            System.getProperty("argos.bench.workloadMode", "calls"));
      default:
        throw new IllegalArgumentException(section);
    }
  }

  // ---------------------------------------------------------------- memory

  private static Map<String, Object> memory() {
    Map<String, Object> r = new LinkedHashMap<>();
    List<Object> rows = new ArrayList<>();
    for (int n : new int[] {10_000, 100_000, 1_000_000}) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("keys", n);

      long base = usedAfterGc();
      Argos argos = Argos.createArgos(ArgosConfig.defaults()).start();
      for (int i = 0; i < n; i++) {
        argos.recordRequest(key(i));
      }
      sleep(3 * argos.config().sampleRate().toMillis()); // let the sampler take what it keeps
      long argosBytes = usedAfterGc() - base;
      Reference.reachabilityFence(argos);
      argos.close();

      base = usedAfterGc();
      ConcurrentHashMap<String, LongAdder> map = new ConcurrentHashMap<>();
      for (int i = 0; i < n; i++) {
        map.computeIfAbsent(key(i), k -> new LongAdder()).increment();
      }
      long mapBytes = usedAfterGc() - base;
      Reference.reachabilityFence(map);

      row.put("argosRetainedBytes", argosBytes);
      row.put("mapRetainedBytes", mapBytes);
      rows.add(row);
      log(String.format(Locale.ROOT, "%,d keys: argos %,d B, map %,d B", n, argosBytes, mapBytes));
    }
    r.put("rows", rows);
    r.put("method", "heap used after System.gc() (x3), minus the same before; keys 10.a.b.c built on the fly");
    return r;
  }

  private static String key(int i) {
    return "10." + (i >>> 16) + "." + ((i >>> 8) & 0xff) + "." + (i & 0xff);
  }

  private static long usedAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      sleep(50);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  // ---------------------------------------------------------------- idle

  /**
   * Two windows of {@code seconds} each: one 2 s after Argos starts (its code still interpreted
   * or in the JIT's first tier: the start-up cost) and one {@code settleSeconds} after it starts
   * (compiled: the steady cost, what a long-running service pays). The figures at the top level
   * are the steady window's; the start-up window's are under {@code startUp}.
   */
  private static Map<String, Object> idle(int seconds, int settleSeconds, boolean watching) {
    Map<String, Object> r = new LinkedHashMap<>();
    ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
    com.sun.management.ThreadMXBean sun =
        tmx instanceof com.sun.management.ThreadMXBean ? (com.sun.management.ThreadMXBean) tmx : null;
    if (!tmx.isThreadCpuTimeSupported() || sun == null || !sun.isThreadAllocatedMemorySupported()) {
      r.put("error", "thread CPU time or allocated bytes not supported on this JVM");
      return r;
    }
    tmx.setThreadCpuTimeEnabled(true);
    sun.setThreadAllocatedMemoryEnabled(true);
    Argos argos = Argos.createArgos();
    try (Agent agent =
        Agent.createAgent(
            AgentConfig.builder().quarantine(Quarantines.inMemory()).observer(argos).build())) {
      long started = System.nanoTime();
      agent.on(Agent.TOPIC_SIGNAL, s -> {});
      java.util.concurrent.ExecutorService loop =
          java.util.concurrent.Executors.newSingleThreadExecutor(run -> {
            Thread t = new Thread(run, LOOP);
            t.setDaemon(true);
            return t;
          });
      if (watching) {
        argos.watch(LOOP, loop); // an idle event loop: only the watchdog's probes run on it
      }
      sleep(2000);
      // the floor, measured side by side: a bare thread that only parks in the slices the
      // sampler thread parks in (finer while an executor is watched) and does nothing else; the
      // longest of three reads, as the slice is shorter for a few ms after a stall
      double sliceMs = 0;
      for (int i = 0; i < 3; i++) {
        sliceMs = Math.max(sliceMs, argos.snapshot().getDouble("sampler.sliceMs", 25));
        sleep(100);
      }
      long sliceNanos = Math.round(sliceMs * 1e6);
      CountDownLatch bareStop = new CountDownLatch(1);
      Thread bare = new Thread(() -> {
        while (bareStop.getCount() > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(sliceNanos);
        }
      }, "bench-bare-park");
      bare.setDaemon(true);
      bare.start();
      sleep(100);
      Map<String, Object> startUp = idleWindow(tmx, sun, bare, started, seconds);
      long settled = started + TimeUnit.SECONDS.toNanos(Math.max(settleSeconds, seconds + 2));
      sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(settled - System.nanoTime())));
      Map<String, Object> steady = idleWindow(tmx, sun, bare, started, seconds);
      bareStop.countDown();
      r.putAll(steady);
      r.put("bareParkSliceMs", sliceNanos / 1e6);
      r.put("ticks", argos.snapshot().getLong("sampler.ticks", -1));
      r.put("watchedExecutors", watching ? 1 : 0);
      r.put("startUp", startUp);
      loop.shutdownNow();
    }
    return r;
  }

  /** CPU and allocation of Argos's threads, and CPU of the bare parking thread, over one window. */
  private static Map<String, Object> idleWindow(
      ThreadMXBean tmx, com.sun.management.ThreadMXBean sun, Thread bare, long started, int seconds) {
    Map<Long, long[]> before = argosThreads(tmx, sun, new ArrayList<>());
    @SuppressWarnings("deprecation") // getId: threadId() is Java 19+
    long bareBefore = tmx.getThreadCpuTime(bare.getId());
    long t0 = System.nanoTime();
    sleep(seconds * 1000L);
    List<String> names = new ArrayList<>();
    Map<Long, long[]> after = argosThreads(tmx, sun, names);
    @SuppressWarnings("deprecation")
    long bareAfter = tmx.getThreadCpuTime(bare.getId());
    long wall = System.nanoTime() - t0;
    long cpu = 0;
    long alloc = 0;
    Map<String, Object> perThread = new TreeMap<>();
    for (Map.Entry<Long, long[]> e : after.entrySet()) {
      long[] b = before.getOrDefault(e.getKey(), new long[3]);
      long threadCpu = Math.max(0, e.getValue()[0] - b[0]);
      cpu += threadCpu;
      alloc += Math.max(0, e.getValue()[1] - b[1]);
      perThread.put(THREAD_NAMES.getOrDefault(e.getKey(), "?"), 100.0 * threadCpu / wall);
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("fromSecond", Math.round((t0 - started) / 1e8) / 10.0); // since Argos started
    r.put("seconds", wall / 1e9);
    r.put("threads", names);
    r.put("cpuNanos", cpu);
    r.put("cpuShareOfOneCorePercent", 100.0 * cpu / wall);
    r.put("cpuShareOfOneCorePercentByThread", perThread);
    r.put("bareParkCpuShareOfOneCorePercent", 100.0 * (bareAfter - bareBefore) / wall);
    r.put("allocatedBytes", alloc);
    r.put("allocatedBytesPerSecond", alloc / (wall / 1e9));
    return r;
  }

  private static final Map<Long, String> THREAD_NAMES = new HashMap<>();

  /**
   * The live threads whose name starts with {@code argos}: id to {CPU ns, allocated bytes} (bytes
   * 0 without {@code sun}); their names are added to {@code names}.
   */
  private static Map<Long, long[]> argosThreads(
      ThreadMXBean tmx, com.sun.management.@Nullable ThreadMXBean sun, List<String> names) {
    Map<Long, long[]> m = new HashMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (!t.getName().startsWith("argos")) {
        continue;
      }
      @SuppressWarnings("deprecation") // getId: threadId() is Java 19+
      long id = t.getId();
      long cpu = tmx.getThreadCpuTime(id);
      long alloc = sun == null ? 0 : sun.getThreadAllocatedBytes(id);
      if (cpu >= 0 && alloc >= 0) {
        m.put(id, new long[] {cpu, alloc});
        names.add(t.getName());
        THREAD_NAMES.put(id, t.getName());
      }
    }
    names.sort(null);
    return m;
  }

  // ---------------------------------------------------------------- detection

  private record Received(long atNanos, Signal signal) {}

  private static Map<String, Object> detection(int stalls, int stallMs) throws InterruptedException {
    Map<String, Object> r = new LinkedHashMap<>();
    BlockingQueue<Received> q = new LinkedBlockingQueue<>(10_000);
    ThreadPoolExecutor loop =
        new ThreadPoolExecutor(
            1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), run -> {
              Thread t = new Thread(run, LOOP);
              t.setDaemon(true);
              return t;
            });
    Argos argos = Argos.createArgos(HostCost.benchConfig()); // defaults unless argos.bench.thresholdMs
    long thresholdMs = argos.config().thresholds().eventLoopLag().toMillis();
    List<Double> latencies = new ArrayList<>();
    List<Double> reportedLag = new ArrayList<>();
    int inProgress = 0;
    int detected = 0;
    int resolved = 0;
    SplittableRandom rnd = new SplittableRandom(42);
    try (Agent agent = Agent.createAgent(AgentConfig.builder().observer(argos).build());
        Subscription sub =
            agent.on(
                Agent.topicOf(Signal.TYPE_EVENT_LOOP_LAG),
                s -> q.offer(new Received(System.nanoTime(), s)));
        Subscription watch = argos.watch(LOOP, loop)) {
      sleep(1000);
      for (int i = 0; i < stalls; i++) {
        sleep(400 + rnd.nextInt(300)); // random phase against the sampler's ticks
        q.clear();
        AtomicLong start = new AtomicLong();
        CountDownLatch began = new CountDownLatch(1);
        loop.execute(
            () -> {
              start.set(System.nanoTime());
              began.countDown();
              sleep(stallMs);
            });
        began.await();
        long deadline = start.get() + TimeUnit.MILLISECONDS.toNanos(stallMs + 1000L);
        Received hit = poll(q, deadline, s -> LOOP.equals(s.key()) && !s.isResolved());
        if (hit != null) {
          detected++;
          latencies.add((hit.atNanos() - start.get()) / 1e6);
          if (Boolean.TRUE.equals(hit.signal().data().get("inProgress"))) {
            inProgress++;
          }
          Object lag = hit.signal().data().get("lagMs");
          if (lag instanceof Number) {
            reportedLag.add(((Number) lag).doubleValue());
          }
          Received end =
              poll(q, System.nanoTime() + TimeUnit.SECONDS.toNanos(3), s -> LOOP.equals(s.key()) && s.isResolved());
          if (end != null) {
            resolved++;
          }
        }
      }
    } finally {
      loop.shutdownNow();
    }
    r.put("stalls", stalls);
    r.put("stallMs", stallMs);
    r.put("thresholdMs", thresholdMs);
    r.put("sampleRateMs", argos.config().sampleRate().toMillis());
    r.put("detected", detected);
    r.put("detectedInProgress", inProgress);
    r.put("resolved", resolved);
    r.put("latencyMs", summary(latencies));
    r.put("reportedLagAtDetectionMs", summary(reportedLag));
    return r;
  }

  private interface Match {
    boolean test(Signal s);
  }

  private static @Nullable Received poll(BlockingQueue<Received> q, long deadlineNanos, Match m)
      throws InterruptedException {
    while (true) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      Received r = q.poll(left, TimeUnit.NANOSECONDS);
      if (r != null && m.test(r.signal())) {
        return r;
      }
    }
  }

  // ---------------------------------------------------------------- gc

  private record GcNote(String name, String cause, long durationMs) {}

  private static Map<String, Object> gc(int count, int liveMb) throws InterruptedException {
    Map<String, Object> r = new LinkedHashMap<>();
    BlockingQueue<GcNote> notes = new LinkedBlockingQueue<>(10_000);
    NotificationListener nl =
        (n, hb) -> {
          if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
            notes.offer(new GcNote(info.getGcName(), info.getGcCause(), info.getGcInfo().getDuration()));
          }
        };
    List<NotificationEmitter> emitters = new ArrayList<>();
    for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (b instanceof NotificationEmitter) {
        ((NotificationEmitter) b).addNotificationListener(nl, null, null);
        emitters.add((NotificationEmitter) b);
      }
    }
    Object[] live = liveSet(liveMb);
    BlockingQueue<Received> q = new LinkedBlockingQueue<>(10_000);
    List<Object> rows = new ArrayList<>();
    List<Double> errors = new ArrayList<>();
    List<Double> after = new ArrayList<>(); // signal at the listener, after System.gc() returned
    int detected = 0;
    Argos argos = Argos.createArgos();
    try (Agent agent = Agent.createAgent(AgentConfig.builder().observer(argos).build());
        Subscription sub =
            agent.on(
                Agent.topicOf(Signal.TYPE_EVENT_LOOP_LAG),
                s -> q.offer(new Received(System.nanoTime(), s)))) {
      sleep(1000);
      for (int i = 0; i < count; i++) {
        sleep(500);
        // repeated JVM stalls are one episode, which ends after 10 s without one: wait for calm,
        // so that each forced GC opens an episode of its own and its first signal is measured
        awaitNoJvmEpisode(argos);
        q.clear();
        notes.clear();
        long t0 = System.nanoTime();
        System.gc();
        long returned = System.nanoTime();
        double wallMs = (returned - t0) / 1e6;
        long gcMs = -1;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < until) {
          GcNote n = notes.poll(50, TimeUnit.MILLISECONDS);
          if (n != null && "System.gc()".equals(n.cause())) {
            gcMs = Math.max(gcMs, n.durationMs());
            break;
          }
        }
        // every signal for key "jvm" in the 2.5 s after the GC (another, shorter stall of a
        // loaded machine may come and go in the same window): the one with the largest lagMs
        double lagMs = -1;
        double gcPauseMs = -1;
        double afterMs = -1;
        Object cause = null;
        Object episodeCount = null;
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
        Received x;
        while ((x = poll(q, end, s -> KEY_JVM.equals(s.key()) && !s.isResolved())) != null) {
          Map<String, @Nullable Object> d = x.signal().data();
          if (d.get("lagMs") instanceof Number && ((Number) d.get("lagMs")).doubleValue() > lagMs) {
            lagMs = ((Number) d.get("lagMs")).doubleValue();
            gcPauseMs = d.get("gcPauseMs") instanceof Number ? ((Number) d.get("gcPauseMs")).doubleValue() : -1;
            cause = d.get("cause");
            episodeCount = d.get("count");
            afterMs = (x.atNanos() - returned) / 1e6;
          }
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("gcDurationMs", gcMs);
        row.put("systemGcWallMs", round(wallMs));
        row.put("reportedLagMs", lagMs);
        row.put("reportedGcPauseMs", gcPauseMs);
        row.put("cause", String.valueOf(cause));
        row.put("episodeCount", String.valueOf(episodeCount)); // 1: the episode's first signal
        row.put("signalAfterGcReturnedMs", round(afterMs));
        if (lagMs >= 0 && gcMs >= 0) {
          if (afterMs >= 0) {
            after.add(afterMs);
          }
          detected++;
          row.put("errorMs", round(lagMs - gcMs));
          errors.add(lagMs - gcMs);
        }
        rows.add(row);
        log("gc " + i + ": " + json(row));
      }
    } finally {
      for (NotificationEmitter e : emitters) {
        try {
          e.removeNotificationListener(nl);
        } catch (Exception ignored) {
          // best effort
        }
      }
    }
    Reference.reachabilityFence(live);
    List<Double> abs = new ArrayList<>();
    for (double e : errors) {
      abs.add(Math.abs(e));
    }
    r.put("gcs", count);
    r.put("liveSetMb", liveMb);
    r.put("collector", gcNames());
    r.put("detected", detected);
    r.put("errorMs", summary(errors));
    r.put("absErrorMs", summary(abs));
    r.put("signalAfterGcReturnedMs", summary(after));
    r.put("rows", rows);
    return r;
  }

  /** Waits (up to 30 s) until no JVM stall episode runs: its quiet time has passed. */
  private static void awaitNoJvmEpisode(Argos argos) {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (argos.snapshot().getLong("lag.jvm.episodeStalls", 0) > 0 && System.nanoTime() < until) {
      sleep(100);
    }
  }

  /** About {@code mb} MB of small linked objects: slow to mark, so a full GC pauses long. */
  private static Object[] liveSet(int mb) {
    int nodes = (int) (mb * 1024L * 1024L / 48);
    Object[] roots = new Object[1024];
    for (int i = 0; i < nodes; i++) {
      int slot = i & 1023;
      roots[slot] = new Object[] {roots[slot], null, null, null};
    }
    return roots;
  }

  private static String gcNames() {
    List<String> n = new ArrayList<>();
    for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
      n.add(b.getName());
    }
    return String.join(", ", n);
  }

  // ---------------------------------------------------------------- overhead

  private static Map<String, Object> overhead(int pairs, int phaseMs) throws InterruptedException {
    Map<String, Object> r = new LinkedHashMap<>();
    int threads = Runtime.getRuntime().availableProcessors();
    String[] keys = new String[1024];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = key(i * 7919);
    }
    int warmup = Integer.getInteger("argos.bench.warmupPairs", 4);
    for (int i = 0; i < warmup; i++) { // warm-up, both ways: JIT and heap sizing settle
      phase(false, threads, phaseMs, keys);
      phase(true, threads, phaseMs, keys);
    }
    SIGNALS.clear();
    List<Double> without = new ArrayList<>();
    List<Double> with = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    List<Double> cpuWithout = new ArrayList<>();
    List<Double> cpuWith = new ArrayList<>();
    List<Double> cpuLosses = new ArrayList<>();
    List<Double> argosShares = new ArrayList<>();
    for (int p = 0; p < pairs; p++) {
      boolean argosFirst = (p & 1) == 1; // ABBA: cancels slow drift of the machine
      double[] a = phase(argosFirst, threads, phaseMs, keys);
      double[] b = phase(!argosFirst, threads, phaseMs, keys);
      double[] on = argosFirst ? a : b;
      double[] off = argosFirst ? b : a;
      with.add(on[0]);
      without.add(off[0]);
      losses.add(100.0 * (1 - on[0] / off[0]));
      cpuWith.add(on[1]);
      cpuWithout.add(off[1]);
      cpuLosses.add(100.0 * (1 - on[1] / off[1]));
      argosShares.add(on[2]);
      log(String.format(Locale.ROOT,
          "pair %d: without %.0f req/s (%.0f per CPU-s), with %.0f req/s (%.0f per CPU-s): loss %.2f %% wall, %.2f %% per CPU-s",
          p, off[0], off[1], on[0], on[1], 100.0 * (1 - on[0] / off[0]), 100.0 * (1 - on[1] / off[1])));
    }
    r.put("threads", threads);
    r.put("unitsPerRequest", WORK_PER_REQUEST);
    r.put("record", System.getProperty("argos.bench.record", "key"));
    r.put("cpuMicrosPerRequestWithout", round(1e6 / summaryP50(cpuWithout)));
    Map<String, Object> signals = new java.util.TreeMap<>();
    SIGNALS.forEach((k, v) -> signals.put(k, v.sum()));
    r.put("signalsWhileMeasuring", signals);
    r.put("warmupPairs", warmup);
    r.put("pairs", pairs);
    r.put("phaseMs", phaseMs);
    r.put("withoutPerSecond", summary(without));
    r.put("withPerSecond", summary(with));
    r.put("lossPercentPerPair", summary(losses));
    r.put("lossPercentCi95", ci95(losses));
    r.put("withoutPerCpuSecond", summary(cpuWithout));
    r.put("withPerCpuSecond", summary(cpuWith));
    r.put("cpuLossPercentPerPair", summary(cpuLosses));
    r.put("cpuLossPercentCi95", ci95(cpuLosses));
    r.put("argosThreadsCpuPercentOfProcess", summary(argosShares));
    return r;
  }

  private static double summaryP50(List<Double> v) {
    double[] a = new double[v.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = v.get(i);
    }
    Arrays.sort(a);
    return a.length == 0 ? Double.NaN : pct(a, 50);
  }

  /** Mean and a 95 % confidence interval of the mean (Student's t), as [mean, low, high]. */
  static List<Double> ci95(List<Double> v) {
    int n = v.size();
    if (n < 2) {
      return List.of();
    }
    double mean = 0;
    for (double x : v) {
      mean += x;
    }
    mean /= n;
    double ss = 0;
    for (double x : v) {
      ss += (x - mean) * (x - mean);
    }
    double sd = Math.sqrt(ss / (n - 1));
    double[] t = {12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.20, 2.18, 2.16, 2.14,
        2.13, 2.12, 2.11, 2.10, 2.09};
    double tv = n - 2 < t.length ? t[n - 2] : 2.0;
    double half = tv * sd / Math.sqrt(n);
    return List.of(round(mean), round(mean - half), round(mean + half));
  }

  /**
   * One phase, with or without Argos: units of work per second of wall time over all threads, and
   * per second of CPU time of the whole process (every thread: workload, GC, JIT, Argos).
   */
  private static double[] phase(boolean withArgos, int threads, int phaseMs, String[] keys)
      throws InterruptedException {
    // argos.bench.record: key (default: recordRequest(key)), plain (recordRequest()), none, or
    // control (the "with" arm runs no Argos either: an A/A control)
    String record = System.getProperty("argos.bench.record", "key");
    boolean withKey = "key".equals(record);
    boolean recording = withKey || "plain".equals(record);
    Argos argos = null;
    Agent agent = null;
    if (withArgos && !"control".equals(record)) {
      argos = Argos.createArgos();
      agent =
          Agent.createAgent(
              AgentConfig.builder().quarantine(Quarantines.inMemory()).observer(argos).build());
      agent.on(Agent.TOPIC_SIGNAL, s -> countSignal(s));
      agent.on(Agent.TOPIC_QUARANTINE, s -> countSignal(s));
      agent.on(Agent.TOPIC_ERROR, s -> countSignal(s));
    }
    // both arms settle for the same pause before measuring: a pause in one arm only biased the
    // comparison on its own, by a few per cent against that arm (argos.bench.record=control
    // measures what is left of the method's bias)
    sleep(300);
    final Argos a = argos;
    LongAdder units = new LongAdder();
    CountDownLatch go = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      final int seed = t;
      ts[t] =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                long n = 0;
                long sink = 0;
                SplittableRandom rnd = new SplittableRandom(seed);
                while (!stop.get()) {
                  // one request: WORK_PER_REQUEST units of work, then recorded with its key
                  for (int k = 0; k < WORK_PER_REQUEST; k++) {
                    sink += unit(rnd);
                  }
                  if (a != null && recording) {
                    if (withKey) {
                      a.recordRequest(keys[(int) (n & 1023)]);
                    } else {
                      a.recordRequest();
                    }
                  }
                  n++;
                }
                units.add(n);
                SINK.add(sink);
              },
              "workload-" + t);
      ts[t].start();
    }
    long argosCpu0 = argosThreadsCpuNanos();
    long cpu0 = processCpuNanos();
    long t0 = System.nanoTime();
    go.countDown();
    sleep(phaseMs);
    stop.set(true);
    for (Thread t : ts) {
      t.join();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    long cpuNanos = processCpuNanos() - cpu0;
    double cpuSecs = cpuNanos / 1e9;
    long argosCpu = argosThreadsCpuNanos() - argosCpu0;
    if (agent != null) {
      agent.close();
    }
    return new double[] {
      units.sum() / secs,
      cpuSecs > 0 ? units.sum() / cpuSecs : Double.NaN,
      cpuNanos > 0 ? 100.0 * argosCpu / cpuNanos : Double.NaN
    };
  }

  /** CPU time of the live threads whose name starts with {@code argos}, in nanoseconds. */
  private static long argosThreadsCpuNanos() {
    ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long[] cpuAndAlloc : argosThreads(tmx, null, new ArrayList<>()).values()) {
      sum += cpuAndAlloc[0];
    }
    return sum;
  }

  private static final LongAdder SINK = new LongAdder();

  /** Signals seen during the overhead section's phases with Argos, by type and key kind. */
  private static final ConcurrentHashMap<String, LongAdder> SIGNALS = new ConcurrentHashMap<>();

  private static void countSignal(Signal s) {
    String what = s.type() + (s.isResolved() ? " (resolved)" : "") + (s.key() == null ? "" : " key=" + (s.key().startsWith("10.") ? "<client>" : s.key()));
    SIGNALS.computeIfAbsent(what, k -> new LongAdder()).increment();
  }

  /**
   * Units of work per request: 16 units are about 10 µs of CPU on the reference machine, a light
   * request (a cache hit, a small JSON response). Lighter requests make the per-call cost of
   * recordRequest(key) (see PerKeyBenchmark) a larger share.
   */
  private static final int WORK_PER_REQUEST = 16;

  static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean
        ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime()
        : -1;
  }

  /** CPU and allocation: sort 32 ints, then fill a small map with boxed keys and strings. */
  static long unit(SplittableRandom rnd) {
    int[] v = new int[32];
    for (int i = 0; i < v.length; i++) {
      v[i] = rnd.nextInt(1_000_000);
    }
    Arrays.sort(v);
    HashMap<Integer, String> m = new HashMap<>();
    for (int i = 0; i < 8; i++) {
      m.put(v[i * 4], Integer.toString(v[i * 4 + 1]));
    }
    long h = 0;
    for (Map.Entry<Integer, String> e : m.entrySet()) {
      h += e.getKey() * 31L + e.getValue().hashCode();
    }
    return h;
  }

  // ---------------------------------------------------------------- helpers

  static Map<String, Object> summary(List<Double> values) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", values.size());
    if (values.isEmpty()) {
      return m;
    }
    double[] v = new double[values.size()];
    double sum = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] = values.get(i);
      sum += v[i];
    }
    Arrays.sort(v);
    m.put("min", round(v[0]));
    m.put("p50", round(pct(v, 50)));
    m.put("p90", round(pct(v, 90)));
    m.put("p99", round(pct(v, 99)));
    m.put("max", round(v[v.length - 1]));
    m.put("mean", round(sum / v.length));
    return m;
  }

  /** Nearest-rank percentile of sorted values. */
  static double pct(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  static double round(double x) {
    return Math.round(x * 1000) / 1000.0;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void log(String s) {
    System.err.println("[harness] " + s);
  }

  /** A small JSON writer for maps, lists, numbers, strings, booleans and null. */
  static String json(@Nullable Object o) {
    StringBuilder b = new StringBuilder();
    write(b, o);
    return b.toString();
  }

  private static void write(StringBuilder b, @Nullable Object o) {
    if (o == null) {
      b.append("null");
    } else if (o instanceof Map) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
        if (!first) {
          b.append(',');
        }
        first = false;
        write(b, String.valueOf(e.getKey()));
        b.append(':');
        write(b, e.getValue());
      }
      b.append('}');
    } else if (o instanceof List) {
      b.append('[');
      boolean first = true;
      for (Object x : (List<?>) o) {
        if (!first) {
          b.append(',');
        }
        first = false;
        write(b, x);
      }
      b.append(']');
    } else if (o instanceof Double || o instanceof Float) {
      double d = ((Number) o).doubleValue();
      b.append(Double.isFinite(d) ? String.valueOf(d) : "null");
    } else if (o instanceof Number || o instanceof Boolean) {
      b.append(o);
    } else {
      String s = String.valueOf(o);
      b.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '"' || c == '\\') {
          b.append('\\').append(c);
        } else if (c < 0x20) {
          b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
        } else {
          b.append(c);
        }
      }
      b.append('"');
    }
  }
}
