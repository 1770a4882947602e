package dev.argos.observers;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A child JVM for {@link VirtualThreadsIdleCostTest}: starts an Argos with every default and
 * {@code virtualThreads} on or off (or one part of it: {@code probe}, {@code jfr}), waits {@code warm} seconds, then measures the whole process's
 * CPU time for {@code measure} seconds while it idles; prints one {@code RESULT} line.
 */
public final class VirtualThreadsIdleMain {
  private VirtualThreadsIdleMain() {}

  public static void main(String[] args) throws Exception {
    // on: both parts; probe / jfr: one part only (started by hand, Argos's own switch off); off
    boolean on = args[0].startsWith("on");
    long warm = Long.parseLong(args[1]);
    long measure = Long.parseLong(args[2]);
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    try (Argos argos =
        Argos.createArgos(ArgosConfig.builder().virtualThreads(on).build()).start();
        AutoCloseable part = part(args[0], argos)) {
      idle(TimeUnit.SECONDS.toNanos(warm));
      long cpu1 = os.getProcessCpuTime();
      long t1 = System.nanoTime();
      idle(TimeUnit.SECONDS.toNanos(measure));
      long cpu2 = os.getProcessCpuTime();
      long t2 = System.nanoTime();
      System.out.println(String.format(Locale.ROOT,
          "RESULT mode=%s startCpuMs=%d idleCpuPct=%.3f rssKb=%d threads=%d virtualLag=%s",
          args[0], TimeUnit.NANOSECONDS.toMillis(cpu1 - cpu0),
          100.0 * (cpu2 - cpu1) / (t2 - t1), rssKb(), Thread.activeCount(),
          argos.snapshot().get("lag.executor.virtual.lagMs")));
    }
  }

  private static AutoCloseable part(String mode, Argos argos) {
    if (mode.startsWith("probe")) {
      return VirtualSchedulerProbe.start(argos);
    }
    if (mode.startsWith("jfr")) {
      return PinnedThreadSampler.start(argos.config(), argos.out());
    }
    return () -> {};
  }

  private static void idle(long nanos) {
    long end = System.nanoTime() + nanos;
    for (long left = nanos; left > 0; left = end - System.nanoTime()) {
      LockSupport.parkNanos(left); // the application does nothing
    }
  }

  private static long rssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (Exception e) {
      // not Linux
    }
    return -1;
  }
}
