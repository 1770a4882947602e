package dev.argos.agent.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The application the agent's integration tests start in a child JVM with {@code -javaagent}. It
 * knows nothing of Argos (no Argos class is referenced): it carries its own Jackson (a different
 * version from the one the agent shades) and uses it, then does what its mode says.
 *
 * <ul>
 *   <li>{@code hello}: uses Jackson, waits until the agent has started (by thread name), exits.
 *   <li>{@code stall REGISTRY}: holds a large live set of small objects and runs full collections
 *       (each one stops the JVM for a while) until the registry file holds an {@code eventLoopLag}
 *       line caused by GC, at most 60 s.
 *   <li>{@code leak REGISTRY}: leaks 64 KiB arrays at about 25 MB/s with garbage churn on top,
 *       toward the small {@code -Xmx} the test gives it, until the registry holds a {@code
 *       memoryPressure} line, at most 60 s; never past 90 % of the heap.
 *   <li>{@code attachable STOPFILE}: prints {@code APP PID <pid>}, waits (at most 60 s) for an
 *       agent loaded into it while it runs ({@code agentmain}) to start, then until STOPFILE
 *       exists (at most 60 s more).
 * </ul>
 *
 * Prints {@code APP JACKSON <version> <json>} first and {@code APP DONE <mode> found=<bool>} last.
 */
public final class AgentTestApp {
  private static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);
  /** Retained by the stall mode (a static, so the JIT cannot drop it). */
  static volatile Object[] live;

  private AgentTestApp() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "hello";
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("app", "test");
    m.put("n", 1);
    String json = new ObjectMapper().writeValueAsString(m);
    System.out.println(
        "APP JACKSON "
            + com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION
            + " "
            + json
            + " from "
            + ObjectMapper.class.getProtectionDomain().getCodeSource().getLocation());
    boolean found;
    switch (mode) {
      case "stall" -> found = stall(Path.of(args[1]));
      case "leak" -> found = leak(Path.of(args[1]));
      case "attachable" -> {
        System.out.println("APP PID " + ProcessHandle.current().pid());
        System.out.flush();
        found = awaitAgentStarted();
        Path stop = Path.of(args[1]);
        long t0 = System.nanoTime();
        while (!Files.exists(stop) && System.nanoTime() - t0 < MAX_NANOS) {
          TimeUnit.MILLISECONDS.sleep(20);
        }
      }
      default -> found = awaitAgentStarted();
    }
    System.out.println("APP DONE " + mode + " found=" + found);
    System.out.flush();
  }

  /** Whether a line of the registry holds every one of {@code parts}. */
  private static boolean registryHas(Path registry, String... parts) throws IOException {
    if (!Files.exists(registry)) {
      return false;
    }
    for (String line : Files.readAllLines(registry, StandardCharsets.UTF_8)) {
      boolean all = true;
      for (String part : parts) {
        all &= line.contains(part);
      }
      if (all) {
        return true;
      }
    }
    return false;
  }

  /**
   * Waits (at most 60 s) until the agent's start thread has finished and Argos's sampler runs:
   * the one place this application looks for Argos, by thread name, so that a short run still
   * shows the agent's start line.
   */
  private static boolean awaitAgentStarted() throws InterruptedException {
    long t0 = System.nanoTime();
    while (System.nanoTime() - t0 < MAX_NANOS) {
      boolean starting = false;
      boolean sampling = false;
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        starting |= t.getName().equals("argos-agent-start");
        sampling |= t.getName().equals("argos-sampler");
      }
      if (sampling && !starting) {
        return true;
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    return false;
  }

  private static boolean stall(Path registry) throws Exception {
    // about 1.5 million small linked objects: each full collection marks and moves all of them
    Object[] head = null;
    for (int i = 0; i < 1_500_000; i++) {
      head = new Object[] {head, new byte[16]};
    }
    live = head;
    long t0 = System.nanoTime();
    int gcs = 0;
    while (System.nanoTime() - t0 < MAX_NANOS) {
      long g = System.nanoTime();
      System.gc();
      gcs++;
      System.out.println(
          "APP GC " + gcs + " " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - g) + " ms");
      if (registryHas(registry, "\"type\":\"eventLoopLag\"", "\"cause\":\"gc\"")) {
        return true;
      }
      TimeUnit.MILLISECONDS.sleep(200); // the workload's own pace: let the sampler see the end
    }
    return false;
  }

  private static boolean leak(Path registry) throws Exception {
    Runtime rt = Runtime.getRuntime();
    List<byte[]> retained = new ArrayList<>();
    byte[][] young = new byte[64][];
    long t0 = System.nanoTime();
    long leaked = 0;
    long churned = 0;
    int k = 0;
    long lastCheck = 0;
    while (System.nanoTime() - t0 < MAX_NANOS) {
      double elapsed = (System.nanoTime() - t0) / 1e9;
      long used = rt.totalMemory() - rt.freeMemory();
      long leakTarget = (long) (elapsed * 25 * (1 << 20));
      while (leaked < leakTarget && used < rt.maxMemory() * 9 / 10) {
        retained.add(new byte[64 * 1024]);
        leaked += 64 * 1024;
        used += 64 * 1024;
      }
      long churnTarget = (long) (elapsed * 100 * (1 << 20));
      while (churned < churnTarget) {
        young[k++ % young.length] = new byte[8192];
        churned += 8192;
      }
      if (System.nanoTime() - lastCheck > TimeUnit.MILLISECONDS.toNanos(100)) {
        lastCheck = System.nanoTime();
        if (registryHas(registry, "\"type\":\"memoryPressure\"")) {
          System.out.println("APP LEAKED " + (leaked >> 20) + " MB of " + (rt.maxMemory() >> 20));
          return true;
        }
      }
      TimeUnit.MILLISECONDS.sleep(5);
    }
    System.out.println("APP LEAKED " + (leaked >> 20) + " MB of " + (rt.maxMemory() >> 20));
    return false;
  }
}
