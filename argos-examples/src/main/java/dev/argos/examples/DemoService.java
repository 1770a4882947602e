package dev.argos.examples;

import static dev.argos.core.Agent.createAgent;
import static dev.argos.observers.Argos.createArgos;

import com.sun.management.UnixOperatingSystemMXBean;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.internal.SafeText;
import dev.argos.live.LivePage;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.observers.Thresholds;
import dev.argos.signals.Dedup;
import dev.argos.signals.ProblemRegistry;
import dev.argos.signals.Quarantines;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
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
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A small HTTP service with Argos wired in, driven by its own load generator so that each kind
 * of signal happens for real: a flooding client (a per-key and an overall {@code burst}, then its
 * {@code quarantine}), a handler that blocks the event loop ({@code eventLoopLag} of the
 * executor), a leak ({@code memoryPressure}; its forced full collections also stop the JVM:
 * {@code eventLoopLag} with key {@code "jvm"}) and open files ({@code resourceExhaustion}). Each
 * kind is printed once with a line saying why (see {@link DemoNarrator}); the figures it prints
 * are measured, including the request rates the load generator really reached. Runs about 35
 * seconds and exits.
 *
 * <p>Run it: {@code ./mvnw -B -q -pl argos-examples -am -DskipTests compile exec:java}
 */
public final class DemoService {
  private static final String FLOODER = "203.0.113.7";
  private static final int CLIENTS = 20;
  private static final int NORMAL_RATE = 40;
  private static final int FLOOD_RATE = 400;
  private static final int FLOOD_THREADS = 8;
  /** Descriptors the file-handle scenario may open above what the process holds at start. */
  private static final int FD_HEADROOM = 300;
  private static final int WARM_UP_REQUESTS = 200;

  private final long startNanos = System.nanoTime();
  private final List<byte[]> leak = new ArrayList<>();
  private final DemoNarrator narrator = new DemoNarrator(this::log);

  private DemoService() {}

  public static void main(String[] args) throws Exception {
    // The JDK's HTTP server delays small responses by up to 40 ms without TCP_NODELAY (Nagle
    // against delayed ACKs), which would cap each client thread at about 25 requests/s.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    new DemoService().run();
  }

  private void run() throws Exception {
    // 0. The file-handle scenario must not exhaust the real limit (often 1 048 576): the
    //    threshold is lowered to a little above what this process holds now.
    FdBudget fd = FdBudget.measure();

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
                        .fileHandleUsage(fd.threshold())
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
    agent.on(Agent.TOPIC_SIGNAL, s -> narrator.onSignal("SIGNAL", s));
    agent.on(Agent.TOPIC_QUARANTINE, s -> narrator.onSignal("QUARANTINE", s));
    agent.on(Agent.TOPIC_ERROR, s -> narrator.onSignal("ARGOS-ERROR", s));
    //    Every signal and quarantine change is also recorded to a JSONL problem registry.
    Path registryFile = Path.of("target", "argos-demo-problems.jsonl");
    Files.createDirectories(registryFile.getParent());
    Files.deleteIfExists(registryFile);
    ProblemRegistry registry = ProblemRegistry.open(registryFile);
    agent.on(Agent.TOPIC_SIGNAL, registry);
    agent.on(Agent.TOPIC_QUARANTINE, registry);
    //    With -Dargos.live[=PORT], the live page shows it all in a browser.
    LivePage live = startLivePage(agent, argos);

    // 3. The service runs its handlers on one event-loop thread, watched by Argos.
    ExecutorService handlers = Executors.newSingleThreadExecutor(named("demo-event-loop"));
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(handlers);
    server.createContext("/hello", ex -> hello(ex, argos, agent));
    server.createContext("/report", DemoService::slowReport);
    server.createContext("/ping", ex -> respond(ex, 200, "pong"));
    server.start();
    URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    ExecutorService clientThreads = Executors.newFixedThreadPool(4, named("demo-client"));
    HttpClient client =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).executor(clientThreads).build();
    try {
      // The first requests load the HTTP classes on the event loop: that would be a stall of its own.
      for (int i = 0; i < WARM_UP_REQUESTS; i++) {
        send(client, base.resolve("/ping"), "warm-up");
      }
      argos.watch("http-loop", handlers);
      log("service listening on " + base + ", warmed up with " + WARM_UP_REQUESTS
          + " requests; Argos watches its event loop and the JVM (window 10 s, lag threshold 50 ms)");

      phase("steady traffic: " + CLIENTS + " clients, " + NORMAL_RATE
          + " requests/s in all, for 10 s (Argos learns the baseline)");
      traffic(client, base, Duration.ofSeconds(10), 0);

      phase("one client floods: " + FLOODER + " aims at " + FLOOD_RATE
          + " requests/s for 4 s among the normal traffic");
      traffic(client, base, Duration.ofSeconds(4), FLOOD_RATE);

      phase("a handler blocks the event loop: GET /report holds it for 600 ms");
      send(client, base.resolve("/report"), "report-user");

      phase("a leak: the live set grows by 4 MB every 250 ms for 12 s, with a System.gc() each second");
      leak(Duration.ofSeconds(12));

      fileHandles(argos, fd);

      phase("quiet: normal traffic for 4 s (episodes resolve)");
      traffic(client, base, Duration.ofSeconds(4), 0);
      if (live != null) {
        long hold = Long.getLong("argos.liveHoldSeconds", 60);
        log("the live page stays up " + hold + " s more: " + live.uri());
        Thread.sleep(TimeUnit.SECONDS.toMillis(hold));
      }
    } finally {
      server.stop(0);
      handlers.shutdownNow();
      clientThreads.shutdownNow();
      agent.close(); // closes Argos too
      registry.close();
    }
    summary(argos, agent);
    log("every signal with all its data: " + registryFile + " (stats: " + ProblemRegistry.read(registryFile).size()
        + " records; read it with the argos command: java -jar argos-cli/target/argos.jar report ...)");
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

  /** Answers counted by the load generator: sent, 429 (quarantined), failed. */
  private static final class Tally {
    final LongAdder sent = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder failed = new LongAdder();

    void count(int status) {
      sent.increment();
      if (status == 429) {
        refused.increment();
      } else if (status < 0) {
        failed.increment();
      }
    }
  }

  /** Normal traffic at {@link #NORMAL_RATE}, plus the flooder at {@code floodRate} if not 0. */
  private void traffic(HttpClient client, URI base, Duration duration, int floodRate)
      throws InterruptedException {
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    AtomicInteger seq = new AtomicInteger();
    Tally normal = new Tally();
    Tally flood = new Tally();
    List<Thread> threads = new ArrayList<>();
    threads.add(
        new Thread(
            () -> pace(end, NORMAL_RATE, () -> normal.count(
                send(client, base.resolve("/hello"), "10.0.0." + (seq.incrementAndGet() % CLIENTS)))),
            "demo-normal-traffic"));
    for (int t = 0; floodRate > 0 && t < FLOOD_THREADS; t++) {
      threads.add(
          new Thread(
              () -> pace(end, floodRate / FLOOD_THREADS,
                  () -> flood.count(send(client, base.resolve("/hello"), FLOODER))),
              "demo-flood-" + t));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    String line = String.format(Locale.ROOT, "sent: normal clients %d requests (%.1f/s)",
        normal.sent.sum(), normal.sent.sum() / seconds);
    if (floodRate > 0) {
      line += String.format(Locale.ROOT, ", %s %d requests (%.1f/s; %d answered 429 once quarantined)",
          FLOODER, flood.sent.sum(), flood.sent.sum() / seconds, flood.refused.sum());
    }
    long failed = normal.failed.sum() + flood.failed.sum();
    log(line + (failed > 0 ? "; " + failed + " failed" : ""));
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

  /** The HTTP status, or -1 if the request failed. */
  private static int send(HttpClient client, URI uri, String clientKey) {
    try {
      return client.send(
              HttpRequest.newBuilder(uri).header("X-Client", clientKey).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1; // counted as failed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
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

  /**
   * The descriptor limit and count of this process when the demo starts, and the {@code
   * fileHandleUsage} threshold the demo configures: {@link #FD_HEADROOM} above the count, as a
   * share of the limit (the default 0.90 when that is lower, or when the OS does not say).
   */
  private record FdBudget(long open, long max, double threshold) {
    static FdBudget measure() {
      long open = -1;
      long max = -1;
      if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
        open = os.getOpenFileDescriptorCount();
        max = os.getMaxFileDescriptorCount();
      }
      double threshold = 0.90;
      if (open >= 0 && max > 0) {
        threshold = Math.min(0.90, (double) (open + FD_HEADROOM) / max);
      }
      return new FdBudget(open, max, threshold);
    }
  }

  /** Opens files until the descriptors pass the configured threshold, holds them 3 s, closes. */
  private void fileHandles(Argos argos, FdBudget fd) throws IOException, InterruptedException {
    long max = argos.snapshot().getLong("fd.max", -1);
    if (max <= 0 || openDescriptors() < 0) {
      phase("file handles: skipped, Argos cannot count this process's descriptors on this OS"
          + " (it reads /proc/self/fd)");
      return;
    }
    long target = (long) Math.ceil(fd.threshold() * max) + 10;
    phase(String.format(Locale.ROOT,
        "file handles: opening files until %d of the %d descriptors are in use, for 3 s (the demo set"
            + " Argos's fileHandleUsage threshold to %.1f %%, %d descriptors, instead of the default"
            + " 90 %%, so as not to exhaust the real limit)",
        target, max, fd.threshold() * 100, (long) Math.ceil(fd.threshold() * max)));
    Path file = Files.createTempFile("argos-demo", ".txt");
    List<FileChannel> open = new ArrayList<>();
    try {
      long now = openDescriptors();
      while (now >= 0 && now < target && target < max) {
        for (long i = now; i < target; i++) {
          open.add(FileChannel.open(file, StandardOpenOption.READ));
        }
        now = openDescriptors(); // the HTTP client may have opened or closed sockets meanwhile
      }
      TimeUnit.SECONDS.sleep(3); // resources are read about once a second
    } catch (IOException e) {
      log("could not open more files: " + SafeText.neutralise(e.getMessage(), 200));
    } finally {
      for (FileChannel c : open) {
        c.close();
      }
      Files.deleteIfExists(file);
    }
  }

  /** This process's open descriptors, or -1 where /proc/self/fd is missing. */
  private static long openDescriptors() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  // ---- output ----

  /** The live page when {@code -Dargos.live[=PORT]} was given, after a 10 s pause to open it. */
  private @Nullable LivePage startLivePage(Agent agent, Argos argos) throws InterruptedException {
    String port = System.getProperty("argos.live");
    if (port == null) {
      return null;
    }
    LivePage live = LivePage.builder().agent(agent).argos(argos)
        .port(port.isEmpty() ? 7842 : Integer.parseInt(port)).build().start();
    log("live page: " + live.uri() + " (open it now: the scenarios start in 10 s)");
    Thread.sleep(10_000);
    return live;
  }

  private void phase(String what) {
    log("---- " + what);
  }

  private void log(String line) {
    System.out.println(
        String.format(Locale.ROOT, "[%5.1fs] %s", (System.nanoTime() - startNanos) / 1e9, line));
  }

  private void summary(Argos argos, Agent agent) {
    log("---- done");
    narrator.summary().forEach(this::log);
    log("quarantined now: " + agent.quarantine().size() + " key(s)");
    Map<String, Object> figures = argos.snapshot().figures();
    log("last snapshot, " + figures.size() + " figures (docs/snapshot.md explains each):");
    for (String line : SnapshotLines.format(figures, 110)) {
      log("  " + line);
    }
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
