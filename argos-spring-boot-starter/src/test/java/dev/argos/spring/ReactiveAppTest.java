package dev.argos.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.argos.core.Agent;
import dev.argos.core.Severity;
import dev.argos.observers.Argos;
import dev.argos.spring.reactiveapp.ReactiveTestApp;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/** A real WebFlux application (Reactor Netty on a random port) with the starter. */
@SpringBootTest(
    classes = ReactiveTestApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.main.web-application-type=reactive",
      "argos.web.client-key-header=X-Client",
      "management.endpoints.web.exposure.include=health,argos",
      "management.endpoint.health.show-details=always"
    })
@DirtiesContext
class ReactiveAppTest {
  @LocalServerPort int port;
  @Autowired Argos argos;
  @Autowired Agent agent;

  @Test
  void quarantinedClientGets429WithRetryAfterAndOthersAreServed() {
    Http http = new Http(port);
    long before = argos.snapshot().getLong("requests.total", -1);
    assertThat(http.get("/hello", "bad").statusCode()).isEqualTo(200);
    agent.quarantine().quarantine("bad", Duration.ofSeconds(30), Severity.WARNING, "test");
    int served = ReactiveTestApp.SERVED.get("bad").get();

    HttpResponse<String> refused = http.get("/hello", "bad");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()))
        .isBetween(25L, 30L);
    assertThat(ReactiveTestApp.SERVED.get("bad").get()).isEqualTo(served);

    HttpResponse<String> good = http.get("/hello", "good");
    assertThat(good.statusCode()).isEqualTo(200);
    assertThat(good.body()).isEqualTo("hello");
    // every request recorded, the refused one included
    assertThat(argos.snapshot().getLong("requests.total", -1)).isGreaterThanOrEqualTo(before + 3);
  }

  @Test
  void healthAndEndpointAnswer() {
    Http http = new Http(port);
    JsonNode health = http.json("/actuator/health");
    assertThat(health.path("components").path("argos").path("status").asText()).isEqualTo("UP");
    JsonNode a = http.json("/actuator/argos");
    assertThat(a.path("snapshot").path("figures").has("requests.total")).isTrue();
    // Reactor Netty's event loops are not reachable through Spring Boot's WebServer: documented
    assertThat(a.path("watchedExecutors").size()).isZero();
  }
}
