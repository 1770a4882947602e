package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Signal;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.helpers.MessageFormatter;

/**
 * {@link WebhookSink} under attack (issue 11, §2.3, §2.5, §3): secrets in the URI, hostile header
 * values, large and slow response bodies, redirects, overflowing durations, no fallback. Every
 * endpoint is a real {@link HttpServer} on 127.0.0.1.
 */
class WebhookSinkAttackTest {
  private static final String SECRET_PATH = "T000SECRET/B000SECRET/XXXXSECRET";
  private static final long FIFTY_MB = 50L * 1024 * 1024;

  @TempDir Path dir;

  private HttpServer server;
  private ExecutorService serverPool;
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<String> lines = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.stop(0);
      serverPool.shutdownNow();
    }
  }

  private int serve(String path, HttpHandler handler) throws IOException {
    if (server == null) {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      serverPool = Executors.newCachedThreadPool();
      server.setExecutor(serverPool);
      server.start();
    }
    server.createContext(path, handler);
    return server.getAddress().getPort();
  }

  private URI hook(HttpHandler handler) throws IOException {
    return URI.create("http://127.0.0.1:" + serve("/hook", handler) + "/hook");
  }

  /** A logger that keeps every formatted line of every level. */
  private Logger recordingLogger() {
    return (Logger)
        Proxy.newProxyInstance(
            Logger.class.getClassLoader(),
            new Class<?>[] {Logger.class},
            (proxy, method, args) -> {
              String m = method.getName();
              if (m.startsWith("is") && m.endsWith("Enabled")) {
                return true;
              }
              if (m.equals("getName")) {
                return "recording";
              }
              if (args != null && args.length >= 1 && args[0] instanceof String fmt) {
                Object[] rest;
                if (args.length == 2 && args[1] instanceof Object[] a) {
                  rest = a;
                } else {
                  rest = java.util.Arrays.copyOfRange(args, 1, args.length);
                }
                lines.add(m + " " + MessageFormatter.arrayFormat(fmt, rest).getMessage());
              }
              return null;
            });
  }

  static Signal signal(int seq) {
    return WebhookSinkTest.signal(seq);
  }

  private static void respond(HttpExchange ex, int status) throws IOException {
    ex.getRequestBody().readAllBytes();
    ex.sendResponseHeaders(status, -1);
    ex.close();
  }

  // ---- §2.3 secrets ----

  @Test
  void secretUriNeverAppearsInLogLinesExceptionsOrToString() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    int port =
        serve(
            "/services",
            ex -> {
              // 401 first (a rejection line), then 500s (unreachable line)
              respond(ex, hits.incrementAndGet() == 1 ? 401 : 500);
            });
    URI secret =
        URI.create(
            "http://bot:pa55wordSECRET@127.0.0.1:"
                + port
                + "/services/"
                + SECRET_PATH
                + "?token=QUERYSECRET#FRAGSECRET");
    ManualClock clock = Clock.manual();
    WebhookSink sink =
        WebhookSink.builder(secret)
            .backoff(Duration.ZERO)
            .clock(clock)
            .logger(recordingLogger())
            .build();
    try {
      sink.onSignal(signal(1)); // rejected, lost (no fallback)
      clock.advance(Duration.ofSeconds(2));
      sink.onSignal(signal(2)); // 3 x 500: unreachable, lost
      assertThat(hits).hasValue(4);
      assertThat(sink.failedCount()).isEqualTo(2);
    } finally {
      sink.close();
    }
    assertThat(lines).hasSizeGreaterThanOrEqualTo(3);
    assertThat(lines).anyMatch(l -> l.contains("rejected a signal with HTTP 401"));
    assertThat(lines).anyMatch(l -> l.contains("unreachable after 3 attempts (last: HTTP 500)"));
    assertThat(lines).allMatch(l -> l.contains("http://127.0.0.1:" + port + "/..."));
    assertThat(String.join("\n", lines))
        .doesNotContain("SECRET")
        .doesNotContain("pa55word")
        .doesNotContain("bot:")
        .doesNotContain("token=");
    assertThat(sink.toString()).isEqualTo("WebhookSink[http://127.0.0.1:" + port + "/...]");

    // exceptions: a bad scheme, a host Java cannot parse
    assertThatThrownBy(
            () -> WebhookSink.builder(URI.create("ftp://bot:pa55wordSECRET@x/services/" + SECRET_PATH)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ftp://x/...")
        .hasMessageNotContaining("SECRET");
    assertThatThrownBy(
            () -> WebhookSink.builder(URI.create("http://bot:pa55wordSECRET@bad_host/" + SECRET_PATH)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("SECRET");
    assertThat(WebhookSink.builder(secret).toString()).doesNotContain("SECRET");
  }

  @Test
  void redactKeepsSchemeHostAndPortOnly() {
    assertThat(WebhookSink.redact(URI.create("https://hooks.slack.com/services/T000/B000/XXXX")))
        .isEqualTo("https://hooks.slack.com/...");
    assertThat(WebhookSink.redact(URI.create("https://u:p@alerts.example:8443/argos?key=abc")))
        .isEqualTo("https://alerts.example:8443/...");
    assertThat(WebhookSink.redact(URI.create("https://alerts.example?key=abc")))
        .isEqualTo("https://alerts.example?...");
    assertThat(WebhookSink.redact(URI.create("http://alerts.example"))).isEqualTo("http://alerts.example");
    assertThat(WebhookSink.redact(URI.create("http://alerts.example/"))).isEqualTo("http://alerts.example");
  }

  /** A token that is the only path segment (catch-hook services) is a secret too. */
  @Test
  void aSecretThatIsTheOnlyPathSegmentIsNeverShown() throws Exception {
    String token = "k3x9w2q8v7b6n5m4l3j2h1g0f9d8s7a6";
    URI uri = URI.create("https://hook.example/" + token);
    assertThat(WebhookSink.redact(uri)).doesNotContain(token);
    try (WebhookSink sink =
        WebhookSink.builder(uri).fallback(Files.createTempFile("wh", ".log")).build()) {
      assertThat(sink.toString()).doesNotContain(token);
    }
  }

  // ---- §2.3 headers ----

  @Test
  void hostileHeadersAreRefusedWhenSetNamingTheHeaderNotItsValue() {
    URI uri = URI.create("http://127.0.0.1:1/x");
    for (String value : List.of("Bearer tokSECRET\n", "Bearer tokSECRET\r\nX-Evil: 1", "tokSECRET\u0000", "tokSECRET\u001b[31m")) {
      assertThatThrownBy(() -> WebhookSink.builder(uri).header("Authorization", value))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Authorization")
          .hasMessageNotContaining("SECRET")
          .hasMessageNotContaining("Bearer");
    }
    for (String name : List.of("Host", "Connection", "Content-Length", "Expect", "Upgrade", "host", "Transfer-Encoding")) {
      assertThatThrownBy(() -> WebhookSink.builder(uri).header(name, "valueSECRET"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(name)
          .hasMessageNotContaining("SECRET");
    }
    for (String name : List.of("Content-Type", "X-Argos-Signature")) {
      assertThatThrownBy(() -> WebhookSink.builder(uri).header(name, "x"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(name);
    }
    assertThatThrownBy(() -> WebhookSink.builder(uri).header("Bad Name", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Bad Name");
    assertThatThrownBy(() -> WebhookSink.builder(uri).header("X-Big", "a".repeat(8193)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("X-Big");
    WebhookSink.Builder many = WebhookSink.builder(uri);
    for (int i = 0; i < WebhookSink.MAX_HEADERS; i++) {
      many.header("X-H" + i, "v");
    }
    assertThatThrownBy(() -> many.header("X-One-Too-Many", "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 64 headers");
    // a tab and Latin-1 text are legal header values
    WebhookSink.builder(uri).header("X-Team", "infra\tcaf\u00e9");
  }

  @Test
  void aValidHeaderReachesTheServerAndReplacesAnEarlierValue() throws Exception {
    List<String> got = new CopyOnWriteArrayList<>();
    URI uri =
        hook(
            ex -> {
              got.addAll(ex.getRequestHeaders().getOrDefault("X-Token", List.of()));
              got.addAll(ex.getRequestHeaders().getOrDefault("User-agent", List.of()));
              respond(ex, 204);
            });
    try (WebhookSink sink =
        WebhookSink.builder(uri).header("X-Token", "old").header("X-Token", "new").build()) {
      sink.onSignal(signal(1));
      assertThat(sink.deliveredCount()).isEqualTo(1);
    }
    assertThat(got).containsExactly("new", "argos-webhook");
  }

  // ---- §2.3 any failure after build() reaches the fallback ----

  /** A clock that throws once armed: an exception inside the sink after build(). */
  static final class FailingClock implements Clock {
    final AtomicBoolean armed = new AtomicBoolean();

    @Override
    public long nanoTime() {
      if (armed.get()) {
        throw new IllegalStateException("clock broke");
      }
      return 0;
    }

    @Override
    public Instant instant() {
      return Instant.EPOCH;
    }
  }

  @Test
  void anExceptionInsideTheSinkAfterBuildStillReachesTheFallbackFile() throws Exception {
    URI uri = hook(ex -> respond(ex, 500));
    FailingClock clock = new FailingClock();
    Path fb = dir.resolve("undelivered.jsonl");
    try (WebhookSink sink =
        WebhookSink.builder(uri).attempts(1).clock(clock).fallback(fb).build()) {
      clock.armed.set(true);
      sink.onSignal(signal(1)); // 500, then the down bookkeeping throws
      assertThat(sink.failedCount()).isEqualTo(1);
      assertThat(sink.deliveredCount()).isZero();
    }
    assertThat(ProblemRegistry.read(fb)).extracting(r -> r.data().get("seq")).containsExactly(1);
  }

  // ---- §2.3 a 2xx with a large or slow body is a delivery ----

  @Test
  void twoHundredWithAFiftyMegabyteBodyIsOneDeliveryAndTheBodyIsNotRead() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    AtomicLong written = new AtomicLong();
    CountDownLatch handlerDone = new CountDownLatch(1);
    URI uri =
        hook(
            ex -> {
              hits.incrementAndGet();
              ex.getRequestBody().readAllBytes();
              ex.sendResponseHeaders(200, FIFTY_MB);
              byte[] chunk = new byte[64 * 1024];
              try (OutputStream out = ex.getResponseBody()) {
                while (written.get() < FIFTY_MB) {
                  out.write(chunk);
                  written.addAndGet(chunk.length);
                }
              } catch (IOException e) {
                // the client closed the connection without reading the body: expected
              } finally {
                handlerDone.countDown();
              }
            });
    try (WebhookSink sink =
        WebhookSink.builder(uri)
            .requestTimeout(Duration.ofMillis(500))
            .backoff(Duration.ZERO)
            .logger(recordingLogger())
            .build()) {
      long t0 = System.nanoTime();
      sink.onSignal(signal(1));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(sink.deliveredCount()).isEqualTo(1);
      assertThat(sink.failedCount()).isZero();
      assertThat(sink.requestCount()).isEqualTo(1);
      assertThat(hits).hasValue(1);
      assertThat(ms).isLessThan(3_000L);
    }
    // the sink closed the connection after the status line: the server could not push 50 MB
    assertThat(handlerDone.await(20, TimeUnit.SECONDS)).isTrue();
    assertThat(written.get()).isLessThan(FIFTY_MB);
    assertThat(lines).noneMatch(l -> l.contains("lost a signal"));
  }

  @Test
  void twoHundredWithABodyTrickledSlowlyIsDeliveredAtOnce() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    URI uri =
        hook(
            ex -> {
              hits.incrementAndGet();
              ex.getRequestBody().readAllBytes();
              ex.sendResponseHeaders(200, 0); // chunked
              try (OutputStream out = ex.getResponseBody()) {
                // one byte every 100 ms until the test ends (the latch paces, nothing waits on it)
                while (!release.await(100, TimeUnit.MILLISECONDS)) {
                  out.write('x');
                  out.flush();
                }
              } catch (IOException | InterruptedException e) {
                // the client went away
              }
            });
    try (WebhookSink sink =
        WebhookSink.builder(uri)
            .requestTimeout(Duration.ofMillis(300))
            .connectTimeout(Duration.ofMillis(500))
            .backoff(Duration.ZERO)
            .build()) {
      long t0 = System.nanoTime();
      sink.onSignal(signal(1));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(sink.deliveredCount()).isEqualTo(1);
      assertThat(sink.failedCount()).isZero();
      assertThat(sink.requestCount()).isEqualTo(1);
      assertThat(ms).isLessThan(3_000L);
      sink.onSignal(signal(2)); // the endpoint is not marked down: a second request
      assertThat(sink.deliveredCount()).isEqualTo(2);
      assertThat(hits).hasValue(2);
    }
  }

  @Test
  void aRedirectIsNotFollowedNotRetriedAndKeptInTheFallback() throws Exception {
    AtomicInteger targetHits = new AtomicInteger();
    int port =
        serve(
            "/target",
            ex -> {
              targetHits.incrementAndGet();
              respond(ex, 200);
            });
    URI uri =
        hook(
            ex -> {
              ex.getRequestBody().readAllBytes();
              ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + port + "/target?locSECRET");
              ex.sendResponseHeaders(302, -1);
              ex.close();
            });
    Path fb = dir.resolve("undelivered.jsonl");
    try (WebhookSink sink =
        WebhookSink.builder(uri).fallback(fb).logger(recordingLogger()).build()) {
      sink.onSignal(signal(1));
      assertThat(sink.requestCount()).isEqualTo(1);
      assertThat(sink.failedCount()).isEqualTo(1);
      assertThat(sink.deliveredCount()).isZero();
    }
    assertThat(targetHits).hasValue(0);
    assertThat(ProblemRegistry.read(fb)).hasSize(1);
    assertThat(lines).anyMatch(l -> l.contains("HTTP 302"));
    assertThat(String.join("\n", lines)).doesNotContain("locSECRET");
  }

  // ---- §2.5 durations ----

  @Test
  void everyDurationIsCheckedWhenSetWithCeilings() {
    URI uri = URI.create("http://127.0.0.1:1/x");
    List<Duration> huge =
        List.of(
            Duration.ofMillis(Long.MAX_VALUE),
            ChronoUnit.FOREVER.getDuration(),
            Duration.ofMinutes(5).plusNanos(1));
    for (Duration d : huge) {
      assertThatThrownBy(() -> WebhookSink.builder(uri).connectTimeout(d))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("connectTimeout");
      assertThatThrownBy(() -> WebhookSink.builder(uri).requestTimeout(d))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("requestTimeout");
      assertThatThrownBy(() -> WebhookSink.builder(uri).backoff(d))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("backoff");
    }
    for (Duration d : List.of(Duration.ofMillis(Long.MAX_VALUE), ChronoUnit.FOREVER.getDuration(), Duration.ofDays(2))) {
      assertThatThrownBy(() -> WebhookSink.builder(uri).downCooldown(d))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("downCooldown");
    }
    assertThatThrownBy(() -> WebhookSink.builder(uri).requestTimeout(Duration.ofNanos(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requestTimeout must be in [PT0.001S, PT5M] but was PT0.000000001S");
    assertThatThrownBy(() -> WebhookSink.builder(uri).backoff(Duration.ofMillis(-1)))
        .hasMessageContaining("backoff");
    assertThatThrownBy(() -> WebhookSink.builder(uri).attempts(11)).hasMessageContaining("attempts");
    // the ceilings themselves are accepted
    WebhookSink.builder(uri)
        .connectTimeout(WebhookSink.MAX_TIMEOUT)
        .requestTimeout(WebhookSink.MAX_TIMEOUT)
        .backoff(WebhookSink.MAX_BACKOFF)
        .downCooldown(WebhookSink.MAX_COOLDOWN)
        .attempts(10);
  }

  @Test
  void theLongestSettingsStillDeliver() throws Exception {
    URI uri = hook(ex -> respond(ex, 200));
    try (WebhookSink sink =
        WebhookSink.builder(uri)
            .connectTimeout(WebhookSink.MAX_TIMEOUT)
            .requestTimeout(WebhookSink.MAX_TIMEOUT)
            .backoff(WebhookSink.MAX_BACKOFF)
            .downCooldown(WebhookSink.MAX_COOLDOWN)
            .build()) {
      sink.onSignal(signal(1));
      assertThat(sink.deliveredCount()).isEqualTo(1);
    }
  }

  // ---- §3 no fallback: never silent ----

  @Test
  void withoutAFallbackEachLostSignalIsLoggedAtMostOneLineASecond() throws Exception {
    URI uri = hook(ex -> respond(ex, 400)); // rejected: not down, each signal makes a request
    ManualClock clock = Clock.manual();
    try (WebhookSink sink =
        WebhookSink.builder(uri).clock(clock).logger(recordingLogger()).build()) {
      sink.onSignal(signal(1));
      sink.onSignal(signal(2));
      sink.onSignal(signal(3));
      assertThat(lines.stream().filter(l -> l.contains("lost a signal"))).hasSize(1);
      clock.advance(Duration.ofSeconds(1));
      sink.onSignal(signal(4));
      assertThat(sink.failedCount()).isEqualTo(4);
    }
    List<String> lost = lines.stream().filter(l -> l.contains("lost a signal")).toList();
    assertThat(lost).hasSize(2);
    assertThat(lost.get(0)).startsWith("warn ").contains("rate 1/s").contains("no fallback set");
    assertThat(lost.get(1)).contains("rate 4/s").contains("2 more lost since the last line");
  }

  @Test
  void aFallbackThatRefusesTheLineFallsBackToTheLog() throws Exception {
    URI uri = hook(ex -> respond(ex, 400));
    Path fb = dir.resolve("undelivered.jsonl");
    ProblemRegistry reg = ProblemRegistry.open(fb);
    reg.close(); // a closed registry refuses every line
    try (WebhookSink sink =
        WebhookSink.builder(uri).fallback(reg).logger(recordingLogger()).build()) {
      sink.onSignal(signal(1));
    }
    assertThat(lines).anyMatch(l -> l.contains("lost a signal") && l.contains("rate 1/s"));
  }
}
