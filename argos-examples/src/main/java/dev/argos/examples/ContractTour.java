package dev.argos.examples;

import static dev.argos.core.Agent.createAgent;
import static dev.argos.observers.Argos.createArgos;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Observer;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import dev.argos.core.Subscription;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.observers.Thresholds;
import dev.argos.signals.ProblemRegistry;
import dev.argos.signals.Quarantines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;

/**
 * Every public name of the contract (README.md, docs/concepts.md and docs/agent.md), used the
 * way a user writes it. It compiles only while the contract holds; {@code ContractTourTest} also
 * runs it.
 */
public final class ContractTour {
  private ContractTour() {}

  /** A custom observer, as docs/agent.md ("Writing an observer") describes one. */
  static final class OrdersQueueObserver implements Observer {
    private @Nullable SignalSink sink;

    @Override
    public String name() {
      return "orders-queue";
    }

    @Override
    public void start(SignalSink sink) {
      this.sink = sink;
    }

    void depth(int depth) {
      SignalSink s = sink;
      if (s != null && depth > 10_000) {
        s.emit(Signal.builder("queueDepth").severity(Severity.WARNING).key("orders")
            .message("orders queue above 10000").data("depth", depth).build());
      }
    }

    @Override
    public void close() {
      sink = null;
    }
  }

  /** Runs the tour; returns what the registry recorded. */
  public static List<?> run(Path registryFile) throws Exception {
    Argos argos =
        createArgos(
            ArgosConfig.builder()
                .sampleRate(Duration.ofMillis(100))
                .windowSize(Duration.ofSeconds(60))
                .thresholds(
                    Thresholds.builder()
                        .eventLoopLag(Duration.ofMillis(50))
                        .memoryGrowth(0.20)
                        .burstMultiplier(10)
                        .fileHandleUsage(0.90)
                        .build())
                .onAnomaly(signal -> System.out.println("onAnomaly: " + signal))
                .build());
    OrdersQueueObserver orders = new OrdersQueueObserver();
    Agent agent =
        createAgent(
            AgentConfig.builder()
                .quarantine(Quarantines.inMemory())
                .observer(argos)
                .observer(orders)
                .build());
    ProblemRegistry registry = ProblemRegistry.open(registryFile);
    agent.on("argos:signal", registry); // stays until agent.close(), which delivers what is queued
    Subscription s = agent.on("argos:signal", signal -> {
          String type = signal.type();
          Severity severity = signal.severity();
          Instant timestamp = signal.timestamp();
          Map<String, @Nullable Object> data = signal.data();
          String key = signal.key();
          String source = signal.source();
          String message = signal.message();
          System.out.printf("%s %s %s %s %s %s %s%n", type, severity, timestamp, key, source, message, data);
        });
    try {
      ExecutorService loop = Executors.newSingleThreadExecutor();
      AutoCloseable watch = argos.watch("netty-loop-0", loop);
      argos.recordRequest();
      argos.recordRequest("10.0.0.1");
      boolean refused = agent.quarantine().isQuarantined("10.0.0.1");
      orders.depth(20_000);
      System.out.println("10.0.0.1 quarantined: " + refused);
      watch.close();
      loop.shutdown();
      s.close(); // a Subscription is AutoCloseable; closing stops delivery to that listener

    } finally {
      agent.close();
      registry.close();
    }
    Argos standalone = createArgos().start();
    standalone.close();
    return ProblemRegistry.read(registryFile);
  }

  public static void main(String[] args) throws Exception {
    Path file = Files.createTempFile("argos-contract", ".jsonl");
    System.out.println("recorded: " + run(file));
  }
}
