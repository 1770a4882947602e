package dev.argos.observers;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.argos.core.Signal;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Run in a child JVM by {@link HeapExhaustionChildJvmTest}: starts Argos, retains a base live set,
 * then leaks {@code leakMBps} MB/s (64 KiB arrays) with {@code churnMBps} MB/s of short-lived
 * garbage on top, until Argos signals {@code memoryPressure} with {@code reason = "exhaustion"}.
 * Prints one {@code SIGNAL ...} line per memoryPressure signal with the time since the leak began
 * and the share of the headroom (max heap minus the base live set) leaked by then, and one
 * {@code DONE ...} line. Stops leaking at 90 % of the headroom so the child never dies of
 * OutOfMemoryError. Repeats that {@code runs} times (a fresh Argos and a fresh leak each time,
 * everything released and collected in between). Exit 0 when every run had the exhaustion
 * signal, 2 otherwise.
 *
 * <p>Arguments: windowMs baseMB leakMBps churnMBps maxSeconds [runs [trace]]. The churn's garbage
 * lives while the last {@code -Dchurn.liveKB} KiB of it (default 512) are kept: raise it to make
 * garbage that survives a young collection and is promoted.
 */
public final class HeapLeakMain {
  private static final int CHUNK = 64 * 1024;

  private HeapLeakMain() {}

  public static void main(String[] args) throws Exception {
    long windowMs = Long.parseLong(args[0]);
    long baseMb = Long.parseLong(args[1]);
    double leakMbps = Double.parseDouble(args[2]);
    double churnMbps = Double.parseDouble(args[3]);
    long maxSeconds = Long.parseLong(args[4]);
    int runs = args.length > 5 ? Integer.parseInt(args[5]) : 1;
    boolean trace = args.length > 6 && "trace".equals(args[6]);
    if (trace) {
      trace(System.nanoTime());
    }
    int code = 0;
    for (int run = 1; run <= runs; run++) {
      System.out.println("RUN " + run);
      if (!leakOnce(windowMs, baseMb, leakMbps, churnMbps, maxSeconds)) {
        code = 2;
      }
      System.gc();
    }
    System.out.flush();
    System.exit(code);
  }

  /** One leak under a fresh Argos; true when the exhaustion signal came. */
  private static boolean leakOnce(long windowMs, long baseMb, double leakMbps, double churnMbps,
      long maxSeconds) throws InterruptedException {
    BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    Argos argos =
        Argos.createArgos(
            ArgosConfig.builder()
                .sampleRate(Duration.ofMillis(50))
                .windowSize(Duration.ofMillis(windowMs))
                .onAnomaly(signals::add)
                .build());
    argos.start();
    List<byte[]> retained = new ArrayList<>();
    for (long i = 0; i < baseMb * 16; i++) {
      retained.add(new byte[CHUNK]);
    }
    System.gc();
    Runtime rt = Runtime.getRuntime();
    long baseUsed = rt.totalMemory() - rt.freeMemory();
    long headroom = rt.maxMemory() - baseUsed;
    long t0 = System.nanoTime();
    long leaked = 0;
    long churned = 0;
    int k = 0;
    byte[][] young = new byte[Math.max(1, Integer.getInteger("churn.liveKB", 512) / 8)][];
    boolean found = false;
    String done = "TIMEOUT";
    while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(maxSeconds)) {
      Signal s = signals.poll(5, TimeUnit.MILLISECONDS);
      double elapsed = (System.nanoTime() - t0) / 1e9;
      if (s != null && Signal.TYPE_MEMORY_PRESSURE.equals(s.type())) {
        Map<String, Object> d = s.data();
        System.out.println(String.format(Locale.ROOT,
            "SIGNAL t=%.2f reason=%s severity=%s resolved=%s headroomUsed=%.3f leakedMB=%d"
                + " headroomMB=%d tte=%s liveSetMB=%s",
            elapsed, d.get("reason"), s.severity(), s.isResolved(), (double) leaked / headroom,
            leaked >> 20, headroom >> 20, d.get("secondsToExhaustion"),
            d.get("liveSetBytes") == null ? "null" : ((Long) d.get("liveSetBytes")) >> 20));
        if ("exhaustion".equals(d.get("reason")) && !s.isResolved()) {
          found = true;
          done = "EXHAUSTION";
          break;
        }
      }
      // leak and churn at their rates, paced by the clock
      long leakTarget = (long) (elapsed * leakMbps * (1 << 20));
      while (leaked < leakTarget && leaked < headroom * 9 / 10) {
        retained.add(new byte[CHUNK]);
        leaked += CHUNK;
      }
      long churnTarget = (long) (elapsed * churnMbps * (1 << 20));
      while (churned < churnTarget) {
        young[k++ % young.length] = new byte[8192];
        churned += 8192;
      }
    }
    System.out.println(String.format(Locale.ROOT,
        "DONE %s t=%.2f headroomUsed=%.3f headroomMB=%d retained=%d", done,
        (System.nanoTime() - t0) / 1e9, (double) leaked / headroom, headroom >> 20, retained.size()));
    argos.close();
    retained.clear();
    return found;
  }

  /** Prints each collection's heap after GC, per pool (diagnosis only). */
  private static void trace(long t00) {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter e) {
        e.addNotificationListener((n, h) -> {
          GarbageCollectionNotificationInfo info =
              GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
          StringBuilder sb = new StringBuilder();
          long sum = 0;
          for (Map.Entry<String, MemoryUsage> u : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            long used = u.getValue().getUsed();
            if (used > 0) {
              sb.append(' ').append(u.getKey().replace(' ', '_')).append('=').append(used >> 20);
              sum += used;
            }
          }
          System.out.println(String.format(Locale.ROOT, "GC t=%.2f %s/%s/%s afterMB=%d%s",
              (System.nanoTime() - t00) / 1e9, info.getGcName(), info.getGcAction(),
              info.getGcCause(), sum >> 20, sb));
        }, null, null);
      }
    }
  }
}
