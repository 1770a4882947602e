package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SamplerEngineTest {
  private static final long PERIOD = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long WINDOW = TimeUnit.SECONDS.toNanos(60);

  /** A sampler that records the times it was ticked at. */
  static final class Recording implements Sampler {
    final String name;
    final List<Long> ticks = new CopyOnWriteArrayList<>();
    volatile boolean fail;

    Recording(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void tick(long nowNanos) {
      ticks.add(nowNanos);
      if (fail) {
        throw new IllegalStateException("sampler bug\n[main] WARN forged\u001b[2J");
      }
    }
  }

  @Test
  void runsEverySamplerInTurnAndIsolatesOneThatThrows() {
    ManualClock clock = Clock.manual();
    List<Signal> out = new ArrayList<>();
    SamplerEngine engine = new SamplerEngine(clock, PERIOD, WINDOW, out::add);
    Recording a = new Recording("a");
    Recording broken = new Recording("broken");
    Recording c = new Recording("c");
    broken.fail = true;
    engine.add(a);
    engine.add(broken);
    engine.add(c);

    for (int i = 0; i < 5; i++) {
      engine.runOnce(clock.nanoTime());
      clock.advance(Duration.ofMillis(100));
    }
    assertThat(a.ticks).hasSize(5);
    assertThat(broken.ticks).hasSize(5); // still called: a transient fault heals by itself
    assertThat(c.ticks).hasSize(5);
    assertThat(engine.ticks()).isEqualTo(5);
    assertThat(engine.samplerFailures()).isEqualTo(5);
    assertThat(out).hasSize(1); // reported once
    Signal err = out.get(0);
    assertThat(err.type()).isEqualTo(Signal.TYPE_ERROR);
    assertThat(err.key()).isEqualTo("broken");
    assertThat(err.source()).isEqualTo("argos");
    assertThat(err.data()).containsEntry("kind", "samplerFailed")
        .containsEntry("exception", "java.lang.IllegalStateException");
    // the message is neutralised like every other exception text Argos passes on
    assertThat((String) err.data().get("exceptionMessage"))
        .startsWith("sampler bug\\n[main] WARN forged")
        .doesNotContain("\n")
        .doesNotContain("\u001b");
  }

  @Test
  void realThreadTicksWithoutDriftAndStopsPromptly() {
    List<Signal> out = new CopyOnWriteArrayList<>();
    long period = TimeUnit.MILLISECONDS.toNanos(20);
    SamplerEngine engine = new SamplerEngine(Clock.system(), period, WINDOW, out::add);
    Recording r = new Recording("r");
    engine.add(r);
    engine.start();
    engine.start(); // idempotent
    try {
      assertThat(threadNamed(SamplerEngine.THREAD_NAME)).isTrue();
      // real time: the thread is asynchronous by nature, so wait for it with Awaitility
      await().atMost(Duration.ofSeconds(10)).until(() -> r.ticks.size() >= 30);
      // drift-free: tick k is due at start + k * period, so the spacing between consecutive
      // due times is exactly the period; check that ticks land on the schedule on average
      // missed ticks read before the ticks are copied: a tick missed after the copy (a loaded
      // machine) must not count against the copied span
      long missed = engine.missedTicks();
      List<Long> t = new ArrayList<>(r.ticks);
      long first = t.get(0);
      long last = t.get(t.size() - 1);
      long scheduledSpan = (t.size() - 1 + missed) * period;
      assertThat(last - first).isGreaterThanOrEqualTo(scheduledSpan - period);
    } finally {
      long start = System.nanoTime();
      engine.stop(TimeUnit.SECONDS.toNanos(1));
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
    }
    assertThat(threadNamed(SamplerEngine.THREAD_NAME)).isFalse();
    Map<String, Object> snap = new HashMap<>();
    engine.snapshot(snap);
    assertThat(snap).containsKeys("sampler.ticks", "sampler.missedTicks", "sampler.maxLatenessMs", "sampler.sliceMs");
    assertThat(out).isEmpty();
  }

  @Test
  void aStarvedSamplerThreadIsReported() {
    // drive the loop's starvation check directly: a tick that starts 2 s late
    ManualClock clock = Clock.manual();
    List<Signal> out = new ArrayList<>();
    SamplerEngine engine = new SamplerEngine(clock, PERIOD, WINDOW, out::add);
    engine.reportStarvationForTest(clock.nanoTime(), TimeUnit.SECONDS.toNanos(2));
    engine.reportStarvationForTest(clock.nanoTime(), TimeUnit.SECONDS.toNanos(3)); // same window
    assertThat(out).hasSize(1);
    assertThat(out.get(0).data()).containsEntry("kind", "samplerStarved");
    engine.reportStarvationForTest(clock.nanoTime(), TimeUnit.MILLISECONDS.toNanos(300)); // short: not starved
    assertThat(out).hasSize(1);
  }

  static boolean threadNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive() && t.getName().equals(name));
  }
}
