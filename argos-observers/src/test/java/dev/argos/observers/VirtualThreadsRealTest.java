package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real virtual threads (JDK 21 and later; skipped before): a virtual thread pinned to its carrier
 * inside a class initializer is signalled from the JFR stream with its stack, and carriers all
 * kept busy make the scheduler's probe late (eventLoopLag, key "virtual").
 */
class VirtualThreadsRealTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @BeforeEach
  void needsVirtualThreads() {
    assumeTrue(VirtualThreads.supported(), "virtual threads need JDK 21 or later");
  }

  /** Loads {@link PinningInit} afresh, so that each load runs its initializer again. */
  static final class Fresh extends ClassLoader {
    Fresh() {
      super(VirtualThreadsRealTest.class.getClassLoader());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!name.equals(PinningInit.class.getName())) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          byte[] b = bytes(name);
          c = defineClass(name, b, 0, b.length);
        }
        return c;
      }
    }

    private static byte[] bytes(String name) {
      String resource = name.replace('.', '/') + ".class";
      try (InputStream in = Objects.requireNonNull(
          VirtualThreadsRealTest.class.getClassLoader().getResourceAsStream(resource), resource)) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Starts a virtual thread named {@code name} that initializes a fresh PinningInit. */
  static Thread pinOnce(String name) {
    ThreadFactory f = Objects.requireNonNull(VirtualThreads.virtualThreadFactory(name));
    Thread t = f.newThread(() -> {
      try {
        Class.forName(PinningInit.class.getName(), true, new Fresh());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
    });
    t.start();
    return t;
  }

  private static List<Signal> ofType(List<Signal> signals, String type) {
    return signals.stream().filter(s -> s.type().equals(type)).toList();
  }

  @Test
  void aVirtualThreadPinnedInAClassInitializerIsSignalledWithItsStack() throws Exception {
    List<Signal> seen = new CopyOnWriteArrayList<>();
    PinnedThreadSampler sampler =
        PinnedThreadSampler.start(Clock.system(), seen::add, 20 * MS, 200 * MS, 0);
    try {
      await().atMost(Duration.ofSeconds(30)).until(sampler::recording);
      pinOnce("pinned-in-test").join();
      long ended = System.nanoTime();
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(10))
          .until(() -> !ofType(seen, VirtualThreads.TYPE_PINNED).isEmpty());
      // docs/virtual-threads.md quotes this delay (the stream reads JFR's flushes, about 1/s)
      System.out.printf(Locale.ROOT, "virtualThreadPinned signalled %.0f ms after the pinning"
          + " ended%n", (System.nanoTime() - ended) / 1e6);
      Signal s = ofType(seen, VirtualThreads.TYPE_PINNED).get(0);
      assertThat(s.isResolved()).isFalse();
      assertThat(s.severity()).isEqualTo(Severity.WARNING);
      assertThat(s.data()).containsEntry(DataKeys.THREAD, "pinned-in-test")
          .containsEntry(DataKeys.THRESHOLD_MS, 20.0)
          .containsEntry(DataKeys.COUNT, 1L);
      assertThat((Double) s.data().get(DataKeys.DURATION_MS))
          .isGreaterThanOrEqualTo(PinningInit.PARK_MILLIS * 0.9);
      @SuppressWarnings("unchecked")
      List<String> stack = (List<String>) s.data().get(DataKeys.STACK);
      assertThat(stack).isNotEmpty().hasSizeLessThanOrEqualTo(PinnedEpisodes.MAX_FRAMES + 1)
          .anyMatch(f -> f.startsWith(PinningInit.class.getName() + ".<clinit>"));
      assertThat(s.message()).contains("pinned-in-test", PinningInit.class.getName() + ".<clinit>");
      if (Runtime.version().feature() >= 24) {
        // JDK 24 and later name the carrier (the key), the operation and the reason
        assertThat(s.key()).isEqualTo(s.data().get(DataKeys.CARRIER)).startsWith("ForkJoinPool");
        assertThat(s.data()).containsEntry(DataKeys.BLOCKING_OPERATION, "LockSupport.park");
        assertThat((String) s.data().get(DataKeys.PINNED_REASON)).contains("<clinit>");
      } else {
        assertThat(s.key()).isEqualTo(VirtualThreads.KEY);
      }
      // calm for the (test's) quiet time: resolved at the next flush
      await().atMost(Duration.ofSeconds(15)).until(() -> seen.stream().anyMatch(
          x -> x.isResolved() && x.type().equals(VirtualThreads.TYPE_PINNED)));
    } finally {
      sampler.close();
    }
    assertThat(VirtualThreadsTest.argosThreads()).doesNotContain(PinnedThreadSampler.THREAD_NAME);
  }

  @Test
  void underTheThresholdNothingIsSignalled() throws Exception {
    List<Signal> seen = new CopyOnWriteArrayList<>();
    PinnedThreadSampler sampler =
        PinnedThreadSampler.start(Clock.system(), seen::add, 500 * MS, 200 * MS, 0);
    try {
      await().atMost(Duration.ofSeconds(30)).until(sampler::recording);
      pinOnce("short-pin").join(); // 100 ms, under 500
      // a pinning over the threshold after it shows that the stream delivered what came before
      PinnedThreadSampler other =
          PinnedThreadSampler.start(Clock.system(), seen::add, 20 * MS, 200 * MS, 0);
      try {
        await().atMost(Duration.ofSeconds(30)).until(other::recording);
        pinOnce("long-pin").join();
        await().atMost(Duration.ofSeconds(15)).until(() -> seen.stream().anyMatch(
            x -> "long-pin".equals(x.data().get(DataKeys.THREAD))));
      } finally {
        other.close();
      }
    } finally {
      sampler.close();
    }
    assertThat(seen).noneMatch(x -> "short-pin".equals(x.data().get(DataKeys.THREAD))
        && x.data().get(DataKeys.THRESHOLD_MS).equals(500.0));
  }

  @Test
  void argosSignalsAPinnedVirtualThreadAndClosesItsStream() {
    List<Signal> seen = new CopyOnWriteArrayList<>();
    Argos argos = Argos.createArgos(ArgosConfig.builder().onAnomaly(seen::add).build());
    try {
      argos.start();
      assertThat(VirtualThreadsTest.argosThreads()).contains(PinnedThreadSampler.THREAD_NAME);
      // the stream starts recording a little after start(): pin again until one is seen
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
        pinOnce("pinned-under-argos").join();
        return !ofType(seen, VirtualThreads.TYPE_PINNED).isEmpty();
      });
      Signal s = ofType(seen, VirtualThreads.TYPE_PINNED).get(0);
      assertThat(s.source()).isEqualTo(Argos.SOURCE);
      assertThat(s.data()).containsEntry(DataKeys.THREAD, "pinned-under-argos");
    } finally {
      argos.close();
    }
    // closing resolved the episode and ended the stream's thread
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.stream()
        .anyMatch(x -> x.isResolved() && x.type().equals(VirtualThreads.TYPE_PINNED)));
    assertThat(VirtualThreadsTest.argosThreads()).doesNotContain(PinnedThreadSampler.THREAD_NAME);
  }

  @Test
  void carriersAllBusyAreEventLoopLagOnVirtualWhileStuck() throws Exception {
    List<Signal> seen = new CopyOnWriteArrayList<>();
    Argos argos = Argos.createArgos(ArgosConfig.builder().onAnomaly(seen::add).build());
    AtomicBoolean release = new AtomicBoolean();
    List<Thread> spinners = new ArrayList<>();
    try {
      argos.start();
      // the probe runs: its figure is there and small
      await().atMost(Duration.ofSeconds(10)).until(
          () -> argos.snapshot().get("lag.executor.virtual.lagMs") != null);
      int carriers = Integer.getInteger(
          "jdk.virtualThreadScheduler.parallelism", Runtime.getRuntime().availableProcessors());
      CountDownLatch running = new CountDownLatch(carriers);
      ThreadFactory f = Objects.requireNonNull(VirtualThreads.virtualThreadFactory("spinner"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); // never spins for ever
      for (int i = 0; i < carriers; i++) {
        Thread t = f.newThread(() -> {
          running.countDown();
          // the workload under test: CPU-bound virtual threads that never yield their carrier
          while (!release.get() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
          }
        });
        spinners.add(t);
        t.start();
      }
      assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
      VirtualSchedulerProbe.SchedulerState state = VirtualSchedulerProbe.SchedulerState.find();
      if (state != null) { // JDK 24+: the scheduler is not idle, so the probes are real threads
        assertThat(state.getAsBoolean()).isFalse();
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream().anyMatch(
          x -> x.type().equals(Signal.TYPE_EVENT_LOOP_LAG) && "virtual".equals(x.key())));
      // seen while the carriers are still busy
      assertThat(release.get()).isFalse();
      Signal lag = seen.stream()
          .filter(x -> x.type().equals(Signal.TYPE_EVENT_LOOP_LAG) && "virtual".equals(x.key()))
          .findFirst().orElseThrow();
      assertThat(lag.isResolved()).isFalse();
      assertThat(lag.data()).containsEntry(DataKeys.IN_PROGRESS, true);
      assertThat((Double) lag.data().get(DataKeys.LAG_MS)).isGreaterThan(50.0);
      release.set(true);
      for (Thread t : spinners) {
        t.join();
      }
      // resolved after 10 s without another stall (ExecutorWatchdog.QUIET_NANOS)
      await().atMost(Duration.ofSeconds(25)).until(() -> seen.stream().anyMatch(
          x -> x.isResolved() && x.type().equals(Signal.TYPE_EVENT_LOOP_LAG)
              && "virtual".equals(x.key())));
    } finally {
      release.set(true);
      argos.close();
    }
    assertThat(VirtualThreadsTest.argosThreads()).doesNotContain(PinnedThreadSampler.THREAD_NAME);
  }
}
