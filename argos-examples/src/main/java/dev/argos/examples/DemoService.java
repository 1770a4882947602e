package dev.argos.examples;

import static dev.argos.core.Agent.createAgent;
import static dev.argos.observers.Argos.createArgos;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.SafeText;
import dev.argos.core.Signal;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.observers.Thresholds;
import dev.argos.signals.Dedup;
import dev.argos.signals.ProblemRegistry;
import dev.argos.signals.RegistryStats;
import dev.argos.signals.Quarantines;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A small HTTP service with Argos wired in, driven by its own load generator so that each
 * signal happens for real, printed as it arrives. Runs about 30 seconds and exits.
 *
 * <p>Run it: {@code mvn -B -q -pl argos-examples -am -DskipTests compile exec:java}
 */
public final class DemoService {
  private static final String FLOODER = "203.0.113.7";
  private static final int FLOOD_THREADS = 4;
  private final long startNanos = System.nanoTime();
  private final Map<String, LongAdder> signalsByType = new ConcurrentHashMap<>();
  private final List<byte[]> leak = new ArrayList<>();

  private DemoService() {}

  public static void main(String[] args) throws Exception {
    new DemoService().run();
  }

  private void run() throws Exception {
    // 1. Argos watches the JVM. A 10 s window (default 60 s) so baselines form within the demo.
    Argos argos =
        createArgos(
            ArgosConfig.builder()
                .sampleRate(Duration.ofMillis(100))
                .windowSize(Duration.ofSeconds(10))
                .thresholds(
                    Thresholds.builder()
                        .eventLoopLag(Duration.ofMillis(50))
                        .memoryGrowth(0.20)
                        .burstMultiplier(10)
                        .fileHandleUsage(0.90)
                        .build())
                .build());

    // 2. The agent starts Argos and delivers its signals to listeners.
    //    A flooding client is quarantined (the default hook); repeats are deduplicated.
    Agent agent =
        createAgent(
            AgentConfig.builder()
                .observer(argos)
                .quarantine(Quarantines.inMemory())
                .filter(Dedup.create())
                .build());
    agent.on(Agent.TOPIC_SIGNAL, s -> print("SIGNAL", s));
    agent.on(Agent.TOPIC_QUARANTINE, s -> print("QUARANTINE", s));
    agent.on(Agent.TOPIC_ERROR, s -> print("ARGOS-ERROR", s));
    //    Every signal and quarantine change is also recorded to a JSONL problem registry.
    Path registryFile = Path.of("target", "argos-demo-problems.jsonl");
    Files.createDirectories(registryFile.getParent());
    Files.deleteIfExists(registryFile);
    ProblemRegistry registry = ProblemRegistry.open(registryFile);
    agent.on(Agent.TOPIC_SIGNAL, registry);
    agent.on(Agent.TOPIC_QUARANTINE, registry);

    // 3. The service runs its handlers on one event-loop thread, watched by Argos.
    ExecutorService handlers = Executors.newSingleThreadExecutor(named("demo-event-loop"));
    argos.watch("http-loop", handlers);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(handlers);
    server.createContext("/hello", ex -> hello(ex, argos, agent));
    server.createContext("/report", DemoService::slowReport);
    server.start();
    URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    log("service listening on " + base + "; Argos is watching (window 10 s)");

    HttpClient client =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).executor(Executors.newFixedThreadPool(4, named("demo-client"))).build();
    try {
      phase("steady traffic: 20 clients, about 40 requests/s, for 10 s (Argos learns the baseline)");
      traffic(client, base, 20, 40, Duration.ofSeconds(10), null, 0);

      phase("one client floods: " + FLOODER + " sends about 400 requests/s for 4 s among normal traffic");
      traffic(client, base, 20, 40, Duration.ofSeconds(4), FLOODER, 400);

      phase("a handler blocks the event loop: GET /report holds it for 600 ms");
      send(client, base.resolve("/report"), "report-user");

      phase("a leak: the live set grows by 4 MB every 250 ms for 12 s");
      leak(Duration.ofSeconds(12));

      fileHandles(argos);

      phase("quiet: traffic back to normal for 4 s (episodes resolve)");
      traffic(client, base, 20, 40, Duration.ofSeconds(4), null, 0);
    } finally {
      server.stop(0);
      handlers.shutdownNow();
      agent.close(); // closes Argos too
      registry.close();
    }
    summary(argos, agent);
    log("problem registry " + registryFile.toAbsolutePath() + ": " + RegistryStats.of(registryFile).toJson());
  }

  // ---- the service ----

  private static void hello(HttpExchange ex, Argos argos, Agent agent) throws IOException {
    String clientKey = ex.getRequestHeaders().getFirst("X-Client");
    if (clientKey == null) {
      clientKey = ex.getRemoteAddress().getAddress().getHostAddress();
    }
    argos.recordRequest(clientKey); // hot path: no lock, no allocation
    boolean refused = agent.quarantine().isQuarantined(clientKey); // hot path too
    respond(ex, refused ? 429 : 200, refused ? "slow down" : "hello");
  }

  /** Blocks its handler thread: Argos reports the thread and this method while it is stuck. */
  private static void slowReport(HttpExchange ex) throws IOException {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(600);
    while (System.nanoTime() < until) {
      try {
        TimeUnit.MILLISECONDS.sleep(20); // a blocking call, e.g. JDBC, inside an event loop
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    respond(ex, 200, "report");
  }

  private static void respond(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  // ---- the load generator ----

  private void traffic(
      HttpClient client, URI base, int clients, int perSecond, Duration duration, @Nullable String flooder, int flooderPerSecond)
      throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    AtomicInteger seq = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(flooder == null ? 1 : 1 + FLOOD_THREADS);
    Thread normal =
        new Thread(
            () -> {
              pace(end, perSecond, () -> send(client, base.resolve("/hello"), "10.0.0." + (seq.incrementAndGet() % clients)));
              done.countDown();
            },
            "demo-normal-traffic");
    normal.start();
    if (flooder != null) {
      for (int t = 0; t < FLOOD_THREADS; t++) {
        Thread flood =
            new Thread(
                () -> {
                  pace(end, flooderPerSecond / FLOOD_THREADS, () -> send(client, base.resolve("/hello"), flooder));
                  done.countDown();
                },
                "demo-flood-" + t);
        flood.start();
      }
    }
    done.await();
  }

  private static void pace(long endNanos, int perSecond, Runnable request) {
    long interval = TimeUnit.SECONDS.toNanos(1) / perSecond;
    long next = System.nanoTime();
    while (System.nanoTime() < endNanos) {
      request.run();
      next += interval;
      long wait = next - System.nanoTime();
      if (wait < -TimeUnit.SECONDS.toNanos(1)) {
        next = System.nanoTime(); // fell behind (a slow machine): do not catch up in a burst
      } else if (wait > 0) {
        try {
          TimeUnit.NANOSECONDS.sleep(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static void send(HttpClient client, URI uri, String clientKey) {
    try {
      client.send(
          HttpRequest.newBuilder(uri).header("X-Client", clientKey).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      // the demo's own load generator: a failed request is simply not counted
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void leak(Duration duration) throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < end) {
      for (int i = 0; i < 4; i++) {
        leak.add(new byte[4 << 20]);
        TimeUnit.MILLISECONDS.sleep(250);
      }
      System.gc(); // a full collection reports the live set as it grows

    }
  }

  /** Opens files up to 95 % of a small descriptor limit (e.g. after {@code ulimit -n 512}). */
  private void fileHandles(Argos argos) throws IOException, InterruptedException {
    long max = argos.snapshot().getLong("fd.max", -1);
    if (max <= 0 || max > 4096) {
      phase("file handles: skipped (descriptor limit " + max
          + "); run `ulimit -n 512` before the demo to see resourceExhaustion");
      return;
    }
    phase("file handles: opening files up to 94 % of the descriptor limit of " + max);
    Path file = Files.createTempFile("argos-demo", ".txt");
    List<FileChannel> open = new ArrayList<>();
    try {
      long target = max * 94 / 100;
      long now = openDescriptors();
      while (now >= 0 && now < target) {
        for (long i = now; i < target; i++) {
          open.add(FileChannel.open(file, StandardOpenOption.READ));
        }
        now = openDescriptors(); // the HTTP client may have opened or closed sockets meanwhile
      }
      TimeUnit.SECONDS.sleep(3); // resources are read about once a second
    } catch (IOException e) {
      log("could not open more files: " + e.getMessage());
    } finally {
      for (FileChannel c : open) {
        c.close();
      }
      Files.deleteIfExists(file);
    }
  }

  /** This process's open descriptors, or -1 where /proc/self/fd is missing. */
  private static long openDescriptors() {
    try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  // ---- output ----

  private void print(String kind, Signal s) {
    signalsByType.computeIfAbsent(s.type(), k -> new LongAdder()).increment();
    String key = s.key() == null ? "" : " key=" + SafeText.neutralise(s.key(), 64);
    log(String.format("%-10s %-8s %-18s%s  %s  %s", kind, s.severity(), s.type(), key,
        SafeText.neutralise(s.message(), 160), brief(s.data())));
  }

  private static String brief(Map<String, @Nullable Object> data) {
    Map<String, Object> shown = new TreeMap<>();
    data.forEach((k, v) -> {
      if (!"stack".equals(k) && v != null) {
        shown.put(k, v instanceof Double d ? String.format("%.1f", d) : v);
      }
    });
    return SafeText.neutralise(shown.toString(), 300);
  }

  private void phase(String what) {
    log("---- " + what);
  }

  private void log(String line) {
    System.out.printf("[%5.1fs] %s%n", (System.nanoTime() - startNanos) / 1e9, line);
  }

  private void summary(Argos argos, Agent agent) {
    log("---- done. Signals by type: " + new TreeMap<>(signalsByType));
    log("quarantined now: " + agent.quarantine().size() + " key(s)");
    log("last snapshot: " + argos.snapshot().figures());
    leak.clear();
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
