package dev.argos.live;

import static dev.argos.core.Agent.createAgent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.signals.InMemoryQuarantine;
import dev.argos.signals.Quarantines;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** A running agent, Argos and live page for a test; closes all three. */
final class Fixture implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  final InMemoryQuarantine quarantine = Quarantines.inMemory();
  final Argos argos =
      Argos.createArgos(ArgosConfig.builder().sampleRate(Duration.ofMillis(100)).build());
  final Agent agent =
      createAgent(AgentConfig.builder().quarantine(quarantine).observer(argos).build());
  final LivePage page;
  final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  Fixture(UnaryOperator<LivePage.Builder> settings) {
    page =
        settings
            .apply(
                LivePage.builder()
                    .agent(agent)
                    .argos(argos)
                    .port(0)
                    .sampleInterval(Duration.ofMillis(200)))
            .build()
            .start();
  }

  Fixture() {
    this(b -> b);
  }

  URI uri(String pathAndQuery) {
    return page.uri().resolve(pathAndQuery);
  }

  HttpResponse<String> get(String pathAndQuery, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String pathAndQuery, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(
        b.POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode parse(String json) throws IOException {
    return JSON.readTree(json);
  }

  void publish(String type, String key, String message) {
    agent.publish(
        Signal.builder(type).severity(Severity.WARNING).key(key).message(message).build());
  }

  /** An event stream read on its own thread into a queue of events. */
  Events events(String pathAndQuery, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(pathAndQuery));
    if (headers.length > 0) {
      b.headers(headers);
    }
    HttpResponse<InputStream> r = http.send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    return new Events(r);
  }

  @Override
  public void close() {
    page.close();
    agent.close();
    argos.close();
  }

  /** One server-sent event. */
  record Event(String name, String data) {
    JsonNode json() {
      try {
        return parse(data);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Parses a text/event-stream on a reader thread. */
  static final class Events implements AutoCloseable {
    final HttpResponse<InputStream> response;
    final BlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final java.util.concurrent.atomic.AtomicLong signalsRead =
        new java.util.concurrent.atomic.AtomicLong();
    private final Thread reader;

    Events(HttpResponse<InputStream> response) {
      this.response = response;
      this.reader = new Thread(this::read, "test-sse-reader");
      reader.setDaemon(true);
      reader.start();
    }

    private void read() {
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String event = "message";
        StringBuilder data = new StringBuilder();
        for (String line; (line = in.readLine()) != null; ) {
          if (line.isEmpty()) {
            if (data.length() > 0) {
              queue.add(new Event(event, data.toString()));
              if (event.equals("signal")) {
                signalsRead.incrementAndGet();
              }
            }
            event = "message";
            data.setLength(0);
          } else if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("data: ")) {
            data.append(line.substring(6));
          }
        }
      } catch (IOException e) {
        // closed
      }
    }

    /** The next event named {@code name} within 10 s (others skipped), or an AssertionError. */
    Event next(String name) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        Event e = queue.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (e == null) {
          throw new AssertionError("no '" + name + "' event within 10 s");
        }
        if (e.name().equals(name)) {
          return e;
        }
      }
    }

    /** The next {@code signal} event of {@code type} (a real Argos signal may come first). */
    JsonNode nextSignal(String type) throws InterruptedException {
      while (true) {
        JsonNode s = next("signal").json();
        if (s.get("type").asText().equals(type)) {
          return s;
        }
      }
    }

    /** Signal events read so far, of any type. */
    long signalsRead() {
      return signalsRead.get();
    }

    @Override
    public void close() throws IOException {
      response.body().close();
    }
  }
}
