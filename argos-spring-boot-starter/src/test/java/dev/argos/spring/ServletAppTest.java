package dev.argos.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.argos.core.Agent;
import dev.argos.core.Signal;
import dev.argos.observers.Argos;
import dev.argos.spring.servletapp.ServletTestApp;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/**
 * A real servlet application (Tomcat on a random port) with the starter: a flood from one
 * client gets 429 with Retry-After once quarantined while another client is still served, the
 * health contributor and the endpoint answer, the properties take effect, Tomcat's executor is
 * watched and the meters are bound.
 *
 * <p>Detection within seconds: the window is 10 s, the per-key short window 1 s, and {@code
 * key-burst-min-rate=1}, so a key at 10 requests/s or more (and 10 x the typical per-key rate)
 * bursts even while Argos is warming up (KeyBurst's warm-up rule: 10 x keyBurstMinRate), as long
 * as the typical per-key rate has been learned from ordinary traffic first (background clients,
 * one request each, so about 1 request/s per key). A single HTTP/1.1 client floods far faster.
 */
@SpringBootTest(
    classes = ServletTestApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "argos.sample-rate=20ms",
      "argos.window-size=10s",
      "argos.thresholds.event-loop-lag=75ms",
      "argos.thresholds.key-burst-min-rate=1",
      "argos.quarantine.ttl=60s",
      "argos.web.client-key-header=X-Client",
      "management.endpoints.web.exposure.include=health,argos",
      "management.endpoint.health.show-details=always"
    })
@DirtiesContext
class ServletAppTest {
  @LocalServerPort int port;
  @Autowired Argos argos;
  @Autowired Agent agent;
  @Autowired MeterRegistry meters;

  private final AtomicBoolean stop = new AtomicBoolean();
  private Thread background;

  @AfterEach
  void stopBackground() throws InterruptedException {
    stop.set(true);
    if (background != null) {
      background.join(10_000);
    }
  }

  @Test
  void floodFromOneClientIs429WithRetryAfterWhileAnotherClientIsServed() {
    Http http = new Http(port);
    // ordinary traffic: many clients, one request each, paced (a pause in the workload)
    AtomicInteger bgSent = new AtomicInteger();
    background =
        new Thread(
            () -> {
              Http bg = new Http(port);
              for (int i = 0; !stop.get(); i++) {
                bg.get("/hello", "bg-" + i);
                bgSent.incrementAndGet();
                LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
              }
            },
            "test-background-clients");
    background.start();
    // the typical per-key rate is learned at the end of a 1 s epoch: real time, so Awaitility
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> argos.snapshot().getDouble("requests.keys.typicalRate", 0) > 0);

    // the flood: one client as fast as it can, until refused (or 30 s)
    HttpResponse<String> last;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    do {
      last = http.get("/hello", "flooder");
    } while (last.statusCode() == 200 && System.nanoTime() < deadline);

    assertThat(last.statusCode()).isEqualTo(429);
    long retryAfter = Long.parseLong(last.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter).isBetween(50L, 60L); // the seconds left of a 60 s quarantine
    assertThat(agent.quarantine().isQuarantined("flooder")).isTrue();

    // refused requests never reach the handler
    int served = ServletTestApp.SERVED.get("flooder").get();
    assertThat(http.get("/hello", "flooder").statusCode()).isEqualTo(429);
    assertThat(ServletTestApp.SERVED.get("flooder").get()).isEqualTo(served);

    // another client is still served
    HttpResponse<String> calm = http.get("/hello", "calm");
    assertThat(calm.statusCode()).isEqualTo(200);
    assertThat(calm.body()).isEqualTo("hello");
    assertThat(bgSent.get()).isPositive();

    // the endpoint shows the burst signal of the flooder and the quarantine
    JsonNode argosJson = http.json("/actuator/argos");
    assertThat(argosJson.path("quarantine").path("size").asInt()).isPositive();
    boolean burstSeen = false;
    for (JsonNode s : argosJson.path("recentSignals")) {
      if (Signal.TYPE_BURST.equals(s.path("type").asText())
          && "flooder".equals(s.path("key").asText())) {
        burstSeen = true;
      }
    }
    assertThat(burstSeen).as("recent signals: %s", argosJson.path("recentSignals")).isTrue();

    // Micrometer: the quarantine size gauge on the application's registry
    Gauge size = meters.find("argos.quarantine.size").gauge();
    assertThat(size).isNotNull();
    assertThat(size.value()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void propertiesTakeEffect() {
    assertThat(argos.config().thresholds().eventLoopLag()).isEqualTo(Duration.ofMillis(75));
    assertThat(argos.config().sampleRate()).isEqualTo(Duration.ofMillis(20));
    assertThat(argos.config().windowSize()).isEqualTo(Duration.ofSeconds(10));
    assertThat(argos.config().thresholds().keyBurstMinRate()).isEqualTo(1.0);
    JsonNode config = new Http(port).json("/actuator/argos").path("config");
    assertThat(config.path("thresholds").path("eventLoopLagMs").asLong()).isEqualTo(75);
    assertThat(config.path("sampleRateMs").asLong()).isEqualTo(20);
  }

  @Test
  void healthShowsArgosUpWithItsDetails() {
    JsonNode health = new Http(port).json("/actuator/health");
    JsonNode argosHealth = health.path("components").path("argos");
    assertThat(argosHealth.path("status").asText()).isEqualTo("UP");
    assertThat(argosHealth.path("details").has("openEpisodes")).isTrue();
    assertThat(argosHealth.path("details").has("worstSeverity")).isTrue();
    assertThat(argosHealth.path("details").has("quarantined")).isTrue();
  }

  @Test
  void tomcatsExecutorIsWatched() {
    Http http = new Http(port);
    JsonNode argosJson = http.json("/actuator/argos");
    assertThat(argosJson.path("watchedExecutors").has("tomcat"))
        .as("watched: %s", argosJson.path("watchedExecutors"))
        .isTrue();
    // probed by Argos: the executor's lag figure is in the snapshot
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> argos.snapshot().get("lag.executor.tomcat.lagMs") != null);
    assertThat(http.json("/actuator/argos").path("snapshot").path("figures")
            .has("lag.executor.tomcat.lagMs"))
        .isTrue();
  }
}
