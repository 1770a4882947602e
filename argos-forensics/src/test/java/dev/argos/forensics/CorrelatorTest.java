package dev.argos.forensics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Grouping, scoring and publication of incidents on the manual clock, from fake signal streams. */
class CorrelatorTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final ManualClock clock = Clock.manual();
  private final Signals sig = new Signals(clock);
  private final List<Signal> published = new ArrayList<>();
  private final List<String> captures = new ArrayList<>();
  private final List<List<Long>> captureThreads = new ArrayList<>();
  private @Nullable String nextAnswerPath;
  private String nextAnswerSkip = "disabled";

  private Correlator correlator(Severity captureAt) {
    return new Correlator(
        clock,
        new Correlator.Settings(1500 * MS, 2000 * MS, 500 * MS, captureAt, 16),
        published::add,
        (id, incident, recent, threads, done) -> {
          captures.add(id);
          captureThreads.add(threads);
          done.accept(nextAnswerPath, nextAnswerPath == null ? nextAnswerSkip : null);
        });
  }

  private Correlator correlator() {
    return correlator(Severity.CRITICAL);
  }

  /** Steps the correlator every 50 ms for {@code ms}, feeding nothing. */
  private void run(Correlator c, long ms) {
    for (long t = 0; t < ms; t += 50) {
      c.step();
      clock.advanceMillis(50);
    }
    c.step();
  }

  static Map<Object, @Nullable Object> asMap(@Nullable Object o) {
    Map<Object, @Nullable Object> m = new LinkedHashMap<>();
    ((Map<?, ?>) java.util.Objects.requireNonNull(o)).forEach(m::put);
    return m;
  }

  static List<Object> asList(@Nullable Object o) {
    return new ArrayList<>((List<?>) java.util.Objects.requireNonNull(o));
  }

  static Map<Object, @Nullable Object> origin(Signal incident) {
    return asMap(incident.data().get(DataKeys.ORIGIN));
  }

  static List<Object> chain(Signal incident) {
    return asList(incident.data().get(DataKeys.CHAIN));
  }

  static Map<Object, @Nullable Object> step(Signal incident, int i) {
    return asMap(chain(incident).get(i));
  }

  static List<Object> alternativeNames(Signal incident) {
    List<Object> names = new ArrayList<>();
    for (Object a : asList(incident.data().get(DataKeys.ALTERNATIVES))) {
      names.add(asMap(a).get("name"));
    }
    return names;
  }

  private static Signal last(List<Signal> signals) {
    return signals.get(signals.size() - 1);
  }

  @Test
  void aKeysBurstBeforeAnExecutorsLagMakesTheKeyTheOrigin() {
    Correlator c = correlator();
    c.onSignal(sig.burst("mallory", Severity.WARNING, "burst-1"));
    clock.advanceMillis(300);
    // the executor lagged after the burst began; its own thread burns the CPU running the flood
    c.onSignal(sig.executorLag("orders", "orders-1", Severity.WARNING, "eventLoopLag-2", 120));
    c.onEvidence(Signals.pass(clock.nanoTime(), 500 * MS,
        List.of(Signals.thread(7, "orders-1", 0.97, 0), Signals.thread(8, "flooder", 0.5, 0)), 0,
        List.of(), null));
    run(c, 1500);

    assertThat(published).hasSize(1);
    Signal inc = published.get(0);
    assertThat(inc.type()).isEqualTo(Signal.TYPE_INCIDENT);
    assertThat(inc.key()).matches("inc-\\d{8}-\\d{6}-[0-9a-f]{6}");
    assertThat(inc.data()).containsEntry(DataKeys.STATE, "open");
    assertThat(origin(inc)).containsEntry("kind", "key").containsEntry("name", "mallory")
        .containsEntry("type", "burst");
    assertThat(chain(inc)).hasSize(2);
    assertThat(step(inc, 0)).containsEntry("type", "burst").containsEntry("key", "mallory")
        .containsEntry("episode", "burst-1").containsEntry("role", "origin")
        .containsEntry("severity", "WARNING");
    assertThat(step(inc, 1)).containsEntry("type", "eventLoopLag").containsEntry("key", "orders")
        .containsEntry("episode", "eventLoopLag-2").containsEntry("role", "symptom")
        .containsEntry("thread", "orders-1");
    // burst 1.5 + precedes 2.0 = 3.5; roots: key 3.5, flooder 0.8; + unknown 1.0 -> 3.5 / 5.3
    assertThat((double) inc.data().get(DataKeys.CONFIDENCE)).isEqualTo(0.66);
    assertThat((String) inc.data().get(DataKeys.WHY))
        .contains("key \"mallory\" burst WARNING (1.50)")
        .contains("before executor \"orders\" lagged (2.00)")
        .contains("weight 3.50 of 5.30");
    // the stalled worker is the burst's victim, not an alternative origin
    assertThat(alternativeNames(inc)).containsExactly("unknown", "flooder");
    assertThat(inc.message()).contains("burst \"mallory\" (origin) -> eventLoopLag \"orders\" (symptom)");
  }

  @Test
  void aClientWhoseKeyIsAStarIsNamedAsThatKeyNotAsAllTraffic() {
    // the key is the client's (attacker-controlled): "*" must not pass for a burst of all traffic
    Correlator c = correlator();
    c.onSignal(sig.burst("*", Severity.WARNING, "burst-1"));
    clock.advanceMillis(300);
    c.onSignal(sig.executorLag("orders", "orders-1", Severity.WARNING, "eventLoopLag-2", 120));
    run(c, 1500);
    Signal inc = last(published);
    assertThat(origin(inc)).containsEntry("kind", "key").containsEntry("name", "*");
    assertThat(step(inc, 0)).containsEntry("key", "*").containsEntry("role", "origin");
    assertThat(inc.message()).contains("origin key \"*\"").doesNotContain("all traffic");
    assertThat((String) inc.data().get(DataKeys.WHY)).contains("key \"*\" burst WARNING")
        .doesNotContain("all traffic");
  }

  @Test
  void aBurstOfAllTrafficIsNamedAllTraffic() {
    Correlator c = correlator();
    c.onSignal(sig.burst(null, Severity.WARNING, "burst-1"));
    clock.advanceMillis(300);
    c.onSignal(sig.executorLag("orders", "orders-1", Severity.WARNING, "eventLoopLag-2", 120));
    run(c, 1500);
    Signal inc = last(published);
    assertThat(origin(inc)).containsEntry("kind", "key").containsEntry("name", "*");
    assertThat(step(inc, 0)).containsEntry("key", null).containsEntry("role", "origin");
    assertThat(inc.message()).contains("origin all traffic");
  }

  @Test
  void theLockOwnerIsTheOriginNotTheStalledThread() {
    Correlator c = correlator();
    c.onSignal(sig.executorLag("loop", "loop-1", Severity.WARNING, "eventLoopLag-5", 80));
    assertThat(c.evidenceDue()).isTrue();
    assertThat(c.stalledThreads()).containsExactly("loop-1");
    List<String> ownerStack = List.of("app.Holder.hold(Holder.java:42)", "java.lang.Thread.run(Thread.java:833)");
    c.onEvidence(Signals.pass(clock.nanoTime(), 0, List.of(), 0,
        List.of(new EvidencePass.LockWait("loop-1", "java.lang.Object@1b2c", 42, "holder", ownerStack)),
        null));
    c.passMade();
    // structural evidence: published at half of openWithin (750 ms), not at 1.5 s
    run(c, 700);
    assertThat(published).isEmpty();
    run(c, 100);
    assertThat(published).hasSize(1);
    Signal inc = published.get(0);
    assertThat(origin(inc)).containsEntry("kind", "lock").containsEntry("name", "holder")
        .containsEntry("type", "eventLoopLag");
    assertThat(step(inc, 0)).containsEntry("type", "lock").containsEntry("key", "holder")
        .containsEntry("role", "origin").containsEntry("lock", "java.lang.Object@1b2c")
        .containsEntry("stack", ownerStack);
    assertThat(step(inc, 1)).containsEntry("key", "loop").containsEntry("role", "symptom");
    // lock 3.0 of 3.0 + unknown 1.0; the victim (0.5) is led to by the owner: not a root
    assertThat((double) inc.data().get(DataKeys.CONFIDENCE)).isEqualTo(0.75);
    assertThat((String) inc.data().get(DataKeys.WHY)).contains("holds java.lang.Object@1b2c")
        .contains("\"loop-1\" waits on");
  }

  @Test
  void aCpuHogWithoutStructuralEvidenceIsNamedAfterTheWholeWaitAndCapped() {
    Correlator c = correlator();
    c.onSignal(sig.jvmLag(Severity.WARNING, "eventLoopLag-9", 90, "unknown", null, null));
    c.onEvidence(Signals.pass(clock.nanoTime(), 0, List.of(), 0, List.of(), null));
    c.passMade();
    clock.advanceMillis(500);
    c.onEvidence(Signals.pass(clock.nanoTime(), 500 * MS,
        List.of(Signals.thread(11, "hog-1", 0.95, 0), Signals.thread(12, "hog-2", 0.45, 0)), 0,
        List.of(), null));
    c.passMade();
    run(c, 900);
    assertThat(published).as("behavioural evidence only: waits the whole openWithin").isEmpty();
    run(c, 150);
    assertThat(published).hasSize(1);
    Signal inc = published.get(0);
    assertThat(origin(inc)).containsEntry("kind", "thread").containsEntry("name", "hog-1");
    // 2.0 / (2.0 + 0.8 + 1.0) = 0.53, capped at 0.40
    assertThat((double) inc.data().get(DataKeys.CONFIDENCE)).isEqualTo(0.40);
    assertThat((String) inc.data().get(DataKeys.WHY)).contains("used 0.95 of a core (0% of the process's CPU)")
        .contains("capped at 0.40");
    assertThat(step(inc, 0)).containsEntry("type", "thread").containsEntry("key", "hog-1")
        .containsEntry("role", "origin").containsEntry("stack", List.of("app.hog-1.spin(X.java:1)"));
    assertThat(step(inc, 1)).containsEntry("key", "jvm").containsEntry("role", "symptom");
    assertThat(alternativeNames(inc)).containsExactly("unknown", "hog-2");
  }

  @Test
  void hogsGettingLittleOfASharedCoreButMostOfTheProcessAreStillNamed() {
    Correlator c = correlator();
    c.onSignal(sig.executorLag("ticker", "ticker-1", Severity.WARNING, "eventLoopLag-9", 30));
    c.onEvidence(Signals.pass(clock.nanoTime(), 500 * MS, List.of(
        Signals.thread(11, "hog-0", 0.22, 0.32, 0), Signals.thread(12, "hog-1", 0.21, 0.31, 0),
        Signals.thread(13, "hog-2", 0.2, 0.30, 0),
        // a thread with most of an idle process's CPU but hardly any CPU at all is no hog
        Signals.thread(14, "idle", 0.05, 0.9, 0)), 0, List.of(), null));
    c.passMade();
    run(c, 1600);
    Signal inc = published.get(0);
    assertThat(origin(inc)).containsEntry("kind", "thread").containsEntry("name", "hog-0");
    // each hog 0.8 (weak: 32 % of the process); the stalled ticker thread 0.5 is not ahead
    assertThat(alternativeNames(inc)).containsExactly("unknown", "hog-1");
    assertThat((String) inc.data().get(DataKeys.WHY)).contains("used 0.22 of a core (32% of the process's CPU)");
  }

  @Test
  void manyHogsOfOnePoolCountTogetherForTheirHottest() {
    Correlator c = correlator();
    c.onSignal(sig.jvmLag(Severity.WARNING, "eventLoopLag-9", 30, "unknown", null, null));
    List<EvidencePass.ThreadUse> hogs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      // 8 hogs on 2 cores: a quarter of a core and an eighth of the process each
      hogs.add(Signals.thread(40 + i, "hog-" + i, i == 5 ? 0.26 : 0.24, 0.125, 0));
    }
    hogs.add(Signals.thread(60, "web-1", 0.05, 0.02, 0));
    c.onEvidence(Signals.pass(clock.nanoTime(), 500 * MS, hogs, 0, List.of(), null));
    c.passMade();
    run(c, 1600);
    Signal inc = published.get(0);
    assertThat(origin(inc)).containsEntry("kind", "thread").containsEntry("name", "hog-5");
    assertThat((String) inc.data().get(DataKeys.WHY))
        .contains("used 0.26 of a core (13% of the process's CPU)")
        .contains("with 7 more \"hog-*\" threads, 1.94 cores (100% of the process's CPU) (2.00)");
    assertThat(Scorer.stem("pool-1-thread-12")).isEqualTo("pool-1-thread-");
    assertThat(Scorer.stem("main")).isNull();
    assertThat(Scorer.stem("42")).isNull();
  }

  @Test
  void anAllocationDrivenGcNamesTheThreadThatAllocated() {
    Correlator c = correlator();
    c.onSignal(sig.jvmLag(Severity.WARNING, "eventLoopLag-3", 140, "gc", "G1 Young Generation",
        "G1 Evacuation Pause"));
    c.onEvidence(Signals.pass(clock.nanoTime(), 500 * MS,
        List.of(Signals.thread(21, "churner", 0.9, 900L << 20), Signals.thread(22, "web-1", 0.1, 60L << 20)),
        1000L << 20, List.of(), null));
    c.passMade();
    run(c, 800);
    assertThat(published).hasSize(1);
    Signal inc = published.get(0);
    assertThat(origin(inc)).containsEntry("kind", "allocation").containsEntry("name", "churner")
        .containsEntry("type", "eventLoopLag");
    assertThat(chain(inc)).hasSize(3);
    assertThat(step(inc, 0)).containsEntry("type", "allocation").containsEntry("key", "churner")
        .containsEntry("role", "origin");
    assertThat(step(inc, 1)).containsEntry("type", "gc").containsEntry("key", "G1 Young Generation")
        .containsEntry("episode", "eventLoopLag-3").containsEntry("role", "propagation");
    assertThat(step(inc, 2)).containsEntry("type", "eventLoopLag").containsEntry("key", "jvm")
        .containsEntry("role", "symptom");
    assertThat((String) inc.data().get(DataKeys.WHY)).contains("allocated 90% of the bytes (2000 MB/s in all)")
        .contains("drove the G1 Young Generation collection");
  }

  @Test
  void anExplicitGcWithNoAllocatorNamesTheCollector() {
    Correlator c = correlator();
    c.onSignal(sig.jvmLag(Severity.WARNING, "eventLoopLag-4", 200, "gc", "G1 Full", "System.gc()"));
    c.onEvidence(Signals.pass(clock.nanoTime(), 500 * MS,
        List.of(Signals.thread(21, "churner", 0.1, 900L << 20)), 1000L << 20, List.of(), null));
    c.passMade();
    run(c, 800);
    Signal inc = published.get(0);
    assertThat(origin(inc)).containsEntry("kind", "gc").containsEntry("name", "G1 Full");
    assertThat(step(inc, 0)).containsEntry("type", "gc").containsEntry("role", "origin")
        .containsEntry("episode", "eventLoopLag-4");
  }

  @Test
  void cgroupThrottlingNamesTheHost() {
    Correlator c = correlator();
    c.onSignal(sig.jvmLag(Severity.WARNING, "eventLoopLag-6", 90, "unknown", null, null));
    c.onEvidence(Signals.pass(clock.nanoTime(), 500 * MS,
        List.of(Signals.thread(31, "worker", 0.6, 0)), 0, List.of(),
        new EvidencePass.Throttle(200 * MS, 5)));
    c.passMade();
    run(c, 800);
    Signal inc = published.get(0);
    assertThat(origin(inc)).containsEntry("kind", "host").containsEntry("name", "cgroup");
    assertThat((String) inc.data().get(DataKeys.WHY)).contains("throttled the process 40% of the time");
  }

  @Test
  void overlappingAndCloselyFollowingEpisodesAreOneIncidentResolvedWhenAllEnded() {
    Correlator c = correlator();
    c.onSignal(sig.executorLag("a", "a-1", Severity.WARNING, "eventLoopLag-1", 60));
    run(c, 1600);
    assertThat(published).hasSize(1);
    String id = published.get(0).key();
    c.onSignal(sig.executorLag("b", "b-1", Severity.CRITICAL, "eventLoopLag-2", 600));
    run(c, 1000);
    assertThat(published).hasSize(2);
    assertThat(last(published).key()).isEqualTo(id);
    assertThat(last(published).severity()).isEqualTo(Severity.CRITICAL);
    // the origin (no evidence but the stalled threads: the earliest of them), then both lags
    assertThat(chain(last(published))).hasSize(3);
    assertThat(step(last(published), 0)).containsEntry("type", "thread").containsEntry("key", "a-1");
    c.onSignal(sig.resolved(Signal.TYPE_EVENT_LOOP_LAG, "a", "eventLoopLag-1"));
    c.onSignal(sig.resolved(Signal.TYPE_EVENT_LOOP_LAG, "b", "eventLoopLag-2"));
    run(c, 1000);
    // all ended, but a new episode within joinWithin (2 s) still joins
    c.onSignal(sig.executorLag("c", "c-1", Severity.WARNING, "eventLoopLag-3", 60));
    run(c, 1500);
    assertThat(last(published).key()).isEqualTo(id);
    assertThat(chain(last(published))).hasSize(4);
    assertThat(c.evidenceDue() || c.open()).isTrue();
    c.onSignal(sig.resolved(Signal.TYPE_EVENT_LOOP_LAG, "c", "eventLoopLag-3"));
    run(c, 1900);
    assertThat(last(published).data()).containsEntry(DataKeys.STATE, "open");
    run(c, 200);
    Signal resolved = last(published);
    assertThat(resolved.key()).isEqualTo(id);
    assertThat(resolved.data()).containsEntry(DataKeys.STATE, "resolved");
    assertThat(resolved.severity()).isEqualTo(Severity.CRITICAL);
    assertThat(c.open()).isFalse();
    assertThat(c.step()).isEqualTo(Long.MAX_VALUE);
    // a later episode is a new incident
    c.onSignal(sig.executorLag("a", "a-1", Severity.WARNING, "eventLoopLag-7", 60));
    run(c, 1600);
    assertThat(last(published).key()).isNotEqualTo(id);
    assertThat(c.incidents()).isEqualTo(2);
  }

  @Test
  void updatesComeAtMostOnceASecond() {
    Correlator c = correlator();
    c.onSignal(sig.executorLag("a", "a-1", Severity.WARNING, "eventLoopLag-1", 60));
    List<Long> at = new ArrayList<>();
    int seen = 0;
    for (int i = 0; i < 100; i++) {
      // a new episode joins every 50 ms: each one changes the incident
      c.onSignal(sig.executorLag("x" + i, "x-" + i, Severity.WARNING, "eventLoopLag-" + (100 + i), 60));
      c.step();
      if (published.size() > seen) {
        seen = published.size();
        at.add(clock.nanoTime());
      }
      clock.advanceMillis(50);
    }
    // 64 episodes at most are grouped: they stop changing it after 3.2 s
    assertThat(at).containsExactly(1_500_000_000L, 2_500_000_000L, 3_500_000_000L);
    for (int i = 1; i < at.size(); i++) {
      assertThat(at.get(i) - at.get(i - 1)).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(1));
    }
    assertThat(chain(last(published))).hasSizeLessThanOrEqualTo(Scorer.MAX_CHAIN);
  }

  @Test
  void nothingIsDueWhileNothingFires() {
    Correlator c = correlator();
    assertThat(c.step()).isEqualTo(Long.MAX_VALUE);
    assertThat(c.evidenceDue()).isFalse();
    // an INFO signal, a resolved one of an unknown episode, and a signal with no episode open nothing
    c.onSignal(Signal.builder("custom").severity(Severity.CRITICAL).message("mine").build());
    c.onSignal(sig.resolved(Signal.TYPE_BURST, "k", "burst-9"));
    c.onSignal(Signal.builder(Signal.TYPE_BURST).severity(Severity.INFO).message("info")
        .data(DataKeys.EPISODE, "burst-10").build());
    assertThat(c.open()).isFalse();
    assertThat(c.step()).isEqualTo(Long.MAX_VALUE);
    assertThat(published).isEmpty();
  }

  @Test
  void aCriticalIncidentAsksForEvidenceOnceAndPublishesTheAnswer() {
    nextAnswerPath = "/tmp/evidence/inc-x";
    Correlator c = correlator();
    c.onSignal(sig.executorLag("loop", "loop-1", Severity.CRITICAL, "eventLoopLag-5", 800));
    c.onEvidence(Signals.pass(clock.nanoTime(), 0, List.of(), 0,
        List.of(new EvidencePass.LockWait("loop-1", "lock@1", 42, "holder", List.of("a.B.c(B.java:1)"))),
        null));
    c.passMade();
    run(c, 800);
    assertThat(published).hasSize(1);
    assertThat(captures).containsExactly(published.get(0).key());
    assertThat(captureThreads.get(0)).contains(42L);
    assertThat(published.get(0).data()).doesNotContainKeys(DataKeys.EVIDENCE, DataKeys.EVIDENCE_SKIPPED);
    run(c, 1000);
    assertThat(published).hasSize(2);
    assertThat(last(published).data()).containsEntry(DataKeys.EVIDENCE, "/tmp/evidence/inc-x");
    run(c, 3000);
    assertThat(captures).hasSize(1);
  }

  @Test
  void aSkippedCaptureSaysWhy() {
    nextAnswerSkip = "cooldown";
    Correlator c = correlator(Severity.WARNING);
    c.onSignal(sig.executorLag("loop", "loop-1", Severity.WARNING, "eventLoopLag-5", 80));
    run(c, 2600);
    assertThat(captures).hasSize(1);
    assertThat(last(published).data()).containsEntry(DataKeys.EVIDENCE_SKIPPED, "cooldown")
        .doesNotContainKey(DataKeys.EVIDENCE);
  }

  @Test
  void belowCaptureAtNothingIsCaptured() {
    Correlator c = correlator(Severity.CRITICAL);
    c.onSignal(sig.executorLag("loop", "loop-1", Severity.WARNING, "eventLoopLag-5", 80));
    run(c, 3000);
    assertThat(captures).isEmpty();
    assertThat(last(published).data()).doesNotContainKeys(DataKeys.EVIDENCE, DataKeys.EVIDENCE_SKIPPED);
  }

  @Test
  void noEvidenceMeansAnUnknownOrigin() {
    Correlator c = correlator();
    c.onSignal(sig.jvmLag(Severity.WARNING, "eventLoopLag-1", 70, "unknown", null, null));
    run(c, 1600);
    Signal inc = published.get(0);
    assertThat(origin(inc)).containsEntry("kind", "unknown");
    assertThat(inc.data()).containsEntry(DataKeys.CONFIDENCE, 0.0);
    assertThat(chain(inc)).hasSize(1);
    assertThat(step(inc, 0)).containsEntry("role", "symptom");
    assertThat(alternativeNames(inc)).isEmpty();
  }

  @Test
  void openWithinIsAtMostTwoSeconds() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ForensicsConfig.builder().openWithin(Duration.ofMillis(2001)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("openWithin")
        .hasMessageContaining("PT2.001S");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ForensicsConfig.builder().maxThreadReads(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxThreadReads");
  }
}
