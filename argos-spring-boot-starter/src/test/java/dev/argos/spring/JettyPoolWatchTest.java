package dev.argos.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Signal;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.BlockingArrayQueue;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.embedded.jetty.JettyWebServer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.boot.web.servlet.context.ServletWebServerInitializedEvent;

/**
 * Jetty's thread pool is not an ExecutorService: it refuses work both when it is stopped and when
 * its bounded queue is full ({@code server.jetty.threads.max-queue-capacity}). A full queue is
 * the overload the watch is for: the pool must stay watched (and be reported as lagging), and be
 * released only once it stops.
 */
class JettyPoolWatchTest {

  @Test
  void aSaturatedJettyPoolIsReportedAsLaggingAndStaysWatchedUntilItStops() throws Exception {
    // two threads, a queue of one: two blocked tasks and one queued saturate it
    QueuedThreadPool pool =
        new QueuedThreadPool(2, 2, 60_000, 0, new BlockingArrayQueue<>(1), null);
    Server server = new Server(pool);
    JettyWebServer web = new JettyWebServer(server);
    List<Signal> signals = new CopyOnWriteArrayList<>();
    Argos argos = Argos.createArgos(ArgosConfig.builder().build());
    ServerExecutorWatcher watcher = new ServerExecutorWatcher(argos);
    CountDownLatch release = new CountDownLatch(1);
    try {
      argos.start(signals::add);
      Runnable blocked =
          () -> {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          };
      pool.execute(blocked); // one at a time: a job waits in the queue until a thread takes it
      await().atMost(Duration.ofSeconds(10)).until(() -> pool.getBusyThreads() == 1);
      pool.execute(blocked);
      await().atMost(Duration.ofSeconds(10)).until(() -> pool.getBusyThreads() == 2);
      pool.execute(blocked); // the queue is full now: every execute() is refused
      assertThat(pool.getQueueSize()).isEqualTo(1);

      // watched while saturated: its probes are refused from the first one on
      watcher.onApplicationEvent(
          new ServletWebServerInitializedEvent(web, new ServletWebServerApplicationContext()));
      assertThat(watcher.watched()).containsKey("jetty");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> signals.stream().anyMatch(s -> s.type().equals(Signal.TYPE_EVENT_LOOP_LAG)
              && "jetty".equals(s.key()) && !s.isResolved()));
      assertThat(argos.snapshot().get("lag.executors.watched")).isEqualTo(1);

      release.countDown();
      await() // running again, and still watched
          .atMost(Duration.ofSeconds(10))
          .until(() -> argos.snapshot().get("lag.executor.jetty.lagMs") instanceof Number n
              && n.doubleValue() < 1_000);
      assertThat(argos.snapshot().get("lag.executors.watched")).isEqualTo(1);

      web.destroy(); // stops the server and its pool
      await() // a stopped pool is released
          .atMost(Duration.ofSeconds(10))
          .until(() -> Integer.valueOf(0).equals(argos.snapshot().get("lag.executors.watched")));
    } finally {
      release.countDown();
      watcher.close();
      web.destroy();
      argos.close();
    }
  }
}
