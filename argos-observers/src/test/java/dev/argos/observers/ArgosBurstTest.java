package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Bursts through the public {@link Argos} API: by hand on a manual clock, then for real. */
class ArgosBurstTest {
  private static final String ATTACKER = "198.51.100.23";

  @Test
  void argosWiresTheBurstSamplerAndItsFigures() {
    ManualClock clock = Clock.manual();
    List<Signal> signals = new ArrayList<>();
    Argos argos =
        Argos.createArgos(
            ArgosConfig.builder()
                .clock(clock)
                .sampleRate(Duration.ofMillis(100))
                .windowSize(Duration.ofSeconds(4))
                .build());
    try {
      argos.start(signals::add);
      argos.engine().runOnce(clock.nanoTime());
      for (int t = 0; t < 60; t++) {
        for (int i = 0; i < 10; i++) {
          argos.recordRequest("client-" + (i % 5));
          argos.recordRequest(null);
        }
        clock.advanceMillis(100);
        argos.engine().runOnce(clock.nanoTime());
      }
      ArgosSnapshot snap = argos.snapshot();
      assertThat(snap.getLong("requests.total", -1)).isEqualTo(1200);
      assertThat(snap.getDouble("requests.rate", -1)).isEqualTo(200.0);
      assertThat(snap.getDouble("requests.baselineRate", -1)).isEqualTo(200.0);
      assertThat(snap.get("requests.warm")).isEqualTo(true);
      assertThat(snap.get("requests.keys.warm")).isEqualTo(true);
      assertThat(snap.getDouble("requests.keys.typicalRate", -1)).isEqualTo(20.0);
      assertThat(snap.getLong("requests.recorderBytes", -1)).isPositive();
      assertThat(snap.figures()).containsKeys("requests.keys.top", "requests.keys.distinct", "requests.keys.bursting");
      assertThat(signals).isEmpty();
      for (int t = 0; t < 20; t++) {
        for (int i = 0; i < 300; i++) {
          argos.recordRequest();
        }
        clock.advanceMillis(100);
        argos.engine().runOnce(clock.nanoTime());
      }
      assertThat(signals).hasSize(1);
      assertThat(signals.get(0).type()).isEqualTo(Signal.TYPE_BURST);
      assertThat(signals.get(0).key()).isNull();
    } finally {
      argos.close();
    }
  }

  @Test
  void realFloodFromOneKeyAmongManyIsSignalledWithTheKey() throws Exception {
    realFlood(ATTACKER, s -> ATTACKER.equals(s.key()));
  }

  @Test
  void realOverallFloodIsSignalled() throws Exception {
    realFlood(null, s -> s.key() == null);
  }

  /**
   * Argos on the system clock (50 ms ticks, 3 s window); a scheduled task sends ~1 000
   * requests/s from 1 000 keys until the detector is warm, then three threads flood as fast as
   * they can, from {@code floodKey} or without key.
   */
  private static void realFlood(@Nullable String floodKey, Predicate<Signal> expected) throws Exception {
    BlockingQueue<Signal> queue = new LinkedBlockingQueue<>();
    Argos argos =
        Argos.createArgos(
            ArgosConfig.builder()
                .sampleRate(Duration.ofMillis(50))
                .windowSize(Duration.ofSeconds(3))
                .onAnomaly(queue::offer)
                .build());
    String[] keys = new String[1000];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = "192.0.2." + i;
    }
    ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> flooders = new ArrayList<>();
    try {
      argos.start();
      int[] next = {0};
      background.scheduleAtFixedRate(
          () -> {
            for (int i = 0; i < 10; i++) {
              argos.recordRequest(keys[next[0]++ % keys.length]);
            }
          },
          0, 10, TimeUnit.MILLISECONDS);
      // the baseline is learned by the sampler thread on the real clock: poll the snapshot
      await().atMost(Duration.ofSeconds(30))
          .until(() -> Boolean.TRUE.equals(argos.snapshot().get("requests.keys.warm")));
      assertThat(queue).as("no burst from the background traffic").isEmpty();

      CountDownLatch go = new CountDownLatch(1);
      for (int t = 0; t < 3; t++) {
        Thread th = new Thread(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            return;
          }
          while (!stop.get()) {
            for (int i = 0; i < 1000; i++) {
              if (floodKey == null) {
                argos.recordRequest();
              } else {
                argos.recordRequest(floodKey);
              }
            }
          }
        }, "flooder-" + t);
        th.setDaemon(true);
        th.start();
        flooders.add(th);
      }
      go.countDown();
      Signal found = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (found == null && System.nanoTime() < deadline) {
        Signal s = queue.poll(1, TimeUnit.SECONDS);
        if (s != null && Signal.TYPE_BURST.equals(s.type()) && !s.isResolved() && expected.test(s)) {
          found = s;
        }
      }
      assertThat(found).as("a burst signal within 30 s").isNotNull();
      assertThat((Double) found.data().get("rate")).isGreaterThan((Double) found.data().get("thresholdRate"));
      if (floodKey != null) {
        assertThat((Double) found.data().get("share")).isGreaterThan(0.5);
      }
      System.out.println("burst (real): " + found);
    } finally {
      stop.set(true);
      for (Thread th : flooders) {
        th.join(5000);
      }
      background.shutdownNow();
      argos.close();
    }
  }
}
