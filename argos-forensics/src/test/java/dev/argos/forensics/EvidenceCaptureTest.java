package dev.argos.forensics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import jdk.jfr.FlightRecorder;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real captures: the bundle's files, a recording.jfr that parses back with events from before
 * the capture, the cooldown, the disk budget, the free-space floor, JFR disabled or failing,
 * the busy guard, and close().
 */
class EvidenceCaptureTest {
  @TempDir Path dir;
  final ManualClock clock = Clock.manual(Instant.parse("2026-12-02T05:00:00Z"));
  final List<Signal> errors = new CopyOnWriteArrayList<>();
  final List<EvidenceCapture> captures = new ArrayList<>();

  @AfterEach
  void closeAll() {
    captures.forEach(EvidenceCapture::close);
  }

  EvidenceCapture capture(EvidenceSettings s) {
    EvidenceCapture c = new EvidenceCapture(s, clock, errors::add);
    captures.add(c);
    return c;
  }

  EvidenceSettings settings(boolean jfr, long budget, long floor) {
    return new EvidenceSettings(
        dir, Duration.ofMinutes(5), budget, floor, jfr, Duration.ofMinutes(5), 64L << 20);
  }

  static Map<String, Object> incident(String id, String padding) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "incident");
    m.put("key", id);
    m.put("severity", "CRITICAL");
    m.put("message", "lock owner \"holder\" stalled the loop");
    m.put("data", Map.of("state", "open", "padding", padding));
    return m;
  }

  static List<Signal> signals() {
    List<Signal> out = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      out.add(
          Signal.builder(Signal.TYPE_EVENT_LOOP_LAG)
              .severity(Severity.CRITICAL)
              .source("argos")
              .timestamp(Instant.parse("2026-12-02T04:59:5" + i + "Z"))
              .key("loop-" + i)
              .message("loop late by " + (100 + i) + " ms\u2028next")
              .data("lagMs", 100 + i)
              .build());
    }
    return out;
  }

  /** Captures and waits for the result (delivered on the argos-evidence thread). */
  static EvidenceResult await(
      EvidenceCapture c, String id, Map<String, Object> incident, List<Long> first) throws Exception {
    CompletableFuture<EvidenceResult> f = new CompletableFuture<>();
    c.capture(id, incident, signals(), first, f::complete);
    return f.get(60, TimeUnit.SECONDS);
  }

  @Test
  void writesTheBundleWithARecordingHoldingEventsFromBeforeTheCapture() throws Exception {
    EvidenceCapture c = capture(settings(true, 512L << 20, 0));
    assertThat(c.jfrReady().get(60, TimeUnit.SECONDS)).as("JFR ring started").isTrue();
    System.gc(); // an event the recording must hold: it happened before the capture
    Instant before = Instant.now();

    Object monitor = new Object();
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread holder =
        new Thread(
            () -> {
              synchronized (monitor) {
                held.countDown();
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            },
            "test-lock-holder");
    Thread victim =
        new Thread(
            () -> {
              synchronized (monitor) {
                monitor.hashCode();
              }
            },
            "test-stalled-victim");
    holder.start();
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    victim.start();
    while (victim.getState() != Thread.State.BLOCKED) {
      Thread.onSpinWait(); // until the victim really waits on the monitor (a real JVM state)
    }
    EvidenceResult r;
    AtomicReference<String> threadName = new AtomicReference<>();
    try {
      CompletableFuture<EvidenceResult> f = new CompletableFuture<>();
      c.capture(
          "inc-20261202-050000-abc123",
          incident("inc-20261202-050000-abc123", "x"),
          signals(),
          List.of(victim.getId()),
          res -> {
            threadName.set(Thread.currentThread().getName());
            f.complete(res);
          });
      r = f.get(60, TimeUnit.SECONDS);
    } finally {
      release.countDown();
      holder.join(10_000);
      victim.join(10_000);
    }
    assertThat(r.skipped()).isNull();
    assertThat(threadName.get()).isEqualTo(EvidenceCapture.THREAD_NAME);
    Path b = r.dir();
    assertThat(b).isEqualTo(dir.resolve("inc-20261202-050000-abc123"));
    assertThat(b.resolve("incident.json")).isRegularFile();
    assertThat(b.resolve("threads.txt")).isRegularFile();
    assertThat(b.resolve("signals.jsonl")).isRegularFile();
    assertThat(b.resolve("recording.jfr")).isRegularFile();

    ObjectMapper json = new ObjectMapper();
    @SuppressWarnings("unchecked")
    Map<String, Object> inc = json.readValue(b.resolve("incident.json").toFile(), Map.class);
    assertThat(inc).containsEntry("key", "inc-20261202-050000-abc123").containsEntry("severity", "CRITICAL");
    assertThat(new ArrayList<>(inc.keySet())).containsExactly("type", "key", "severity", "message", "data");

    List<String> lines = Files.readAllLines(b.resolve("signals.jsonl"));
    assertThat(lines).hasSize(3);
    @SuppressWarnings("unchecked")
    Map<String, Object> first = json.readValue(lines.get(0), Map.class);
    assertThat(first)
        .containsEntry("type", "eventLoopLag")
        .containsEntry("key", "loop-0")
        .containsEntry("ts", "2026-12-02T04:59:50Z")
        .containsEntry("message", "loop late by 100 ms\u2028next");
    assertThat(lines.get(0)).contains("\\u2028").doesNotContain("\u2028");

    String threads = Files.readString(b.resolve("threads.txt"));
    // each thread's section starts a line with its quoted name
    int victimAt = threads.indexOf("\n\"test-stalled-victim\" #");
    int holderAt = threads.indexOf("\n\"test-lock-holder\" #");
    int mainAt = threads.indexOf("\n\"main\" #");
    assertThat(victimAt).as("the stalled thread first").isPositive();
    assertThat(holderAt).as("then the owner of its lock").isGreaterThan(victimAt);
    assertThat(mainAt).isGreaterThan(holderAt);
    assertThat(threads.substring(victimAt, holderAt))
        .contains("state=BLOCKED")
        .contains("owned by \"test-lock-holder\" #" + holder.getId())
        .contains("- waiting to lock <0x" + Integer.toHexString(System.identityHashCode(monitor)));
    assertThat(threads.substring(holderAt))
        .contains("- locked <0x" + Integer.toHexString(System.identityHashCode(monitor)));

    List<RecordedEvent> events = RecordingFile.readAllEvents(b.resolve("recording.jfr"));
    assertThat(events).isNotEmpty();
    List<RecordedEvent> gcs =
        events.stream()
            .filter(e -> e.getEventType().getName().equals("jdk.GarbageCollection"))
            .filter(e -> "System.gc()".equals(e.getString("cause")))
            .filter(e -> e.getStartTime().isBefore(before))
            .toList();
    assertThat(gcs).as("the System.gc() done before the capture").isNotEmpty();

    @SuppressWarnings("unchecked")
    Map<String, Object> manifest = json.readValue(b.resolve("bundle.json").toFile(), Map.class);
    assertThat(manifest).containsEntry("incident", "inc-20261202-050000-abc123");
    assertThat(manifest).containsEntry("capturedAt", "2026-12-02T05:00:00Z");
    @SuppressWarnings("unchecked")
    Map<String, Object> files = (Map<String, Object>) manifest.get("files");
    assertThat(files.get("recording.jfr")).isInstanceOf(Number.class);
    assertThat(((Number) files.get("recording.jfr")).longValue()).isEqualTo(Files.size(b.resolve("recording.jfr")));

    // a second capture within the cooldown: skipped at once, on the caller's thread
    clock.advance(Duration.ofMinutes(4));
    AtomicReference<EvidenceResult> second = new AtomicReference<>();
    c.capture("inc-2", incident("inc-2", "x"), signals(), List.of(), second::set);
    assertThat(second.get()).isEqualTo(EvidenceResult.skippedBecause("cooldown"));
    assertThat(dir.resolve("inc-2")).doesNotExist();
    clock.advance(Duration.ofMinutes(1));
    assertThat(await(c, "inc-3", incident("inc-3", "x"), List.of()).dir()).isEqualTo(dir.resolve("inc-3"));
    assertThat(errors).isEmpty();
  }

  @Test
  void aLaterBundleStillHoldsTheMinutesBeforeAnEarlierOne() throws Exception {
    // a JFR recording kept in memory only loses, at each dump, what that dump took: the second
    // bundle would miss the GC below (measured on JDK 17 and 25); the ring runs to disk instead
    EvidenceCapture c = capture(settings(true, 512L << 20, 0));
    assertThat(c.jfrReady().get(60, TimeUnit.SECONDS)).isTrue();
    System.gc();
    Instant before = Instant.now();
    Path first = await(c, "inc-first", incident("inc-first", "x"), List.of()).dir();
    clock.advance(Duration.ofMinutes(5));
    Path second = await(c, "inc-second", incident("inc-second", "x"), List.of()).dir();
    for (Path b : List.of(first, second)) {
      assertThat(
              RecordingFile.readAllEvents(b.resolve("recording.jfr")).stream()
                  .filter(e -> e.getEventType().getName().equals("jdk.GarbageCollection"))
                  .filter(e -> "System.gc()".equals(e.getString("cause")))
                  .anyMatch(e -> e.getStartTime().isBefore(before)))
          .as("the System.gc() before both captures, in %s", b.getFileName())
          .isTrue();
    }
  }

  @Test
  void theDiskBudgetRemovesTheOldestBundlesAndOnlyBundles() throws Exception {
    Path foreign = Files.createDirectories(dir.resolve("not-a-bundle"));
    Files.writeString(foreign.resolve("data.txt"), "x".repeat(600_000));
    EvidenceCapture c = capture(settings(false, 1L << 20, 0)); // 1 MiB: two 400 KB bundles fit
    String pad = "p".repeat(400_000);
    Path first = await(c, "inc-a", incident("inc-a", pad), List.of()).dir();
    clock.advance(Duration.ofMinutes(5));
    Path second = await(c, "inc-b", incident("inc-b", pad), List.of()).dir();
    assertThat(first).exists();
    clock.advance(Duration.ofMinutes(5));
    Path third = await(c, "inc-c", incident("inc-c", pad), List.of()).dir();
    assertThat(first).as("the oldest bundle").doesNotExist();
    assertThat(second).exists();
    assertThat(third).exists();
    assertThat(foreign.resolve("data.txt")).exists();
    assertThat(EvidenceCapture.sizeOf(second) + EvidenceCapture.sizeOf(third)).isLessThanOrEqualTo(1L << 20);
  }

  @Test
  void aBundleLargerThanTheBudgetAloneIsRemovedAndDoesNotStartTheCooldown() throws Exception {
    EvidenceCapture c = capture(settings(false, 1L << 20, 0));
    EvidenceResult r = await(c, "inc-big", incident("inc-big", "p".repeat(1_200_000)), List.of());
    assertThat(r.skipped()).isEqualTo("disk budget");
    assertThat(dir.resolve("inc-big")).doesNotExist();
    assertThat(await(c, "inc-small", incident("inc-small", "x"), List.of()).captured()).isTrue();
  }

  @Test
  void belowTheFreeSpaceFloorNothingIsWritten() throws Exception {
    EvidenceCapture c = capture(settings(false, 512L << 20, Long.MAX_VALUE));
    EvidenceResult r = await(c, "inc-f", incident("inc-f", "x"), List.of());
    assertThat(r.skipped()).isEqualTo("free space");
    assertThat(dir.resolve("inc-f")).doesNotExist();
  }

  @Test
  void withJfrDisabledTheRestOfTheBundleIsWritten() throws Exception {
    EvidenceCapture c = capture(settings(false, 512L << 20, 0));
    assertThat(c.jfrReady().get(10, TimeUnit.SECONDS)).isFalse();
    Path b = await(c, "inc-nojfr", incident("inc-nojfr", "x"), List.of()).dir();
    assertThat(b.resolve("incident.json")).isRegularFile();
    assertThat(b.resolve("threads.txt")).isRegularFile();
    assertThat(b.resolve("signals.jsonl")).isRegularFile();
    assertThat(b.resolve("recording.jfr")).doesNotExist();
    assertThat(Files.readString(b.resolve("bundle.json")))
        .contains("\"recording.jfr\" : \"not written: JFR disabled by configuration\"");
    assertThat(recordingNamed(JfrRing.RECORDING_NAME)).isFalse();
  }

  @Test
  void whenTheRecordingFailsTheRestOfTheBundleIsWritten() throws Exception {
    EvidenceCapture c = capture(settings(true, 512L << 20, 0));
    assertThat(c.jfrReady().get(60, TimeUnit.SECONDS)).isTrue();
    JfrRing ring = c.ring();
    assertThat(ring).isNotNull();
    ring.close(); // the recording is gone behind the capture's back
    Path b = await(c, "inc-jfrfail", incident("inc-jfrfail", "x"), List.of()).dir();
    assertThat(b.resolve("threads.txt")).isRegularFile();
    assertThat(b.resolve("recording.jfr")).doesNotExist();
    assertThat(Files.readString(b.resolve("bundle.json")))
        .contains("\"recording.jfr\" : \"not written: java.io.IOException: the JFR recording is not running");
    assertThat(errors).extracting(s -> s.data().get("kind")).contains("evidencePartFailed");
  }

  @Test
  void oneCaptureWaitsWhileAnotherRunsAndAThirdIsBusy() throws Exception {
    EvidenceCapture c = capture(settings(false, 512L << 20, 0));
    CountDownLatch inCallback = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    BlockingQueue<EvidenceResult> results = new LinkedBlockingQueue<>();
    c.capture("inc-1", incident("inc-1", "x"), signals(), List.of(), r -> {
      results.add(r);
      inCallback.countDown();
      try {
        release.await(); // holds the argos-evidence thread
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertThat(inCallback.await(30, TimeUnit.SECONDS)).isTrue();
    clock.advance(Duration.ofMinutes(5));
    c.capture("inc-2", incident("inc-2", "x"), signals(), List.of(), results::add);
    clock.advance(Duration.ofMinutes(5));
    AtomicReference<EvidenceResult> third = new AtomicReference<>();
    c.capture("inc-3", incident("inc-3", "x"), signals(), List.of(), third::set);
    assertThat(third.get()).isEqualTo(EvidenceResult.skippedBecause("busy"));
    release.countDown();
    assertThat(results.poll(30, TimeUnit.SECONDS).captured()).isTrue();
    assertThat(results.poll(30, TimeUnit.SECONDS).dir()).isEqualTo(dir.resolve("inc-2"));
  }

  @Test
  void withoutADirectoryEverythingIsDisabledAndNoThreadStarts() {
    EvidenceCapture c = new EvidenceCapture(EvidenceSettings.defaults(null), clock, errors::add);
    captures.add(c);
    AtomicReference<EvidenceResult> r = new AtomicReference<>();
    c.capture("inc-x", Map.of(), List.of(), List.of(), r::set);
    assertThat(r.get()).isEqualTo(EvidenceResult.skippedBecause("disabled"));
    assertThat(ActionRunnerTest.threadsNamed(EvidenceCapture.THREAD_NAME)).isEmpty();
  }

  @Test
  void anUnsafeIdIsRefusedAndSameIdsGetASuffix() throws Exception {
    EvidenceCapture c = capture(settings(false, 512L << 20, 0));
    AtomicReference<EvidenceResult> r = new AtomicReference<>();
    c.capture("../escape", Map.of(), List.of(), List.of(), r::set);
    assertThat(r.get().skipped()).startsWith("failed: incident id is not a safe directory name");
    assertThat(dir.getParent().resolve("escape")).doesNotExist();
    assertThat(await(c, "inc-same", incident("inc-same", "x"), List.of()).dir()).isEqualTo(dir.resolve("inc-same"));
    clock.advance(Duration.ofMinutes(5));
    assertThat(await(c, "inc-same", incident("inc-same", "x"), List.of()).dir()).isEqualTo(dir.resolve("inc-same-2"));
  }

  @Test
  void closeStopsTheRecordingAndLeavesNoThread() throws Exception {
    EvidenceCapture c = capture(settings(true, 512L << 20, 0));
    assertThat(c.jfrReady().get(60, TimeUnit.SECONDS)).isTrue();
    assertThat(recordingNamed(JfrRing.RECORDING_NAME)).isTrue();
    assertThat(ActionRunnerTest.threadsNamed(EvidenceCapture.THREAD_NAME)).isNotEmpty();
    long t0 = System.nanoTime();
    c.close();
    c.close();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    assertThat(ActionRunnerTest.threadsNamed(EvidenceCapture.THREAD_NAME)).isEmpty();
    assertThat(recordingNamed(JfrRing.RECORDING_NAME)).isFalse();
    AtomicReference<EvidenceResult> r = new AtomicReference<>();
    c.capture("inc-late", Map.of(), List.of(), List.of(), r::set);
    assertThat(r.get()).isEqualTo(EvidenceResult.skippedBecause("disabled"));
  }

  @Test
  void aThrowingCallbackIsReportedNotThrown() throws Exception {
    EvidenceCapture c = capture(settings(false, 512L << 20, Long.MAX_VALUE));
    CountDownLatch called = new CountDownLatch(1);
    c.capture("inc-cb", Map.of(), List.of(), List.of(), r -> {
      called.countDown();
      throw new IllegalStateException("callback\nfailed");
    });
    assertThat(called.await(30, TimeUnit.SECONDS)).isTrue();
    // the worker survives: the next capture (after the cooldown it did not take) still runs
    assertThat(await(c, "inc-cb2", Map.of(), List.of()).skipped()).isEqualTo("free space");
    assertThat(errors).extracting(s -> s.data().get("kind")).contains("evidenceCallback");
  }

  static boolean recordingNamed(String name) {
    return FlightRecorder.getFlightRecorder().getRecordings().stream()
        .anyMatch(r -> name.equals(r.getName()));
  }
}
