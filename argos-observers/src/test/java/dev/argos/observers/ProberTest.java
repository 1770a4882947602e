package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The prober's threads: real threads, so waits are on latches and Awaitility. */
class ProberTest {
  private static final long HAND_OVER = TimeUnit.MILLISECONDS.toNanos(50);

  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void releaseStuckJobs() {
    release.countDown();
  }

  /** A job that waits for {@link #release}, deaf to interrupts, after saying it started. */
  private Runnable deafJob(CountDownLatch entered) {
    return () -> {
      entered.countDown();
      boolean done = false;
      while (!done) {
        try {
          release.await();
          done = true;
        } catch (InterruptedException ignored) {
          // deaf on purpose
        }
      }
    };
  }

  private static List<String> threads() {
    return ArgosLifecycleTest.argosThreads();
  }

  @Test
  void runsJobsOnItsOwnThreadStartedOnTheFirstJob() throws Exception {
    Prober prober = new Prober(Clock.system(), HAND_OVER, 4);
    assertThat(threads()).doesNotContain(Prober.THREAD_NAME);
    List<String> ranOn = new CopyOnWriteArrayList<>();
    CountDownLatch ran = new CountDownLatch(1);
    assertThat(prober.offer(() -> {
      ranOn.add(Thread.currentThread().getName());
      ran.countDown();
    })).isTrue();
    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(ranOn).containsExactly(Prober.THREAD_NAME);
    prober.close(TimeUnit.SECONDS.toNanos(1));
    assertThat(prober.offer(() -> {})).isFalse();
    assertThat(threads()).isEmpty();
  }

  @Test
  void aBlockedJobIsLeftToItsThreadAndTheOthersRunOnAFreshOne() throws Exception {
    Prober prober = new Prober(Clock.system(), HAND_OVER, 4);
    CountDownLatch entered = new CountDownLatch(1);
    prober.offer(deafJob(entered));
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    CountDownLatch quick = new CountDownLatch(1);
    prober.offer(quick::countDown);
    prober.maintain(System.nanoTime()); // not blocked for the hand-over time yet
    assertThat(prober.handOvers()).isZero();
    prober.maintain(System.nanoTime() + HAND_OVER);
    assertThat(prober.handOvers()).isEqualTo(1);
    assertThat(quick.await(10, TimeUnit.SECONDS)).as("the next job runs").isTrue();
    assertThat(prober.abandonedCount()).isEqualTo(1);
    assertThat(threads()).containsExactlyInAnyOrder(Prober.ABANDONED_NAME, Prober.THREAD_NAME);
    release.countDown();
    // the abandoned thread ends once its call returns (a real thread: Awaitility)
    await().atMost(Duration.ofSeconds(10)).until(() -> prober.abandonedCount() == 0);
    await().atMost(Duration.ofSeconds(10)).until(() -> !threads().contains(Prober.ABANDONED_NAME));
    prober.close(TimeUnit.SECONDS.toNanos(1));
    assertThat(threads()).isEmpty();
  }

  @Test
  void closeReturnsPromptlyAndLeavesOnlyTheThreadInsideADeafJob() throws Exception {
    Prober prober = new Prober(Clock.system(), HAND_OVER, 4);
    CountDownLatch entered = new CountDownLatch(1);
    prober.offer(deafJob(entered));
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    CountDownLatch never = new CountDownLatch(1);
    prober.offer(never::countDown);
    long start = System.nanoTime();
    prober.close(TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
    assertThat(threads()).containsExactly(Prober.ABANDONED_NAME);
    release.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> threads().isEmpty());
    assertThat(never.getCount()).as("queued jobs are dropped at close").isEqualTo(1);
  }

  @Test
  void atMostMaxAbandonedThreadsAreLeftBlocked() throws Exception {
    Prober prober = new Prober(Clock.system(), HAND_OVER, Prober.MAX_ABANDONED + 4);
    try {
      for (int i = 0; i < Prober.MAX_ABANDONED + 1; i++) {
        CountDownLatch entered = new CountDownLatch(1);
        prober.offer(deafJob(entered));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        prober.offer(() -> {}); // something waiting, so that a hand-over starts a fresh thread
        prober.maintain(System.nanoTime() + HAND_OVER);
      }
      assertThat(prober.abandonedCount()).isEqualTo(Prober.MAX_ABANDONED);
      assertThat(threads().stream().filter(Prober.ABANDONED_NAME::equals)).hasSize(Prober.MAX_ABANDONED);
    } finally {
      release.countDown();
      prober.close(TimeUnit.SECONDS.toNanos(1));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> threads().isEmpty());
  }
}
