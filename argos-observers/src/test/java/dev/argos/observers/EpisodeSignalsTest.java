package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * Every built-in detector runs its episodes through one Episode: each signal of an episode
 * (firing, escalation, resolved) carries the same {@code data.episode}, of the form {@code
 * "<type>-<n>"}, and no two episodes share one. Deterministic: manual clock, fake inputs.
 */
class EpisodeSignalsTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long MB = 1024L * 1024;

  private final ManualClock clock = Clock.manual();
  private final List<Signal> signals = new ArrayList<>();

  /**
   * The signals of one episode: fired at {@code fired} and so on, ending with a resolved signal,
   * all with one id of the signal's type.
   */
  private static String oneEpisode(List<Signal> episode, Severity... firing) {
    assertThat(episode).hasSize(firing.length + 1);
    String id = (String) episode.get(0).data().get(DataKeys.EPISODE);
    assertThat(id).matches(episode.get(0).type() + "-[1-9][0-9]*");
    for (int i = 0; i < firing.length; i++) {
      assertThat(episode.get(i).severity()).isEqualTo(firing[i]);
      assertThat(episode.get(i).isResolved()).isFalse();
    }
    Signal resolved = episode.get(firing.length);
    assertThat(resolved.isResolved()).isTrue();
    assertThat(resolved.severity()).isEqualTo(Severity.INFO);
    assertThat(resolved.data()).containsKey(DataKeys.DURATION_MS)
        .containsEntry(DataKeys.MAX_SEVERITY, firing[firing.length - 1].name());
    assertThat(episode).allSatisfy(s -> assertThat(s.data()).containsEntry(DataKeys.EPISODE, id));
    return id;
  }

  private List<Signal> withReason(String key, String reason) {
    return signals.stream()
        .filter(s -> key.equals(s.key()) && reason.equals(s.data().get(DataKeys.REASON)))
        .toList();
  }

  // ---- resourceExhaustion ----------------------------------------------------------------

  private final ResourceSamplerTest.FakeProbe probe = new ResourceSamplerTest.FakeProbe();

  private ResourceSampler resources() {
    return new ResourceSampler(
        ArgosConfig.builder()
            .clock(clock)
            .sampleRate(Duration.ofMillis(100))
            .windowSize(Duration.ofSeconds(60))
            .build(),
        probe,
        signals::add);
  }

  /** {@code seconds} of 100 ms ticks (one reading a second) with {@code open} descriptors. */
  private void fds(ResourceSampler s, long seconds, long open) {
    probe.fdOpen = open;
    for (long k = 0; k < seconds * 10; k++) {
      clock.advanceMillis(100);
      s.tick(clock.nanoTime());
    }
  }

  @Test
  void resourceEpisodes() {
    ResourceSampler s = resources();
    fds(s, 3, 500);
    fds(s, 3, 910);
    fds(s, 3, 980);
    fds(s, 5, 500);
    fds(s, 3, 920);
    fds(s, 5, 500);
    List<Signal> usage = withReason("fileHandles", "usage");
    String first = oneEpisode(usage.subList(0, 3), Severity.WARNING, Severity.CRITICAL);
    String second = oneEpisode(usage.subList(3, 5), Severity.WARNING);
    assertThat(usage).hasSize(5);
    assertThat(second).isNotEqualTo(first);
  }

  @Test
  void descriptorsFlappingAroundTheThresholdWithinTheQuietReadingsAreOneEpisode() {
    ResourceSampler s = resources();
    fds(s, 3, 500);
    for (int i = 0; i < 5; i++) {
      fds(s, 2, 910); // above the threshold (0.9)
      fds(s, 2, 700); // below the resolve level (0.81) for two readings: not yet calm
    }
    fds(s, 5, 500);
    List<Signal> usage = withReason("fileHandles", "usage");
    assertThat(usage).extracting(Signal::isResolved).containsExactly(false, true);
    oneEpisode(usage, Severity.WARNING);
    assertThat(usage.get(1).data()).containsEntry(DataKeys.COUNT, 5);
  }

  // ---- memoryPressure -----------------------------------------------------------------------

  @Test
  void heapEpisodes() {
    GcMonitor gc = GcMonitor.manual();
    HeapSampler s =
        new HeapSampler(
            ArgosConfig.builder()
                .clock(clock)
                .sampleRate(Duration.ofMillis(100))
                .windowSize(Duration.ofSeconds(60))
                .build(),
            gc,
            signals::add);
    long[] after = {400 * MB};
    IntConsumer seconds = n -> {
      for (int k = 0; k < n * 10; k++) {
        clock.advanceMillis(100);
        if (k % 5 == 0) {
          gc.record("G1 Young Generation", "end of minor GC", "G1 Evacuation Pause",
              clock.nanoTime(), 5, false, after[0] + 300 * MB, after[0], 1024 * MB);
        }
        s.tick(clock.nanoTime());
      }
    };
    seconds.accept(5);
    after[0] = 950 * MB;
    seconds.accept(16);
    after[0] = 1000 * MB;
    seconds.accept(16);
    after[0] = 500 * MB;
    seconds.accept(2);
    oneEpisode(withReason("heap", "afterGcUsage"), Severity.WARNING, Severity.CRITICAL);
  }

  // ---- burst -------------------------------------------------------------------------------

  @Test
  void overallBurstEpisodes() {
    BurstHarness h = new BurstHarness(Duration.ofSeconds(10), Thresholds.defaults()).run(100, 10);
    h.run(1500, 3).run(4000, 2).run(100, 5);
    String first = oneEpisode(h.overall(), Severity.WARNING, Severity.CRITICAL);
    assertThat(h.overall().get(2).data()).containsKey(DataKeys.PEAK_RATE);
    h.run(2000, 3).run(100, 5);
    assertThat(h.overall()).hasSize(5);
    assertThat(oneEpisode(h.overall().subList(3, 5), Severity.WARNING)).isNotEqualTo(first);
  }

  @Test
  void keyBurstEpisodes() {
    BurstHarness h = new BurstHarness(Duration.ofSeconds(10), Thresholds.defaults());
    String[] keys = new String[1000];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = "client-" + i;
    }
    Random r = new Random(6);
    IntConsumer normal = t -> {
      for (int i = 0; i < 10; i++) {
        h.rec.record(keys[r.nextInt(keys.length)]);
      }
    };
    IntConsumer attack = t -> {
      normal.accept(t);
      for (int i = 0; i < (t < 30 ? 2 : 6); i++) {
        h.rec.record("attacker"); // 20/s, then 60/s
      }
    };
    h.each(12, normal);
    h.each(6, attack);
    h.each(6, normal);
    oneEpisode(h.keyed(), Severity.WARNING, Severity.CRITICAL);
    assertThat(h.keyed()).extracting(Signal::key).containsOnly("attacker");
  }

  // ---- eventLoopLag ------------------------------------------------------------------------

  @Test
  void jvmStallAndExecutorEpisodes() {
    GcMonitor gc = GcMonitor.manual();
    JvmStallSampler jvm = new JvmStallSampler(clock, signals::add, gc, 50 * MS, 10 * MS, 60_000 * MS);
    ExecutorWatchdog dog = new ExecutorWatchdog(clock, signals::add, jvm, 10 * MS, 10 * MS, ExecutorWatchdogTest.INLINE);
    ExecutorWatchdogTest.HandRun ex = new ExecutorWatchdogTest.HandRun();
    dog.watch("loop", ex);
    dog.check(clock.nanoTime());
    ex.runAll();
    Runnable tenMs = () -> {
      long start = clock.nanoTime();
      clock.advanceMillis(10);
      jvm.onWake(start, clock.nanoTime(), clock.nanoTime());
      dog.onWake(start, clock.nanoTime(), clock.nanoTime());
    };
    for (int i = 0; i < 60; i++) {
      tenMs.run(); // the loop runs nothing from the first probe on: stuck for 600 ms
    }
    ex.runAll();
    tenMs.run();
    // a JVM-wide stall of 120 ms, then another 300 ms later: one episode (issue 12 §4)
    for (int n = 0; n < 2; n++) {
      long start = clock.nanoTime();
      clock.advanceMillis(130);
      jvm.onWake(start, start + 10 * MS, clock.nanoTime());
      dog.onWake(start, start + 10 * MS, clock.nanoTime());
      ex.runAll();
      for (int i = 0; i < 30; i++) {
        tenMs.run(); // past the grace: reported with cause unknown
        ex.runAll();
      }
    }
    long lastEnd = clock.nanoTime() - 30 * 10 * MS;
    while (clock.nanoTime() - lastEnd < JvmStallSampler.QUIET_NANOS) {
      tenMs.run(); // calm returns: the episode ends 10 s after its last stall
      ex.runAll();
    }
    List<Signal> loop = signals.stream().filter(s -> "loop".equals(s.key())).toList();
    oneEpisode(loop, Severity.WARNING, Severity.CRITICAL);
    assertThat(loop.get(2).data()).containsEntry(DataKeys.HOW, "ran");
    List<Signal> stalls = signals.stream().filter(s -> "jvm".equals(s.key())).toList();
    assertThat(stalls).hasSize(2);
    oneEpisode(stalls, Severity.WARNING);
    double lag = (Double) stalls.get(0).data().get(DataKeys.LAG_MS);
    assertThat(stalls.get(1).data()).containsEntry(DataKeys.COUNT, 2L)
        .containsEntry(DataKeys.MAX_LAG_MS, lag).containsEntry(DataKeys.LOST_MS, 2 * lag);
    // from the first stall's start to the second's end: 120 (its lag) + 300 + 130 ms
    assertThat(stalls.get(1).data()).containsEntry(DataKeys.DURATION_MS, 550.0);
  }

  @Test
  void idsAreUniqueAcrossDetectors() {
    resourceEpisodes();
    heapEpisodes();
    jvmStallAndExecutorEpisodes();
    Set<String> ids = new HashSet<>();
    for (Signal s : signals) {
      String id = (String) s.data().get(DataKeys.EPISODE);
      assertThat(id).as("every signal carries an episode id: %s", s).matches(s.type() + "-[1-9][0-9]*");
      ids.add(id);
    }
    // two descriptor episodes, one heap, one executor, one of two JVM stalls: five ids
    assertThat(ids).hasSize(5);
  }
}
