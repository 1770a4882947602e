package dev.argos.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The live page over real HTTP (java.net.http.HttpClient and raw sockets). */
class LivePageHttpTest {

  @Test
  void snapshotIsJsonWithFiguresSeriesAndTheSignalsPublished() throws Exception {
    try (Fixture f = new Fixture()) {
      f.publish("test.snapshot", "client-1", "first signal");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ofType(Fixture.parse(f.get("/api/snapshot").body()).get("signals"), "test.snapshot") != null);
      await() // the page's sampler has taken at least one sample of Argos's figures
          .atMost(Duration.ofSeconds(10))
          .until(() -> Fixture.parse(f.get("/api/snapshot").body()).at("/series/t").size() >= 1);
      await() // Argos measures its first figures on its sampler thread, after its start
          .atMost(Duration.ofSeconds(10))
          .until(() -> Fixture.parse(f.get("/api/snapshot").body()).at("/figures").has("lag.jvm.p99Ms"));

      HttpResponse<String> r = f.get("/api/snapshot");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
      assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
      JsonNode s = Fixture.parse(r.body());
      assertThat(s.get("figures").isObject()).isTrue();
      assertThat(s.get("figures").has("lag.jvm.p99Ms")).isTrue();
      assertThat(s.at("/series/intervalMs").asLong()).isEqualTo(200);
      assertThat(s.at("/series/lagP99Ms").size()).isEqualTo(s.at("/series/t").size());
      JsonNode signal = ofType(s.get("signals"), "test.snapshot");
      assertThat(signal).isNotNull();
      assertThat(signal.get("key").asText()).isEqualTo("client-1");
      assertThat(signal.get("message").asText()).isEqualTo("first signal");
      assertThat(signal.get("severity").asText()).isEqualTo("WARNING");
      assertThat(s.at("/quarantine/releaseEnabled").asBoolean()).isFalse();
      assertThat(s.at("/page/maxClients").asInt()).isEqualTo(8);
    }
  }

  @Test
  void theSnapshotHoldsEveryFigureOfArgosNotOnlyTheFirst32() throws Exception {
    try (Fixture f = new Fixture()) {
      await() // Argos measures its first figures on its sampler thread, after its start
          .atMost(Duration.ofSeconds(10))
          .until(() -> f.argos.snapshot().figures().containsKey("lag.jvm.p99Ms"));
      Set<String> names = f.argos.snapshot().figures().keySet();
      assertThat(names.size()).as("Argos's figures").isGreaterThan(Json.MAX_ENTRIES);
      JsonNode figures = Fixture.parse(f.get("/api/snapshot").body()).get("figures");
      Set<String> shown = new java.util.HashSet<>();
      figures.fieldNames().forEachRemaining(shown::add);
      assertThat(shown).containsAll(names);
    }
  }

  @Test
  void theEventStreamStartsWithASnapshotThenDeliversAPublishedSignal() throws Exception {
    try (Fixture f = new Fixture();
        Fixture.Events events = f.events("/api/events")) {
      assertThat(events.response.statusCode()).isEqualTo(200);
      assertThat(events.response.headers().firstValue("Content-Type"))
          .hasValue("text/event-stream; charset=utf-8");
      JsonNode snapshot = events.next("snapshot").json();
      long before = snapshot.get("seq").asLong();

      f.publish("test.stream", "client-2", "streamed");
      JsonNode s = events.nextSignal("test.stream");
      assertThat(s.get("seq").asLong()).isGreaterThan(before);
      assertThat(s.get("key").asText()).isEqualTo("client-2");
      assertThat(s.get("message").asText()).isEqualTo("streamed");
      assertThat(events.next("figures").json().has("lagP99Ms")).isTrue();
    }
  }

  @Test
  void openEpisodesFollowFiringAndResolvedSignals() throws Exception {
    try (Fixture f = new Fixture()) {
      f.agent.publish(
          Signal.builder("test.episode").key("pool").message("late").data("episode", "test.episode-1").build());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> episode(f, "test.episode-1") != null);
      JsonNode e = episode(f, "test.episode-1");
      assertThat(e.get("type").asText()).isEqualTo("test.episode");
      assertThat(e.get("key").asText()).isEqualTo("pool");

      f.agent.publish(
          Signal.builder("test.episode")
              .severity(Severity.INFO)
              .key("pool")
              .message("on time again")
              .data("episode", "test.episode-1")
              .data("state", "resolved")
              .build());
      await().atMost(Duration.ofSeconds(10)).until(() -> episode(f, "test.episode-1") == null);
    }
  }

  @Test
  void aKeyWithMarkupIsEscapedInJsonAndInTheStreamAndComesBackIntact() throws Exception {
    String key = "<script>alert('x')</script>&<img src=x onerror=alert(1)>";
    try (Fixture f = new Fixture();
        Fixture.Events events = f.events("/api/events")) {
      events.next("snapshot");
      f.publish("test.markup", key, "message with </script> inside");
      Fixture.Event e;
      do {
        e = events.next("signal");
      } while (!e.json().get("type").asText().equals("test.markup"));
      assertThat(e.data()).doesNotContain("<", ">", "&", "'");
      assertThat(e.json().get("key").asText()).isEqualTo(key);
      assertThat(e.json().get("keyText").asText()).isEqualTo(key);
      assertThat(e.json().get("message").asText()).isEqualTo("message with </script> inside");

      String body = f.get("/api/snapshot").body();
      assertThat(body).doesNotContain("<", ">", "&", "'").contains("\\u003Cscript\\u003E");
      assertThat(ofType(Fixture.parse(body).get("signals"), "test.markup").get("key").asText())
          .isEqualTo(key);
    }
  }

  @Test
  void controlCharactersInAKeyAreNeutralisedForDisplay() throws Exception {
    try (Fixture f = new Fixture();
        Fixture.Events events = f.events("/api/events")) {
      events.next("snapshot");
      f.publish("test.control", "a\u202eb\nc", "m");
      JsonNode s = events.nextSignal("test.control");
      assertThat(s.get("key").asText()).isEqualTo("a\u202eb\nc"); // what a release must name
      assertThat(s.get("keyText").asText()).isEqualTo("a\\u202eb\\nc"); // what the page shows
    }
  }

  @Test
  void anAccessTokenIsRequiredAsBearerOrQueryParameter() throws Exception {
    String token = "t0k3n-" + "0123456789abcdef";
    try (Fixture f = new Fixture(b -> b.accessToken(token))) {
      assertThat(f.get("/").statusCode()).isEqualTo(401);
      assertThat(f.get("/api/snapshot").statusCode()).isEqualTo(401);
      assertThat(f.get("/api/snapshot").headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertThat(f.get("/api/events").statusCode()).isEqualTo(401);
      assertThat(f.get("/api/snapshot?token=wrong").statusCode()).isEqualTo(401);
      assertThat(f.get("/api/snapshot?token=" + token + "x").statusCode()).isEqualTo(401);
      assertThat(f.get("/api/snapshot", "Authorization", "Bearer " + token.substring(1)).statusCode())
          .isEqualTo(401);
      assertThat(f.get("/api/snapshot", "Authorization", "Basic " + token).statusCode())
          .isEqualTo(401);

      assertThat(f.get("/api/snapshot", "Authorization", "Bearer " + token).statusCode())
          .isEqualTo(200);
      assertThat(f.get("/api/snapshot?token=" + token).statusCode()).isEqualTo(200);
      assertThat(f.get("/?token=" + token).statusCode()).isEqualTo(200);
      try (Fixture.Events events = f.events("/api/events?token=" + token)) {
        assertThat(events.response.statusCode()).isEqualTo(200);
        events.next("snapshot");
      }
    }
  }

  @Test
  void aTokenWithAPlusWorksAsTypedInTheAddress() throws Exception {
    // a random base64 token has + / =; docs/live.md: a browser opens /?token=t. A token holds no
    // space, so a + in the address is the token's own
    String token = "Ab+cD/eF=0123456789+";
    try (Fixture f = new Fixture(b -> b.accessToken(token))) {
      assertThat(f.get("/?token=" + token).statusCode()).isEqualTo(200);
      assertThat(f.get("/api/snapshot?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8))
              .statusCode())
          .as("percent-encoded, as the page's own requests send it")
          .isEqualTo(200);
      assertThat(f.get("/?token=" + token.replace('+', ' ').replace(" ", "%20")).statusCode())
          .isEqualTo(401);
    }
  }

  @Test
  void thePageIsOneDocumentWithAStrictContentSecurityPolicyAndNoNetwork() throws Exception {
    try (Fixture f = new Fixture()) {
      HttpResponse<String> r = f.get("/");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
      String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
      assertThat(csp).contains("default-src 'none'", "script-src 'nonce-", "frame-ancestors 'none'");
      String nonce = csp.replaceAll(".*script-src 'nonce-([^']+)'.*", "$1");
      assertThat(r.body()).contains("<script nonce=\"" + nonce + "\">");
      String body = r.body().replace("http://www.w3.org/2000/svg", "svg-namespace");
      assertThat(body).doesNotContain("http://", "https://", " src=", " href=", "{{NONCE}}", "innerHTML");
      assertThat(f.get("/").headers().firstValue("Content-Security-Policy")).isNotEqualTo(csp);
      assertThat(f.get("/nothing").statusCode()).isEqualTo(404);
      assertThat(f.post("/api/snapshot").statusCode()).isEqualTo(405);
    }
  }

  @Test
  void eventStreamsBeyondTheCapAreRefusedWith503() throws Exception {
    try (Fixture f = new Fixture(b -> b.maxClients(2));
        Fixture.Events two = f.events("/api/events")) {
      Fixture.Events one = f.events("/api/events");
      one.next("snapshot");
      two.next("snapshot");
      HttpResponse<String> third = f.get("/api/events");
      assertThat(third.statusCode()).isEqualTo(503);
      assertThat(third.headers().firstValue("Retry-After")).hasValue("5");
      assertThat(f.get("/api/snapshot").statusCode()).as("other requests still served").isEqualTo(200);

      one.close();
      await() // the server notices the closed stream at its next write (a figures event)
          .atMost(Duration.ofSeconds(10))
          .until(() -> f.page.streams() == 1);
      try (Fixture.Events again = f.events("/api/events")) {
        assertThat(again.response.statusCode()).isEqualTo(200);
        again.next("snapshot");
      }
    }
  }

  @Test
  void aClientThatNeverReadsIsDroppedWhenItsQueueOverflowsWithoutWaitingForTheTimeout()
      throws Exception {
    // a write timeout of a minute: only the queue's bound can drop the client within the test
    try (Fixture f = new Fixture(b -> b.writeTimeout(Duration.ofMinutes(1)));
        Socket slow = neverReading(f);
        Fixture.Events healthy = f.events("/api/events")) {
      assertThat(slow.isConnected()).isTrue();
      healthy.next("snapshot");
      await().atMost(Duration.ofSeconds(10)).until(() -> f.page.streams() == 2);
      String filler = "x".repeat(1_000);
      long start = System.nanoTime();
      for (int i = 0; i < 3_000 && f.page.droppedClients() == 0; i++) {
        f.publish("test.flood", "k" + i, filler);
        if (i % 100 == 99) { // let the agent's listener queue (1 024) drain
          int published = i + 1;
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () ->
                      f.page.droppedClients() > 0
                          || (seqOf(f) >= published && healthy.signalsRead() >= published));
        }
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> f.page.droppedClients() == 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> f.page.streams() == 1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));

      // the healthy client was not dropped and still receives what is published next
      f.publish("test.after", "after", "still streaming");
      Fixture.Event e;
      do {
        e = healthy.next("signal");
      } while (!e.json().get("type").asText().equals("test.after"));
      assertThat(e.json().get("key").asText()).isEqualTo("after");
    }
  }

  @Test
  void aWriteBlockedPastTheWriteTimeoutClosesTheConnectionAndFreesTheThread() throws Exception {
    // a queue too large to overflow here: only the write deadline can drop the client
    try (Fixture f =
            new Fixture(b -> b.writeTimeout(Duration.ofMillis(300)).clientQueueBytes(64L << 20));
        Socket slow = neverReading(f)) {
      assertThat(slow.isConnected()).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> f.page.streams() == 1);
      // about 16 KB each, 8 MB in all: more than the socket's buffers (4 MB at most here)
      String value = "v".repeat(500);
      for (int i = 0; i < 500 && f.page.streams() == 1; i++) {
        Signal.Builder b = Signal.builder("test.big").key("k" + i).message("big");
        for (int d = 0; d < 32; d++) {
          b.data("d" + d, value);
        }
        f.agent.publish(b.build());
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> f.page.streams() == 0 && workerThreadsBusy(f) == 0);
      assertThat(f.page.droppedClients()).as("dropped by the deadline, not the queue").isZero();
      assertThat(f.get("/api/snapshot").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aConnectionThatNeverSendsItsRequestIsClosedAtTheTimeout() throws Exception {
    try (Fixture f = new Fixture(b -> b.writeTimeout(Duration.ofMillis(300)));
        Socket s = new Socket()) {
      s.connect(new InetSocketAddress(f.page.uri().getHost(), f.page.uri().getPort()), 5_000);
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      s.setSoTimeout(5_000);
      long start = System.nanoTime();
      assertThat(s.getInputStream().read()).as("closed by the server").isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void closeStopsEveryThreadFreesThePortAndIsIdempotent() throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    Fixture f = new Fixture();
    int port = f.page.uri().getPort();
    Socket stream = openStream(f);
    await().atMost(Duration.ofSeconds(10)).until(() -> f.page.streams() == 1);
    assertThat(threadNames()).anyMatch(n -> n.startsWith("argos-live-http-"));
    assertThat(threadNames()).contains("argos-live-sampler");

    long start = System.nanoTime();
    f.page.close();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    f.page.close();
    System.out.println("live page: close() took " + took.toMillis() + " ms with one event stream open");
    assertThat(took).as("close time").isLessThan(Duration.ofMillis(1_500));
    assertThat(stream.getInputStream().readAllBytes()).isNotNull(); // reaches the end: closed
    stream.close();
    assertThat(threadNames()).noneMatch(n -> n.startsWith("argos-live-"));
    Set<Thread> pageThreads = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t))
        .filter(t -> !t.getName().startsWith("argos-") && !t.getName().startsWith("HttpClient"))
        .collect(Collectors.toSet());
    assertThat(pageThreads).as("threads left by the page (the JDK server's too)").isEmpty();
    assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
        .isInstanceOf(ConnectException.class);
    try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertThat(again.getLocalPort()).isEqualTo(port);
    }
    assertThatThrownBy(f.page::start).isInstanceOf(IllegalStateException.class);
    f.close();
  }

  @Test
  void thePageClosesWithTheAgent() throws Exception {
    Fixture f = new Fixture();
    int port = f.page.uri().getPort();
    f.agent.close();
    assertThat(threadNames()).noneMatch(n -> n.startsWith("argos-live-"));
    assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
        .isInstanceOf(ConnectException.class);
    f.close();
  }

  @Test
  void boundToLoopbackByDefaultAndRefusesForeignHostHeaders() throws Exception {
    try (Fixture f = new Fixture()) {
      assertThat(f.page.uri().getHost()).isEqualTo("127.0.0.1");
      assertThat(InetAddress.getByName(f.page.uri().getHost()).isLoopbackAddress()).isTrue();
      InetAddress external = nonLoopbackAddress();
      if (external != null) {
        assertThatThrownBy(() -> new Socket(external, f.page.uri().getPort()).close())
            .isInstanceOf(ConnectException.class);
      }
      assertThat(rawStatus(f, "evil.example:" + f.page.uri().getPort())).isEqualTo(403);
      assertThat(rawStatus(f, "localhost:" + f.page.uri().getPort())).isEqualTo(200);
      assertThat(rawStatus(f, "127.0.0.1:" + f.page.uri().getPort())).isEqualTo(200);
    }
  }

  @Test
  void releaseIsForbiddenUnlessEnabled() throws Exception {
    try (Fixture f = new Fixture()) {
      f.quarantine.quarantine("203.0.113.7", Severity.WARNING, "test");
      assertThat(f.post("/api/release?key=203.0.113.7").statusCode()).isEqualTo(403);
      assertThat(f.quarantine.isQuarantined("203.0.113.7")).isTrue();
      assertThat(f.get("/").body()).contains("state.releaseEnabled"); // the button is conditional
    }
  }

  @Test
  void releaseWhenEnabledReleasesTheKeyAndTheQuarantineListFollows() throws Exception {
    String key = "<b>client</b> 7";
    String token = "another-token-0123456789";
    try (Fixture f = new Fixture(b -> b.allowRelease(true).accessToken(token))) {
      f.quarantine.quarantine(key, Severity.WARNING, "test");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> quarantineKeys(f, token).size() == 1);
      JsonNode q = quarantineKeys(f, token).get(0);
      assertThat(q.get("key").asText()).isEqualTo(key);
      assertThat(q.get("remainingMs").asLong()).isBetween(1L, 300_000L);
      String path = "/api/release?key=" + URLEncoder.encode(key, StandardCharsets.UTF_8);

      assertThat(f.post(path).statusCode()).as("without the token").isEqualTo(401);
      assertThat(f.get(path, "Authorization", "Bearer " + token).statusCode()).isEqualTo(405);
      assertThat(
              f.post(path, "Authorization", "Bearer " + token, "Origin", "http://evil.example")
                  .statusCode())
          .isEqualTo(403);
      assertThat(f.quarantine.isQuarantined(key)).isTrue();

      HttpResponse<String> r = f.post(path, "Authorization", "Bearer " + token);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(Fixture.parse(r.body()).get("released").asBoolean()).isTrue();
      assertThat(f.quarantine.isQuarantined(key)).isFalse();
      await().atMost(Duration.ofSeconds(10)).until(() -> quarantineKeys(f, token).isEmpty());
      assertThat(Fixture.parse(f.post(path, "Authorization", "Bearer " + token).body())
              .get("released").asBoolean())
          .isFalse();
    }
  }

  @Test
  void releaseThroughATlsProxyIsSameOriginWhenTheHostMatches() throws Exception {
    // docs/live.md: bound elsewhere, put the page behind TLS (a reverse proxy); the browser's
    // Origin is then https://<the Host it asked for>: the same site, not a cross-origin request
    String token = "tls-proxy-token-0123456789";
    try (Fixture f = new Fixture(b -> b.allowRelease(true).accessToken(token))) {
      String host = "127.0.0.1:" + f.page.uri().getPort();
      f.quarantine.quarantine("client-9", Severity.WARNING, "test");
      String path = "/api/release?key=client-9";
      String auth = "Bearer " + token;
      assertThat(f.post(path, "Authorization", auth, "Origin", "https://evil.example").statusCode())
          .isEqualTo(403);
      assertThat(f.post(path, "Authorization", auth, "Origin", "https://127.0.0.1:1").statusCode())
          .as("another port is another origin")
          .isEqualTo(403);
      assertThat(f.post(path, "Authorization", auth, "Origin", "ftp://" + host).statusCode())
          .isEqualTo(403);
      assertThat(f.quarantine.isQuarantined("client-9")).isTrue();

      HttpResponse<String> r = f.post(path, "Authorization", auth, "Origin", "https://" + host);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(Fixture.parse(r.body()).get("released").asBoolean()).isTrue();
      assertThat(f.quarantine.isQuarantined("client-9")).isFalse();
    }
  }

  @Test
  void aTakenPortOrAClosedAgentFailsTheStartAndLeavesNothingRunning() throws Exception {
    try (Fixture f = new Fixture()) {
      int port = f.page.uri().getPort();
      LivePage second = LivePage.builder().agent(f.agent).port(port).build();
      assertThatThrownBy(second::start)
          .isInstanceOf(java.io.UncheckedIOException.class)
          .hasMessageContaining(String.valueOf(port));
      assertThat(f.get("/api/snapshot").statusCode()).as("the first page still serves").isEqualTo(200);
      second.close();

      f.agent.close();
      LivePage late = LivePage.builder().agent(f.agent).port(0).build();
      assertThatThrownBy(late::start).isInstanceOf(IllegalStateException.class);
      await() // the first page closed with the agent; the failed ones left nothing either
          .atMost(Duration.ofSeconds(5))
          .until(() -> threadNames().stream().noneMatch(n -> n.startsWith("argos-live-")));
    }
  }

  @Test
  void invalidSettingsAreRefusedNamingTheSettingAndTheValue() {
    assertThatThrownBy(() -> LivePage.builder().port(70_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port")
        .hasMessageContaining("70000");
    assertThatThrownBy(() -> LivePage.builder().maxClients(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxClients");
    assertThatThrownBy(() -> LivePage.builder().writeTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("writeTimeout")
        .hasMessageContaining("PT0S");
    assertThatThrownBy(() -> LivePage.builder().sampleInterval(Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sampleInterval");
    assertThatThrownBy(() -> LivePage.builder().accessToken("has space"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("accessToken");
    assertThatThrownBy(() -> LivePage.builder().accessToken(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("accessToken");
    assertThatThrownBy(() -> LivePage.builder().build())
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("agent");
  }

  // ---- helpers ----

  /** The first signal of {@code type} in a JSON list, or null. */
  private static JsonNode ofType(JsonNode signals, String type) {
    for (JsonNode s : signals) {
      if (s.get("type").asText().equals(type)) {
        return s;
      }
    }
    return null;
  }

  private static JsonNode episode(Fixture f, String id) throws Exception {
    for (JsonNode e : Fixture.parse(f.get("/api/snapshot").body()).get("episodes")) {
      if (e.get("episode").asText().equals(id)) {
        return e;
      }
    }
    return null;
  }

  private static long seqOf(Fixture f) throws Exception {
    return Fixture.parse(f.get("/api/snapshot").body()).get("seq").asLong();
  }

  private static JsonNode quarantineKeys(Fixture f, String token) throws Exception {
    return Fixture.parse(f.get("/api/snapshot", "Authorization", "Bearer " + token).body())
        .at("/quarantine/keys");
  }

  private static long workerThreadsBusy(Fixture f) {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> e.getKey().getName().startsWith("argos-live-http-"))
        .filter(e -> e.getKey().getState() == Thread.State.RUNNABLE)
        .filter(e -> e.getValue().length > 0 && e.getValue()[0].getMethodName().contains("write"))
        .count();
  }

  /** A client that asks for the event stream with a tiny receive window and never reads. */
  private static Socket neverReading(Fixture f) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(1024);
    s.connect(new InetSocketAddress(f.page.uri().getHost(), f.page.uri().getPort()), 5_000);
    OutputStream out = s.getOutputStream();
    out.write(("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:" + f.page.uri().getPort() + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return s;
  }

  private static Socket openStream(Fixture f) throws IOException {
    Socket s = new Socket(f.page.uri().getHost(), f.page.uri().getPort());
    s.setSoTimeout(10_000);
    s.getOutputStream().write(("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:" + f.page.uri().getPort()
        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return s;
  }

  private static int rawStatus(Fixture f, String host) throws IOException {
    try (Socket s = new Socket(f.page.uri().getHost(), f.page.uri().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET /api/snapshot HTTP/1.1\r\nHost: " + host
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      return Integer.parseInt(status.substring(9, 12));
    }
  }

  private static InetAddress nonLoopbackAddress() throws IOException {
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!ni.isUp() || ni.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          return a;
        }
      }
    }
    return null;
  }

  private static Set<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .collect(Collectors.toSet());
  }
}
