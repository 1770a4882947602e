package dev.argos.live;

import static dev.argos.core.Agent.createAgent;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.signals.Quarantines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;

/**
 * Writes the live page's screenshot (docs/images/live.png): a running Argos with a small
 * workload (requests at a varying rate, a growing heap), a few signals, a quarantined key and
 * an incident, shown in headless Chromium.
 *
 * <pre>
 * ./mvnw -B -q -pl argos-live -am -DskipTests test-compile exec:java@screenshot
 * </pre>
 */
public final class LivePageScreenshot {
  private LivePageScreenshot() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/images/live.png");
    Argos argos = Argos.createArgos(ArgosConfig.builder().sampleRate(Duration.ofMillis(100)).build());
    Agent agent =
        createAgent(AgentConfig.builder().quarantine(Quarantines.inMemory()).observer(argos).build());
    LivePage page =
        LivePage.builder()
            .agent(agent)
            .argos(argos)
            .port(0)
            .allowRelease(true)
            .sampleInterval(Duration.ofMillis(250))
            .history(Duration.ofSeconds(30))
            .build()
            .start();
    Thread workload = new Thread(() -> workload(argos), "screenshot-workload");
    workload.setDaemon(true);
    workload.start();
    try (Browser browser = new Browser(1280, 1020)) {
      browser.driver.get(page.uri().toString());
      waitFor(() -> "live".equals(browser.driver.findElement(By.id("status")).getText()));
      story(agent);
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(20)); // let the sparklines fill
      agent.publish(
          Signal.builder("burst")
              .severity(Severity.WARNING)
              .key("<script>alert(1)</script>")
              .message("burst from one client: 420 requests/s, 21x its usual rate (shown as text)")
              .data("rate", 420.0)
              .build());
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.write(out, browser.driver.getScreenshotAs(OutputType.BYTES));
      System.out.println("wrote " + out + " (" + Files.size(out) + " bytes)");
    } finally {
      workload.interrupt();
      agent.close();
      argos.close();
    }
  }

  private static void story(Agent agent) {
    agent.publish(
        Signal.builder("eventLoopLag")
            .severity(Severity.WARNING)
            .key("netty-loop-0")
            .message("executor netty-loop-0 is 182 ms late (threshold 50 ms): its thread is blocked")
            .data("episode", "eventLoopLag-7")
            .data("lagMs", 182)
            .data("cause", "blocked")
            .build());
    agent.publish(
        Signal.builder("burst")
            .severity(Severity.WARNING)
            .key("203.0.113.9")
            .message("burst from one client: 950 requests/s, 38x its usual rate")
            .data("episode", "burst-3")
            .data("rate", 950.0)
            .build());
    agent.publish(
        Signal.builder("memoryPressure")
            .severity(Severity.INFO)
            .key("heap")
            .message("the live set stopped growing after 41 s")
            .data("episode", "memoryPressure-2")
            .data("state", "resolved")
            .build());
    agent.publish(
        Signal.builder(Signal.TYPE_INCIDENT)
            .severity(Severity.WARNING)
            .key("inc-20261202-051500-3fa9c1")
            .message("a burst from 203.0.113.9 kept netty-loop-0 busy: its requests queued up")
            .data("state", "open")
            .data("origin", Map.of("kind", "key", "name", "203.0.113.9", "type", "burst"))
            .data("confidence", 0.72)
            .build());
  }

  /** Requests at a rate that rises and falls, and a heap that grows a little. */
  private static void workload(Argos argos) {
    List<byte[]> kept = new ArrayList<>();
    long start = System.nanoTime();
    while (!Thread.currentThread().isInterrupted()) {
      double t = (System.nanoTime() - start) / 1e9;
      int n = (int) (40 + 30 * Math.sin(t / 3));
      for (int i = 0; i < n; i++) {
        argos.recordRequest();
      }
      if (kept.size() < 400) {
        kept.add(new byte[64 * 1024]);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier ok) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!ok.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the live page did not connect within 20 s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }
}
