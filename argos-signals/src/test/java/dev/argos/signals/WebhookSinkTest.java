package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhookSinkTest {
  @TempDir Path dir;

  private HttpServer server;
  private ExecutorService serverPool;
  private final CountDownLatch release = new CountDownLatch(1);

  record Received(byte[] body, String signature, String contentType) {}

  private URI serve(HttpHandler handler) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    serverPool = Executors.newCachedThreadPool();
    server.setExecutor(serverPool);
    server.createContext("/hook", handler);
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
  }

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.stop(0);
      serverPool.shutdownNow();
    }
  }

  static Signal signal(int seq) {
    return Signal.builder(Signal.TYPE_BURST)
        .severity(Severity.CRITICAL)
        .source("argos")
        .timestamp(Instant.parse("2026-11-22T10:00:00Z"))
        .key("10.0.0.7")
        .message("rate " + seq + "/s")
        .data("seq", seq)
        .build();
  }

  static String hmac(String secret, byte[] body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
  }

  private static void respond(HttpExchange ex, int status) throws IOException {
    ex.getRequestBody().readAllBytes();
    ex.sendResponseHeaders(status, -1);
    ex.close();
  }

  @Test
  void postsTheRecordSignedAndTheServerVerifiesIt() throws Exception {
    BlockingQueue<Received> got = new LinkedBlockingQueue<>();
    URI uri =
        serve(
            ex -> {
              byte[] body = ex.getRequestBody().readAllBytes();
              got.add(
                  new Received(
                      body,
                      String.valueOf(ex.getRequestHeaders().getFirst("X-Argos-Signature")),
                      String.valueOf(ex.getRequestHeaders().getFirst("Content-Type"))));
              ex.sendResponseHeaders(204, -1);
              ex.close();
            });
    try (WebhookSink sink =
        WebhookSink.builder(uri).secret("s3cret").app("shop").header("X-Team", "infra").build()) {
      sink.onSignal(signal(1));
      sink.onSignal(signal(2));
      assertThat(sink.deliveredCount()).isEqualTo(2);
      assertThat(sink.failedCount()).isZero();
    }
    Received r = got.poll(10, TimeUnit.SECONDS);
    assertThat(r).isNotNull();
    // server-side verification: recompute the HMAC over the exact body bytes
    assertThat(r.signature()).isEqualTo(hmac("s3cret", r.body()));
    assertThat(r.signature()).isNotEqualTo(hmac("wrong", r.body()));
    assertThat(r.contentType()).isEqualTo("application/json");
    JsonNode json = new ObjectMapper().readTree(r.body());
    assertThat(json.get("type").asText()).isEqualTo("burst");
    assertThat(json.get("severity").asText()).isEqualTo("CRITICAL");
    assertThat(json.get("key").asText()).isEqualTo("10.0.0.7");
    assertThat(json.get("data").get("seq").asInt()).isEqualTo(1);
    assertThat(json.get("problemKey").asText())
        .isEqualTo(ProblemRegistry.problemKey("burst", "10.0.0.7", "rate 1/s"));
    assertThat(json.get("app").asText()).isEqualTo("shop");
    assertThat(json.has("actionTaken") && json.has("host") && json.has("pid") && json.has("ts"))
        .isTrue();
    // the body is exactly one registry line without its newline
    assertThat(ProblemRecordCodec.parse(new String(r.body(), StandardCharsets.UTF_8))).isNotNull();
    assertThat(got.poll(10, TimeUnit.SECONDS).body()).isNotEqualTo(r.body());
  }

  @Test
  void unsignedWithoutSecret() throws Exception {
    BlockingQueue<String> sigs = new LinkedBlockingQueue<>();
    URI uri =
        serve(
            ex -> {
              sigs.add(String.valueOf(ex.getRequestHeaders().getFirst("X-Argos-Signature")));
              respond(ex, 200);
            });
    try (WebhookSink sink = WebhookSink.builder(uri).build()) {
      sink.onSignal(signal(1));
    }
    assertThat(sigs.poll(10, TimeUnit.SECONDS)).isEqualTo("null");
  }

  @Test
  void failingEndpointIsRetriedThenFallsBackThenSkippedWhileDown() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    URI uri =
        serve(
            ex -> {
              hits.incrementAndGet();
              respond(ex, 500);
            });
    ManualClock clock = Clock.manual();
    Path fb = dir.resolve("undelivered.jsonl");
    try (WebhookSink sink =
        WebhookSink.builder(uri)
            .backoff(Duration.ofMillis(10))
            .fallback(fb)
            .clock(clock)
            .downCooldown(Duration.ofSeconds(30))
            .build()) {
      sink.onSignal(signal(1));
      assertThat(hits).hasValue(3); // 3 attempts
      assertThat(sink.failedCount()).isEqualTo(1);

      sink.onSignal(signal(2)); // endpoint considered down: straight to the fallback
      assertThat(hits).hasValue(3);
      assertThat(sink.requestCount()).isEqualTo(3);

      clock.advance(Duration.ofSeconds(31));
      sink.onSignal(signal(3)); // cooldown over: tried again
      assertThat(hits).hasValue(6);
      assertThat(sink.deliveredCount()).isZero();
      assertThat(sink.failedCount()).isEqualTo(3);
    }
    List<ProblemRecord> saved = ProblemRegistry.read(fb);
    assertThat(saved).extracting(r -> r.data().get("seq")).containsExactly(1, 2, 3);
  }

  @Test
  void rejectionIsNotRetriedButKept() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    URI uri =
        serve(
            ex -> {
              hits.incrementAndGet();
              respond(ex, 401);
            });
    Path fb = dir.resolve("undelivered.jsonl");
    try (ProblemRegistry reg = ProblemRegistry.open(fb);
        WebhookSink sink = WebhookSink.builder(uri).fallback(reg).build()) {
      sink.onSignal(signal(1));
      sink.onSignal(signal(2)); // a rejection does not mark the endpoint down
      assertThat(hits).hasValue(2);
      assertThat(sink.failedCount()).isEqualTo(2);
    }
    assertThat(ProblemRegistry.read(fb)).hasSize(2);
  }

  @Test
  void recoversAfterTransientFailures() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    URI uri = serve(ex -> respond(ex, hits.incrementAndGet() < 3 ? 503 : 200));
    Path fb = dir.resolve("undelivered.jsonl");
    try (WebhookSink sink =
        WebhookSink.builder(uri).backoff(Duration.ofMillis(5)).fallback(fb).build()) {
      sink.onSignal(signal(1));
      assertThat(sink.deliveredCount()).isEqualTo(1);
      assertThat(hits).hasValue(3);
    }
    assertThat(ProblemRegistry.read(fb)).isEmpty();
  }

  @Test
  void hangingEndpointCostsAtMostTheTimeoutsThenFallsBack() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    URI uri =
        serve(
            ex -> {
              hits.incrementAndGet();
              try {
                release.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              respond(ex, 200);
            });
    Path fb = dir.resolve("undelivered.jsonl");
    try (WebhookSink sink =
        WebhookSink.builder(uri)
            .requestTimeout(Duration.ofMillis(300))
            .connectTimeout(Duration.ofMillis(500))
            .attempts(2)
            .backoff(Duration.ofMillis(20))
            .fallback(fb)
            .build()) {
      long t0 = System.nanoTime();
      sink.onSignal(signal(1));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      // bound: attempts x (connect + request + 1 s cap) + backoff = 3.6 s; at least 2 x 300 ms
      assertThat(ms).isBetween(550L, 3_620L);
      assertThat(hits).hasValue(2);
      assertThat(sink.failedCount()).isEqualTo(1);
      t0 = System.nanoTime();
      sink.onSignal(signal(2)); // down: no request, no wait
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1_000L);
      assertThat(hits).hasValue(2);
    }
    assertThat(ProblemRegistry.read(fb)).hasSize(2);
  }

  @Test
  void unreachablePortFallsBack() throws Exception {
    // a port that was just free: connection refused on loopback
    int port;
    try (java.net.ServerSocket ss =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      port = ss.getLocalPort();
    }
    Path fb = dir.resolve("undelivered.jsonl");
    try (WebhookSink sink =
        WebhookSink.builder(URI.create("http://127.0.0.1:" + port + "/x"))
            .backoff(Duration.ofMillis(5))
            .fallback(fb)
            .build()) {
      sink.onSignal(signal(1));
      assertThat(sink.failedCount()).isEqualTo(1);
    }
    assertThat(ProblemRegistry.read(fb)).hasSize(1);
  }

  @Test
  void closeCancelsAHangingRequestPromptlyAndEndsItsThreads() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    URI uri =
        serve(
            ex -> {
              arrived.countDown();
              try {
                release.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              respond(ex, 200);
            });
    WebhookSink sink =
        WebhookSink.builder(uri).requestTimeout(Duration.ofSeconds(20)).attempts(3).build();
    Thread caller = new Thread(() -> sink.onSignal(signal(1)), "bus-delivery");
    caller.start();
    assertThat(arrived.await(20, TimeUnit.SECONDS)).isTrue();
    long t0 = System.nanoTime();
    sink.close();
    caller.join(5_000);
    assertThat(caller.isAlive()).isFalse();
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000L);
    sink.close(); // idempotent
    sink.onSignal(signal(2)); // after close: counted, never thrown
    assertThat(sink.failedCount()).isGreaterThanOrEqualTo(1);
    // pool threads end asynchronously after shutdownNow: wait for them (Awaitility)
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().startsWith("argos-webhook-") && t.isAlive()));
  }

  @Test
  void deliversWhatARealAgentPublishes() throws Exception {
    BlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
    URI uri =
        serve(
            ex -> {
              got.add(ex.getRequestBody().readAllBytes());
              ex.sendResponseHeaders(200, -1);
              ex.close();
            });
    try (dev.argos.core.Agent agent =
            dev.argos.core.Agent.createAgent(dev.argos.core.AgentConfig.builder().build());
        WebhookSink sink = WebhookSink.builder(uri).secret("k").build()) {
      agent.on(dev.argos.core.Agent.TOPIC_SIGNAL, sink);
      agent.publish(signal(7));
      byte[] body = got.poll(10, TimeUnit.SECONDS);
      assertThat(body).isNotNull();
      assertThat(new ObjectMapper().readTree(body).get("data").get("seq").asInt()).isEqualTo(7);
    }
  }

  @Test
  void rejectsBadOptions() {
    URI uri = URI.create("http://127.0.0.1:1/x");
    assertThatThrownBy(() -> WebhookSink.builder(URI.create("ftp://x/y")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ftp://x/...");
    assertThatThrownBy(() -> WebhookSink.builder(uri).attempts(0)).hasMessageContaining("attempts");
    assertThatThrownBy(() -> WebhookSink.builder(uri).requestTimeout(Duration.ZERO))
        .hasMessageContaining("requestTimeout must be in [PT0.001S, PT5M] but was PT0S");
    assertThatThrownBy(() -> WebhookSink.builder(uri).secret(""))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
