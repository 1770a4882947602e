package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What start-up leaves to the sampler thread (issue 12 §2): the heap and resource samplers are
 * built at their first tick, and the GC listeners are registered by the sampler thread, not by
 * the thread that calls {@code createArgos} and {@code start()}.
 */
class DeferredStartTest {

  private static DeferredSampler deferred(Argos argos, String name) {
    for (Sampler s : argos.engine().samplers()) {
      if (s instanceof DeferredSampler d && d.name().equals(name)) {
        return d;
      }
    }
    throw new AssertionError("no deferred sampler " + name);
  }

  @Test
  void aDeferredSamplerIsBuiltAtItsFirstTickOnlyAndNeverAfterClose() {
    AtomicInteger built = new AtomicInteger();
    AtomicInteger ticks = new AtomicInteger();
    Sampler real = new Sampler() {
      @Override
      public String name() {
        return "real";
      }

      @Override
      public void tick(long nowNanos) {
        ticks.incrementAndGet();
      }

      @Override
      public void snapshot(Map<String, Object> into) {
        into.put("real", true);
      }
    };
    DeferredSampler d = new DeferredSampler("real", () -> {
      built.incrementAndGet();
      return real;
    });
    Map<String, Object> figures = new LinkedHashMap<>();
    d.snapshot(figures);
    assertThat(figures).isEmpty();
    assertThat(built).hasValue(0);
    d.tick(1);
    d.tick(2);
    d.snapshot(figures);
    assertThat(built).hasValue(1);
    assertThat(ticks).hasValue(2);
    assertThat(figures).containsEntry("real", true);

    DeferredSampler never = new DeferredSampler("never", () -> {
      built.incrementAndGet();
      return real;
    });
    never.close();
    never.tick(3);
    assertThat(built).hasValue(1);
    assertThat(never.built()).isNull();
  }

  @Test
  void createAndStartLeaveTheJmxWorkToTheSamplerThread() {
    // ticks every 2 s: the first tick cannot come between start() and the asserts below
    Argos argos = Argos.createArgos(
        ArgosConfig.builder().clock(Clock.system()).sampleRate(Duration.ofSeconds(2)).build());
    try {
      assertThat(deferred(argos, "heap").built()).isNull();
      assertThat(argos.gcMonitor().listening()).isFalse();
      argos.start();
      // the calling thread has returned; what needs JMX has not been built by it
      assertThat(deferred(argos, "heap").built()).isNull();
      assertThat(deferred(argos, "resources").built()).isNull();
      // the sampler thread does it: GC listeners, then the samplers at its first tick
      await().atMost(Duration.ofSeconds(10)).until(() -> argos.gcMonitor().listening());
      await().atMost(Duration.ofSeconds(10)).until(() -> deferred(argos, "heap").built() != null
          && deferred(argos, "resources").built() != null);
      assertThat(deferred(argos, "heap").built()).isInstanceOf(HeapSampler.class);
      assertThat(deferred(argos, "resources").built()).isInstanceOf(ResourceSampler.class);
    } finally {
      argos.close();
    }
    assertThat(argos.gcMonitor().listening()).isFalse();
  }
}
