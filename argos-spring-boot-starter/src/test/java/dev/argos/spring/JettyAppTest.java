package dev.argos.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.argos.core.Agent;
import dev.argos.core.Severity;
import dev.argos.observers.Argos;
import dev.argos.spring.jettyapp.JettyTestApp;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/** A real servlet application on Jetty: its thread pool is watched, the filter refuses. */
@SpringBootTest(
    classes = JettyTestApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "argos.sample-rate=20ms",
      "management.endpoints.web.exposure.include=argos"
    })
@DirtiesContext
class JettyAppTest {
  @LocalServerPort int port;
  @Autowired Argos argos;
  @Autowired Agent agent;

  @Test
  void jettysThreadPoolIsWatchedAndTheFilterRefusesAQuarantinedAddress() {
    Http http = new Http(port);
    assertThat(http.get("/hello", null).statusCode()).isEqualTo(200);
    JsonNode a = http.json("/actuator/argos");
    assertThat(a.path("watchedExecutors").has("jetty"))
        .as("watched: %s", a.path("watchedExecutors"))
        .isTrue();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> argos.snapshot().get("lag.executor.jetty.lagMs") != null);

    // no trusted header configured: the key is the remote address, whatever X-Client says
    agent.quarantine().quarantine("127.0.0.1", Duration.ofSeconds(20), Severity.WARNING, "test");
    HttpResponse<String> refused = http.get("/hello", "someone-else");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
  }
}
