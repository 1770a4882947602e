package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Argos listens to the JVM's collectors from start() to close() only (issue 11 §2.10: 2 000
 * Argos created and never started kept 11 MB, their GC listeners held by the platform MXBeans).
 */
class GcListenerLifecycleTest {

  @Test
  void anArgosNeverStartedRegistersNoGcListenerAndIsCollectedWhole() {
    List<WeakReference<GcMonitor>> monitors = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Argos argos = Argos.createArgos();
      assertThat(argos.gcMonitor().listening()).isFalse();
      monitors.add(new WeakReference<>(argos.gcMonitor()));
    }
    // nothing but these references points at the monitors: the JVM's collectors hold none
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              System.gc();
              return monitors.stream().allMatch(r -> r.get() == null);
            });
  }

  @Test
  void startListensAndCloseStopsListening() {
    Argos argos = Argos.createArgos();
    GcMonitor gc = argos.gcMonitor();
    try {
      argos.start();
      // the sampler thread registers the listeners as it starts (not the caller of start())
      await().atMost(Duration.ofSeconds(10)).until(gc::listening);
    } finally {
      argos.close();
    }
    assertThat(gc.listening()).isFalse();
    gc.startListening(); // closed: never again
    assertThat(gc.listening()).isFalse();
  }
}
