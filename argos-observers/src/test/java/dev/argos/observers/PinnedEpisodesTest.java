package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The pinned-thread episode logic, fed fake JFR pinnings on a manual clock (any JDK). */
class PinnedEpisodesTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final String CARRIER = "ForkJoinPool-1-worker-1";
  private static final List<String> STACK = List.of(
      "java.lang.VirtualThread.parkOnCarrierThread:830",
      "java.util.concurrent.locks.LockSupport.parkNanos:406",
      "com.example.Legacy.<clinit>:12",
      "com.example.Handler.handle:40");

  private final ManualClock clock = Clock.manual();
  private final List<Signal> signals = new ArrayList<>();
  private final PinnedEpisodes episodes =
      new PinnedEpisodes(clock, signals::add, 20 * MS, PinnedEpisodes.QUIET_NANOS);

  /** A pinning of {@code ms} on {@code carrier} that ends now. */
  private PinnedEpisodes.Pinning pin(long ms, String carrier) {
    return new PinnedEpisodes.Pinning(
        ms * MS, clock.nanoTime(), "request-7", carrier, "LockSupport.park",
        "VM call to com.example.Legacy.<clinit> on stack", STACK);
  }

  private void pinAfter(long gapMs, long ms) {
    clock.advanceMillis(gapMs);
    episodes.pinned(pin(ms, CARRIER));
    episodes.calm(clock.nanoTime());
  }

  @Test
  void aPinningOverTheThresholdIsOneWarningWithItsStackAndFigures() {
    clock.advanceMillis(1_000);
    episodes.pinned(pin(35, CARRIER));

    assertThat(signals).hasSize(1);
    Signal s = signals.get(0);
    assertThat(s.type()).isEqualTo(VirtualThreads.TYPE_PINNED).isEqualTo("virtualThreadPinned");
    assertThat(s.key()).isEqualTo(CARRIER);
    assertThat(s.severity()).isEqualTo(Severity.WARNING);
    assertThat(s.source()).isEqualTo(Argos.SOURCE);
    assertThat(s.data())
        .containsEntry(DataKeys.DURATION_MS, 35.0)
        .containsEntry(DataKeys.THRESHOLD_MS, 20.0)
        .containsEntry(DataKeys.THREAD, "request-7")
        .containsEntry(DataKeys.CARRIER, CARRIER)
        .containsEntry(DataKeys.STACK, STACK)
        .containsEntry(DataKeys.BLOCKING_OPERATION, "LockSupport.park")
        .containsEntry(DataKeys.COUNT, 1L)
        .containsEntry(DataKeys.MAX_DURATION_MS, 35.0)
        .containsEntry(DataKeys.PINNED_MS, 35.0)
        .doesNotContainKey(DataKeys.ESCALATION);
    assertThat((String) s.data().get(DataKeys.EPISODE)).startsWith("virtualThreadPinned-");
    // the message names the first frame that is not the JDK's parking machinery
    assertThat(s.message())
        .contains("request-7", CARRIER, "35.0 ms", "threshold 20 ms", "com.example.Legacy.<clinit>:12");
  }

  @Test
  void aPinningUnderTheThresholdIsNotSignalled() {
    episodes.pinned(pin(19, CARRIER));
    assertThat(signals).isEmpty();
    assertThat(episodes.pinnings()).isZero();
  }

  @Test
  void repeatedPinningsAreOneEpisodeSignalledAtFourAndEightThenResolvedAfterTheQuietTime() {
    for (int i = 0; i < 10; i++) {
      pinAfter(1_000, 30);
    }
    List<Signal> firing = signals.stream().filter(s -> !s.isResolved()).toList();
    assertThat(firing).extracting(s -> s.data().get(DataKeys.COUNT)).containsExactly(1L, 4L, 8L);
    assertThat(firing.subList(1, 3))
        .allSatisfy(s -> assertThat(s.data()).containsEntry(DataKeys.ESCALATION, "count"));
    assertThat(firing).extracting(s -> s.data().get(DataKeys.EPISODE)).containsOnly(
        firing.get(0).data().get(DataKeys.EPISODE));
    assertThat(episodes.running()).isEqualTo(1);

    // 9.9 s after the last one: still the same episode
    clock.advanceMillis(9_900);
    episodes.calm(clock.nanoTime());
    assertThat(signals.stream().filter(Signal::isResolved)).isEmpty();

    clock.advanceMillis(100);
    episodes.calm(clock.nanoTime());
    List<Signal> resolved = signals.stream().filter(Signal::isResolved).toList();
    assertThat(resolved).hasSize(1);
    Signal r = resolved.get(0);
    assertThat(r.severity()).isEqualTo(Severity.INFO);
    assertThat(r.key()).isEqualTo(CARRIER);
    assertThat(r.data())
        .containsEntry(DataKeys.STATE, DataKeys.STATE_RESOLVED)
        .containsEntry(DataKeys.EPISODE, firing.get(0).data().get(DataKeys.EPISODE))
        .containsEntry(DataKeys.COUNT, 10L)
        .containsEntry(DataKeys.PINNED_MS, 300.0)
        .containsEntry(DataKeys.MAX_DURATION_MS, 30.0)
        .containsEntry(DataKeys.MAX_SEVERITY, "WARNING")
        // from the first pinning's start to the last one's end: 9 s + 30 ms
        .containsEntry(DataKeys.DURATION_MS, 9_030.0);
    assertThat(episodes.running()).isZero();

    // the next pinning opens a new episode
    pinAfter(1_000, 25);
    Signal next = signals.get(signals.size() - 1);
    assertThat(next.isResolved()).isFalse();
    assertThat(next.data().get(DataKeys.EPISODE)).isNotEqualTo(r.data().get(DataKeys.EPISODE));
    assertThat(next.data()).containsEntry(DataKeys.COUNT, 1L);
  }

  @Test
  void aMuchLongerPinningOrOneAtTenTimesTheThresholdEscalates() {
    pinAfter(100, 30);
    pinAfter(100, 40); // under twice 30: counted only
    assertThat(signals).hasSize(1);
    pinAfter(100, 61); // twice the longest signalled: size
    assertThat(signals).hasSize(2);
    assertThat(signals.get(1).data()).containsEntry(DataKeys.ESCALATION, "size")
        .containsEntry(DataKeys.COUNT, 3L);
    assertThat(signals.get(1).severity()).isEqualTo(Severity.WARNING);

    pinAfter(100, 200); // 10 x the threshold: CRITICAL
    assertThat(signals).hasSize(3);
    assertThat(signals.get(2).severity()).isEqualTo(Severity.CRITICAL);
    assertThat(signals.get(2).data()).containsEntry(DataKeys.ESCALATION, "severity")
        .containsEntry(DataKeys.MAX_DURATION_MS, 200.0);

    pinAfter(100, 21); // an update never steps down, and a short one is only counted
    assertThat(signals).hasSize(3);
    clock.advanceMillis(10_000);
    episodes.calm(clock.nanoTime());
    assertThat(signals.get(3).data()).containsEntry(DataKeys.MAX_SEVERITY, "CRITICAL")
        .containsEntry(DataKeys.COUNT, 5L);
  }

  @Test
  void eachCarrierHasItsOwnEpisodeAndAnUnnamedCarrierIsTheScheduler() {
    episodes.pinned(pin(30, "ForkJoinPool-1-worker-1"));
    episodes.pinned(pin(30, "ForkJoinPool-1-worker-2"));
    episodes.pinned(pin(30, null)); // JDK 21 to 23: the event does not name its carrier
    assertThat(signals).extracting(Signal::key).containsExactly(
        "ForkJoinPool-1-worker-1", "ForkJoinPool-1-worker-2", VirtualThreads.KEY);
    assertThat(signals).extracting(s -> s.data().get(DataKeys.EPISODE)).doesNotHaveDuplicates();
    assertThat(episodes.running()).isEqualTo(3);
  }

  @Test
  void runningEpisodesAreBounded() {
    for (int i = 0; i < PinnedEpisodes.MAX_KEYS + 50; i++) {
      episodes.pinned(pin(30, "carrier-" + i));
    }
    assertThat(episodes.running()).isEqualTo(PinnedEpisodes.MAX_KEYS + 1);
    // the 50 past the bound went to the scheduler's episode: one signal, then counted
    List<Signal> overflow =
        signals.stream().filter(s -> VirtualThreads.KEY.equals(s.key())).toList();
    assertThat(overflow).extracting(s -> s.data().get(DataKeys.COUNT))
        .containsExactly(1L, 4L, 8L, 16L, 32L);
  }

  @Test
  void aPinningThatArrivesAfterTheQuietTimeOpensANewEpisode() {
    episodes.pinned(pin(30, CARRIER));
    // no flush ran for 12 s (the stream was busy): the next pinning began 12 s after the last
    clock.advanceMillis(12_000);
    episodes.pinned(pin(30, CARRIER));
    assertThat(signals).hasSize(3);
    assertThat(signals.get(1).isResolved()).isTrue();
    assertThat(signals.get(1).data()).containsEntry(DataKeys.COUNT, 1L);
    assertThat(signals.get(2).data()).containsEntry(DataKeys.COUNT, 1L);
    assertThat(signals.get(2).data().get(DataKeys.EPISODE))
        .isNotEqualTo(signals.get(0).data().get(DataKeys.EPISODE));
  }

  @Test
  void closingResolvesEveryRunningEpisode() {
    episodes.pinned(pin(30, "a"));
    episodes.pinned(pin(30, "b"));
    episodes.closeAll();
    assertThat(signals.stream().filter(Signal::isResolved).map(Signal::key)
        .collect(Collectors.toList())).containsExactlyInAnyOrder("a", "b");
    assertThat(episodes.running()).isZero();
    episodes.closeAll();
    assertThat(signals).hasSize(4);
  }

  @Test
  void untrustedNamesAreNeutralisedInTheMessageAndKeysCapped() {
    String evil = "evil\nthread\u001b[31m";
    episodes.pinned(new PinnedEpisodes.Pinning(
        30 * MS, clock.nanoTime(), evil, "c".repeat(500), null, null, List.of()));
    Signal s = signals.get(0);
    assertThat(s.message()).doesNotContain("\n").doesNotContain("\u001b").contains("at unknown");
    assertThat(s.key()).hasSize(PinnedEpisodes.MAX_NAME);
    assertThat(s.data()).containsEntry(DataKeys.THREAD, evil); // data is data: escaped by sinks
  }

  @Test
  void whereSkipsTheJdksParkingFrames() {
    assertThat(PinnedEpisodes.where(STACK)).isEqualTo("com.example.Legacy.<clinit>:12");
    assertThat(PinnedEpisodes.where(List.of())).isEqualTo("unknown");
    assertThat(PinnedEpisodes.where(List.of("jdk.internal.vm.Continuation.enter:316")))
        .isEqualTo("jdk.internal.vm.Continuation.enter:316");
  }

  @Test
  void settingsAreChecked() {
    assertThatThrownBy(() -> new PinnedEpisodes(clock, signals::add, 0, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threshold");
  }
}
