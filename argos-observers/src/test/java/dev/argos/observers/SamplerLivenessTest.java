package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A sampler thread that stops making progress is reported from outside it. */
class SamplerLivenessTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  /** A signal and the thread that emitted it. */
  record Emitted(Signal signal, String thread) {}

  /** Ticks normally twice, then blocks in its third tick until released. */
  static final class BlocksOnThirdTick implements Sampler {
    final AtomicInteger ticks = new AtomicInteger();
    final CountDownLatch blocking = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public String name() {
      return "blocking";
    }

    @Override
    public void tick(long nowNanos) {
      if (ticks.incrementAndGet() == 3) {
        blocking.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private static boolean stuck(Signal s) {
    return Signal.TYPE_ERROR.equals(s.type()) && "samplerStuck".equals(s.data().get(DataKeys.KIND));
  }

  @Test
  void aSamplerWhoseTickBlocksIsReportedFromOutsideTheSamplerThread() throws Exception {
    List<Emitted> out = new CopyOnWriteArrayList<>();
    SamplerEngine engine = new SamplerEngine(Clock.system(), 20 * MS, 60_000 * MS,
        s -> out.add(new Emitted(s, Thread.currentThread().getName())));
    BlocksOnThirdTick blocking = new BlocksOnThirdTick();
    engine.add(blocking);
    engine.start();
    try {
      assertThat(blocking.blocking.await(10, TimeUnit.SECONDS)).isTrue();
      // real threads: the report comes from another thread while this one is still blocked
      await().atMost(Duration.ofSeconds(10)).until(() -> out.stream().anyMatch(e -> stuck(e.signal())));
      Emitted e = out.stream().filter(x -> stuck(x.signal())).findFirst().orElseThrow();
      assertThat(blocking.release.getCount()).isEqualTo(1);
      assertThat(e.thread()).isNotEqualTo(SamplerEngine.THREAD_NAME);
      assertThat(e.signal().severity()).isEqualTo(Severity.WARNING);
      assertThat(e.signal().key()).isEqualTo(SamplerEngine.THREAD_NAME);
      assertThat(e.signal().data()).containsEntry(DataKeys.SAMPLER, "blocking");
      @SuppressWarnings("unchecked")
      List<String> stack = (List<String>) e.signal().data().get(DataKeys.STACK);
      assertThat(stack).anyMatch(f -> f.contains("BlocksOnThirdTick.tick"));
      assertThat(((Number) e.signal().data().get(DataKeys.STUCK_MS)).doubleValue()).isGreaterThanOrEqualTo(1000.0);
      blocking.release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> out.stream().anyMatch(x -> stuck(x.signal()) && x.signal().isResolved()));
      assertThat(out.stream().filter(x -> stuck(x.signal()) && !x.signal().isResolved())).hasSize(1);
    } finally {
      blocking.release.countDown();
      engine.stop(TimeUnit.SECONDS.toNanos(1));
    }
    assertThat(ArgosLifecycleTest.argosThreads()).isEmpty();
  }

  @Test
  void theCheckReportsAStampOlderThanTheLimitOnceAndItsEnd() {
    ManualClock clock = Clock.manual();
    List<Signal> out = new ArrayList<>();
    SamplerEngine engine = new SamplerEngine(clock, 100 * MS, 60_000 * MS, out::add);
    SamplerLiveness live = engine.liveness();
    live.check(clock.nanoTime()); // the loop has not run yet: nothing to judge
    engine.progress(clock.nanoTime());
    clock.advanceMillis(1000);
    live.check(clock.nanoTime());
    clock.advanceMillis(999);
    live.check(clock.nanoTime());
    assertThat(out).isEmpty();
    clock.advanceMillis(1);
    live.check(clock.nanoTime()); // 2 s without progress
    assertThat(out).singleElement().satisfies(s -> {
      assertThat(stuck(s)).isTrue();
      assertThat(s.severity()).isEqualTo(Severity.WARNING);
      assertThat(s.data()).containsEntry(DataKeys.STUCK_MS, 2000L).containsEntry(DataKeys.SAMPLER, "none");
    });
    clock.advanceMillis(1000);
    live.check(clock.nanoTime());
    assertThat(out).hasSize(1); // once per episode
    engine.progress(clock.nanoTime()); // the loop runs again after 3 s
    clock.advanceMillis(1000);
    live.check(clock.nanoTime());
    assertThat(out).hasSize(2);
    assertThat(out.get(1).isResolved()).isTrue();
    assertThat(out.get(1).severity()).isEqualTo(Severity.INFO);
    assertThat(out.get(1).data()).containsEntry(DataKeys.DURATION_MS, 3000L);
  }

  @Test
  void aCheckThatWakesLateItselfDoesNotJudge() {
    ManualClock clock = Clock.manual();
    List<Signal> out = new ArrayList<>();
    SamplerEngine engine = new SamplerEngine(clock, 100 * MS, 60_000 * MS, out::add);
    SamplerLiveness live = engine.liveness();
    engine.progress(clock.nanoTime());
    live.check(clock.nanoTime());
    clock.advanceMillis(3000); // the whole JVM was stopped: both threads wake late
    live.check(clock.nanoTime());
    assertThat(out).isEmpty();
    engine.progress(clock.nanoTime()); // the sampler thread runs right after the pause
    clock.advanceMillis(1000);
    live.check(clock.nanoTime());
    assertThat(out).isEmpty();
    clock.advanceMillis(1000); // but a sampler thread that stays stopped is reported
    live.check(clock.nanoTime());
    assertThat(out).singleElement().satisfies(s -> assertThat(stuck(s)).isTrue());
  }

  @Test
  void theLimitIsTwoSecondsOrThreePeriods() {
    assertThat(SamplerLiveness.stuckAfterNanos(100 * MS)).isEqualTo(2000 * MS);
    assertThat(SamplerLiveness.stuckAfterNanos(1000 * MS)).isEqualTo(3000 * MS);
  }
}
