package dev.argos.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.argos.spring.servletapp.ServletTestApp;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/** Actuator on its own port: both Tomcat servers' executors are watched, under two names. */
@SpringBootTest(
    classes = ServletTestApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "management.server.port=0",
      "management.endpoints.web.exposure.include=health,argos",
      "management.endpoint.health.show-details=always"
    })
@DirtiesContext
class ManagementPortTest {
  @LocalServerPort int port;
  @LocalManagementPort int managementPort;

  @Test
  void bothServersAreWatchedAndTheEndpointAnswersOnTheManagementPort() {
    assertThat(managementPort).isNotEqualTo(port);
    JsonNode a = new Http(managementPort).json("/actuator/argos");
    assertThat(a.path("watchedExecutors").has("tomcat"))
        .as("watched: %s", a.path("watchedExecutors"))
        .isTrue();
    assertThat(a.path("watchedExecutors").has("tomcat-management"))
        .as("watched: %s", a.path("watchedExecutors"))
        .isTrue();
    JsonNode health = new Http(managementPort).json("/actuator/health");
    assertThat(health.path("components").path("argos").path("status").asText()).isEqualTo("UP");
    // the application port serves the application, refused or not by the filter as usual
    assertThat(new Http(port).get("/hello", "x").statusCode()).isEqualTo(200);
  }
}
