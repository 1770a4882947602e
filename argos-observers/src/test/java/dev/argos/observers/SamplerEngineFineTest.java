package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Signal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The engine's fine slices: wake-ups between ticks for FineSamplers. */
class SamplerEngineFineTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  /** Counts wake-ups and records the longest park slice and the thread it runs on. */
  static final class Counting implements FineSampler {
    final long resolution;
    final CountDownLatch wakes;
    final AtomicLong longestSlice = new AtomicLong();
    final List<String> threads = new CopyOnWriteArrayList<>();
    final AtomicLong ticks = new AtomicLong();

    Counting(long resolution, int expected) {
      this.resolution = resolution;
      this.wakes = new CountDownLatch(expected);
    }

    @Override
    public String name() {
      return "counting";
    }

    @Override
    public long resolutionNanos() {
      return resolution;
    }

    @Override
    public void onWake(long parkStartNanos, long dueNanos, long wakeNanos) {
      longestSlice.accumulateAndGet(dueNanos - parkStartNanos, Math::max);
      if (threads.isEmpty()) {
        threads.add(Thread.currentThread().getName());
      }
      wakes.countDown();
    }

    @Override
    public void tick(long nowNanos) {
      ticks.incrementAndGet();
    }
  }

  @Test
  void theThreadWakesInSlicesAndStillTicksOnSchedule() throws Exception {
    List<Signal> errors = new CopyOnWriteArrayList<>();
    SamplerEngine engine = new SamplerEngine(Clock.system(), 100 * MS, 1000 * MS, errors::add);
    Counting fine = new Counting(5 * MS, 60);
    engine.add(fine);
    assertThat(engine.sliceNanos()).isEqualTo(5 * MS);
    engine.start();
    try {
      assertThat(fine.wakes.await(20, TimeUnit.SECONDS)).isTrue();
    } finally {
      engine.stop(TimeUnit.SECONDS.toNanos(2));
    }
    assertThat(fine.threads).containsExactly(SamplerEngine.THREAD_NAME);
    assertThat(fine.longestSlice.get()).isLessThanOrEqualTo(5 * MS);
    assertThat(engine.ticks()).isPositive();
    assertThat(fine.ticks.get()).isEqualTo(engine.ticks());
    assertThat(errors).isEmpty();
  }

  @Test
  void withoutFineSamplersTheThreadParksAWholePeriod() {
    SamplerEngine engine = new SamplerEngine(Clock.system(), 100 * MS, 1000 * MS, s -> {});
    engine.add(new Sampler() {
      @Override
      public String name() {
        return "plain";
      }

      @Override
      public void tick(long nowNanos) {}
    });
    assertThat(engine.sliceNanos()).isEqualTo(100 * MS);
    engine.add(new Counting(20 * MS, 1));
    engine.add(new Counting(7 * MS, 1));
    assertThat(engine.sliceNanos()).isEqualTo(7 * MS);
  }

  @Test
  void aFailingFineSamplerIsReportedOnceAndOthersKeepWaking() {
    ManualClock clock = Clock.manual();
    List<Signal> out = new ArrayList<>();
    SamplerEngine engine = new SamplerEngine(clock, 100 * MS, 1000 * MS, out::add);
    FineSampler failing = new FineSampler() {
      @Override
      public String name() {
        return "failing";
      }

      @Override
      public long resolutionNanos() {
        return MS;
      }

      @Override
      public void onWake(long parkStartNanos, long dueNanos, long wakeNanos) {
        throw new IllegalStateException("boom");
      }

      @Override
      public void tick(long nowNanos) {}
    };
    Counting counting = new Counting(MS, 3);
    engine.add(failing);
    engine.add(counting);
    for (int i = 0; i < 3; i++) {
      engine.wakeOnce(0, MS, MS);
    }
    assertThat(counting.wakes.getCount()).isZero();
    assertThat(out).singleElement().satisfies(s -> {
      assertThat(s.type()).isEqualTo(Signal.TYPE_ERROR);
      assertThat(s.key()).isEqualTo("failing");
    });
    assertThat(engine.samplerFailures()).isEqualTo(3);
  }
}
