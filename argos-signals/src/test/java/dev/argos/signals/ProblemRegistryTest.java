package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProblemRegistryTest {
  @TempDir Path dir;

  static Signal signal(int seq) {
    return Signal.builder(Signal.TYPE_BURST)
        .severity(Severity.WARNING)
        .source("argos")
        .timestamp(Instant.parse("2026-11-22T10:00:00Z").plusMillis(seq))
        .key("10.0.0." + (seq % 3))
        .message("rate " + (100 + seq) + "/s over baseline 10/s")
        .data("seq", seq)
        .data("rate", 100.5 + seq)
        .build();
  }

  @Test
  void writesOneRecordPerLineAndReadsItBack() throws Exception {
    Path file = dir.resolve("sub/problems.jsonl");
    try (ProblemRegistry reg = ProblemRegistry.builder(file).app("shop").host("h1").open()) {
      for (int i = 0; i < 5; i++) {
        reg.onSignal(signal(i));
      }
      assertThat(reg.linesWritten()).isEqualTo(5);
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(5);
    assertThat(lines.get(0))
        .startsWith("{\"ts\":\"2026-11-22T10:00:00Z\",\"severity\":\"WARNING\",\"type\":\"burst\"")
        .contains(
            "\"key\":\"10.0.0.0\"",
            "\"data\":{\"seq\":0,\"rate\":100.5}",
            "\"actionTaken\":\"none\",\"actionResult\":null",
            "\"host\":\"h1\"",
            "\"pid\":" + ProcessHandle.current().pid(),
            "\"app\":\"shop\"");
    List<ProblemRecord> records = ProblemRegistry.read(file);
    assertThat(records).hasSize(5);
    ProblemRecord r = records.get(3);
    assertThat(r.ts()).isEqualTo(Instant.parse("2026-11-22T10:00:00.003Z"));
    assertThat(r.severity()).isEqualTo(Severity.WARNING);
    assertThat(r.type()).isEqualTo("burst");
    assertThat(r.key()).isEqualTo("10.0.0.0");
    assertThat(r.message()).isEqualTo("rate 103/s over baseline 10/s");
    assertThat(r.data()).containsEntry("seq", 3).containsEntry("rate", 103.5);
    assertThat(r.problemKey())
        .isEqualTo(expectedKey("burst", "10.0.0.0", "rate #/s over baseline #/s"));
    assertThat(r.actionTaken()).isEqualTo("none");
    assertThat(r.actionResult()).isNull();
    assertThat(r.pid()).isEqualTo(ProcessHandle.current().pid());
  }

  static String expectedKey(String type, String key, String messageWithoutNumbers)
      throws Exception {
    byte[] h =
        MessageDigest.getInstance("SHA-256")
            .digest((key + "|" + messageWithoutNumbers).getBytes(StandardCharsets.UTF_8));
    return type + ":" + HexFormat.of().formatHex(h).substring(0, 16);
  }

  @Test
  void problemKeyIgnoresNumbersAndTreatsNullKeyAsEmpty() throws Exception {
    String a = ProblemRegistry.problemKey("eventLoopLag", "loop-1", "late by 120 ms (limit 50 ms)");
    String b = ProblemRegistry.problemKey("eventLoopLag", "loop-1", "late by 7 ms (limit 50 ms)");
    String c = ProblemRegistry.problemKey("eventLoopLag", "loop-2", "late by 7 ms (limit 50 ms)");
    assertThat(a).isEqualTo(b).isNotEqualTo(c).matches("eventLoopLag:[0-9a-f]{16}");
    assertThat(a).isEqualTo(expectedKey("eventLoopLag", "loop-1", "late by # ms (limit # ms)"));
    // the example in docs/registry.md
    assertThat(ProblemRegistry.problemKey("burst", "10.0.0.7", "rate 412/s over baseline 10/s"))
        .isEqualTo("burst:bbae572c02e45d48");
    assertThat(ProblemRegistry.problemKey("burst", null, "rate 1.5"))
        .isEqualTo(ProblemRegistry.problemKey("burst", "", "rate 2.25"))
        .isEqualTo(expectedKey("burst", "", "rate #.#"));
  }

  @Test
  void untrustedTextStaysOnOneLineAndRoundTrips() throws Exception {
    Path file = dir.resolve("p.jsonl");
    String evil = "a\nb\r\u2028c\u2029d\u202ee\u0085f\u001b[31mg\ud800h\u0000";
    try (ProblemRegistry reg = ProblemRegistry.open(file)) {
      reg.onSignal(
          Signal.builder("custom")
              .key(evil)
              .message("m" + evil)
              .data("v", evil)
              .timestamp(Instant.EPOCH)
              .build());
      reg.onSignal(signal(1));
    }
    byte[] raw = Files.readAllBytes(file);
    String text = new String(raw, StandardCharsets.UTF_8);
    assertThat(text.split("\n", -1)).hasSize(3); // two lines and the empty tail
    for (char ch : new char[] {'\r', '\u2028', '\u2029', '\u202e', '\u0085', '\u001b', '\u0000'}) {
      assertThat(text.indexOf(ch)).as("raw char U+%04x", (int) ch).isEqualTo(-1);
    }
    assertThat(text).contains("a\\nb\\r\\u2028c\\u2029d\\u202ee\\u0085f\\u001B[31mg\\ud800h");
    ProblemRegistry.ReadResult rr = ProblemRegistry.readAll(file);
    assertThat(rr.skippedLines()).isZero();
    assertThat(rr.records()).hasSize(2);
    assertThat(rr.records().get(0).key()).isEqualTo(evil);
    assertThat(rr.records().get(0).data()).containsEntry("v", evil);
  }

  @Test
  void tornLastLineIsSkippedCountedAndSealedOnReopen() throws Exception {
    Path file = dir.resolve("p.jsonl");
    try (ProblemRegistry reg = ProblemRegistry.open(file)) {
      for (int i = 0; i < 3; i++) {
        reg.onSignal(signal(i));
      }
    }
    byte[] line = Files.readAllLines(file).get(0).getBytes(StandardCharsets.UTF_8);
    Files.write(file, java.util.Arrays.copyOf(line, line.length / 2), StandardOpenOption.APPEND);

    ProblemRegistry.ReadResult rr = ProblemRegistry.readAll(file);
    assertThat(rr.records()).hasSize(3);
    assertThat(rr.skippedLines()).isEqualTo(1);

    try (ProblemRegistry reg = ProblemRegistry.open(file)) {
      reg.onSignal(signal(3));
    }
    rr = ProblemRegistry.readAll(file);
    assertThat(rr.records()).extracting(r -> r.data().get("seq")).containsExactly(0, 1, 2, 3);
    assertThat(rr.skippedLines()).isEqualTo(1);
  }

  @Test
  void foreignAndBlankLinesAreSkippedNotFatal() throws Exception {
    Path file = dir.resolve("p.jsonl");
    try (ProblemRegistry reg = ProblemRegistry.open(file)) {
      reg.onSignal(signal(0));
    }
    Files.writeString(file, "\nnot json\n[1,2]\n{\"ts\":\"x\"}\n", StandardOpenOption.APPEND);
    try (ProblemRegistry reg = ProblemRegistry.open(file)) {
      reg.onSignal(signal(1));
    }
    ProblemRegistry.ReadResult rr = ProblemRegistry.readAll(file);
    assertThat(rr.records()).hasSize(2);
    assertThat(rr.skippedLines()).isEqualTo(3);
    assertThatThrownBy(() -> ProblemRegistry.read(dir.resolve("missing.jsonl")))
        .isInstanceOf(UncheckedIOException.class);
  }

  @Test
  void oversizeAndBrokenUtf8LinesAreSkippedAcrossReadBuffers() throws Exception {
    Path file = dir.resolve("p.jsonl");
    try (ProblemRegistry reg = ProblemRegistry.open(file)) {
      reg.onSignal(signal(0));
    }
    // a 3 MiB line (over the 1 MiB read cap, across several read buffers), then a record whose
    // key holds non-ASCII text, then a last line torn in the middle of a 3-byte UTF-8 character
    Files.write(
        file,
        ("x".repeat(3 << 20) + "\n").getBytes(StandardCharsets.US_ASCII),
        StandardOpenOption.APPEND);
    try (ProblemRegistry reg = ProblemRegistry.open(file)) {
      reg.onSignal(Signal.builder("custom").key("caf\u00e9-\u20ac").message("m").build());
    }
    byte[] euro = "{\"key\":\"\u20ac".getBytes(StandardCharsets.UTF_8);
    Files.write(file, java.util.Arrays.copyOf(euro, euro.length - 1), StandardOpenOption.APPEND);
    ProblemRegistry.ReadResult rr = ProblemRegistry.readAll(file);
    assertThat(rr.records())
        .extracting(ProblemRecord::key)
        .containsExactly("10.0.0.0", "caf\u00e9-\u20ac");
    assertThat(rr.skippedLines()).isEqualTo(2);
  }

  @Test
  void rotatesAtMaxSizeKeepingThreeBackups() throws Exception {
    Path file = dir.resolve("p.jsonl");
    int n = 200;
    try (ProblemRegistry reg = ProblemRegistry.builder(file).maxFileBytes(2048).open()) {
      for (int i = 0; i < n; i++) {
        reg.onSignal(signal(i));
      }
      assertThat(reg.rotations()).isGreaterThan(3);
      assertThat(reg.linesWritten()).isEqualTo(n);
    }
    Path b1 = dir.resolve("p.jsonl.1");
    Path b2 = dir.resolve("p.jsonl.2");
    Path b3 = dir.resolve("p.jsonl.3");
    assertThat(dir.resolve("p.jsonl.4")).doesNotExist();
    List<Integer> seqs = new ArrayList<>();
    for (Path p : List.of(b3, b2, b1, file)) {
      assertThat(Files.size(p)).isLessThanOrEqualTo(2048).isGreaterThan(0);
      ProblemRegistry.ReadResult rr = ProblemRegistry.readAll(p);
      assertThat(rr.skippedLines()).isZero();
      rr.records().forEach(r -> seqs.add((Integer) r.data().get("seq")));
    }
    // the newest lines survive, contiguous and in order, ending with the last one
    assertThat(seqs.get(seqs.size() - 1)).isEqualTo(n - 1);
    for (int i = 1; i < seqs.size(); i++) {
      assertThat(seqs.get(i)).isEqualTo(seqs.get(i - 1) + 1);
    }
  }

  @Test
  void stopsOnceBelowTheFreeSpaceFloorAndResumes() throws Exception {
    Path file = dir.resolve("p.jsonl");
    ManualClock clock = Clock.manual();
    AtomicLong free = new AtomicLong(500L << 20);
    AtomicInteger probes = new AtomicInteger();
    List<Signal> errors = new CopyOnWriteArrayList<>();
    try (ProblemRegistry reg =
        ProblemRegistry.builder(file)
            .clock(clock)
            .freeSpace(
                p -> {
                  probes.incrementAndGet();
                  return free.get();
                })
            .errorSink(errors::add)
            .open()) {
      reg.onSignal(signal(0));
      assertThat(probes).hasValue(1);
      free.set(50L << 20);
      reg.onSignal(signal(1)); // checked at most once a second: still written
      assertThat(probes).hasValue(1);
      clock.advance(Duration.ofSeconds(1));
      for (int i = 2; i < 10; i++) {
        reg.onSignal(signal(i));
        clock.advance(Duration.ofMillis(300));
      }
      assertThat(reg.isStoppedForLowDisk()).isTrue();
      assertThat(reg.linesWritten()).isEqualTo(2);
      assertThat(reg.linesDropped()).isEqualTo(8);
      assertThat(errors).hasSize(1);
      Signal e = errors.get(0);
      assertThat(e.type()).isEqualTo(Signal.TYPE_ERROR);
      assertThat(e.data())
          .containsEntry("kind", "registryLowDisk")
          .containsEntry("usableBytes", 50L << 20)
          .containsEntry("minFreeBytes", ProblemRegistry.DEFAULT_MIN_FREE_BYTES);
      assertThat(probes.get()).isBetween(3, 4); // about once a second of manual time

      free.set(200L << 20);
      clock.advance(Duration.ofSeconds(1));
      reg.onSignal(signal(10));
      assertThat(reg.isStoppedForLowDisk()).isFalse();
      assertThat(reg.linesWritten()).isEqualTo(3);
      assertThat(errors).hasSize(1);
    }
    assertThat(ProblemRegistry.read(file))
        .extracting(r -> r.data().get("seq"))
        .containsExactly(0, 1, 10);
  }

  @Test
  void realFileStoreFloorStopsWriting() throws Exception {
    Path file = dir.resolve("p.jsonl");
    List<Signal> errors = new CopyOnWriteArrayList<>();
    try (ProblemRegistry reg =
        ProblemRegistry.builder(file).minFreeBytes(Long.MAX_VALUE).errorSink(errors::add).open()) {
      reg.onSignal(signal(0));
      reg.onSignal(signal(1));
      assertThat(reg.linesWritten()).isZero();
      assertThat(reg.linesDropped()).isEqualTo(2);
    }
    assertThat(errors).hasSize(1);
    assertThat((Long) errors.get(0).data().get("usableBytes"))
        .isCloseTo(
            Files.getFileStore(file).getUsableSpace(),
            org.assertj.core.data.Offset.offset(1L << 30));
    assertThat(Files.size(file)).isZero();
  }

  @Test
  void actionFields() throws Exception {
    Path file = dir.resolve("p.jsonl");
    try (ProblemRegistry reg = ProblemRegistry.open(file)) {
      reg.onSignal(
          Signal.builder(Signal.TYPE_QUARANTINE)
              .key("10.0.0.9")
              .message("quarantined")
              .data("action", "quarantined")
              .build());
      reg.onSignal(signal(1));
    }
    try (ProblemRegistry reg =
        ProblemRegistry.builder(file)
            .actionResolver(
                s -> {
                  if (s.key() != null && s.key().endsWith(".1")) {
                    throw new IllegalStateException("boom");
                  }
                  return new ProblemRegistry.Action("shed", "failed");
                })
            .open()) {
      reg.onSignal(signal(1));
      reg.onSignal(signal(2));
    }
    List<ProblemRecord> rs = ProblemRegistry.read(file);
    assertThat(rs)
        .extracting(ProblemRecord::actionTaken, ProblemRecord::actionResult)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("quarantine", "ok"),
            org.assertj.core.groups.Tuple.tuple("none", null),
            org.assertj.core.groups.Tuple.tuple("none", null),
            org.assertj.core.groups.Tuple.tuple("shed", "failed"));
  }

  @Test
  void hugeDataIsCutSoALineStaysBounded() throws Exception {
    Path file = dir.resolve("p.jsonl");
    Signal.Builder b = Signal.builder("custom").message("big");
    for (int i = 0; i < 64; i++) {
      b.data("f" + i, "x".repeat(16_000));
    }
    try (ProblemRegistry reg = ProblemRegistry.open(file)) {
      reg.onSignal(b.build());
    }
    assertThat(Files.size(file)).isLessThanOrEqualTo(ProblemRecordCodec.MAX_LINE_BYTES);
    ProblemRecord r = ProblemRegistry.read(file).get(0);
    assertThat(r.data()).containsEntry("truncated", true);
    assertThat((Integer) r.data().get("originalBytes")).isGreaterThan(1_000_000);
  }

  @Test
  void neverThrowsAndCountsAfterClose() throws Exception {
    Path file = dir.resolve("p.jsonl");
    ProblemRegistry reg = ProblemRegistry.open(file);
    reg.close();
    reg.close();
    reg.onSignal(signal(0));
    assertThat(reg.linesDropped()).isEqualTo(1);
    assertThat(Files.size(file)).isZero();
    assertThatThrownBy(() -> ProblemRegistry.open(dir)).isInstanceOf(UncheckedIOException.class);
  }

  @Test
  void reopensAfterTheFileIsRemovedUnderIt() throws Exception {
    // a directory where the next rotation must move the file: rotation fails, is counted,
    // retried once a second, and writing resumes when the obstacle is gone
    Path file = dir.resolve("p.jsonl");
    ManualClock clock = Clock.manual();
    try (ProblemRegistry reg =
        ProblemRegistry.builder(file).maxFileBytes(1024).backups(1).clock(clock).open()) {
      Path b1 = dir.resolve("p.jsonl.1");
      Files.createDirectories(b1.resolve("blocker"));
      int i = 0;
      while (reg.writeFailures() == 0 && i < 100) {
        reg.onSignal(signal(i++));
      }
      assertThat(reg.writeFailures()).isEqualTo(1);
      long dropped = reg.linesDropped();
      reg.onSignal(signal(i++)); // within the second: dropped without retry
      assertThat(reg.linesDropped()).isEqualTo(dropped + 1);
      Files.delete(b1.resolve("blocker"));
      Files.delete(b1);
      clock.advance(Duration.ofSeconds(1));
      long written = reg.linesWritten();
      reg.onSignal(signal(i++));
      assertThat(reg.linesWritten()).isEqualTo(written + 1);
    }
  }

  @Test
  void concurrentWritersNeverInterleaveLines() throws Exception {
    Path file = dir.resolve("p.jsonl");
    int threads = 4;
    int each = 2_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    try (ProblemRegistry reg = ProblemRegistry.open(file)) {
      for (int t = 0; t < threads; t++) {
        int base = t * each;
        Thread th =
            new Thread(
                () -> {
                  try {
                    start.await();
                  } catch (InterruptedException e) {
                    return;
                  }
                  for (int i = 0; i < each; i++) {
                    reg.onSignal(signal(base + i));
                  }
                });
        th.start();
        ts.add(th);
      }
      start.countDown();
      for (Thread th : ts) {
        th.join(TimeUnit.SECONDS.toMillis(30));
      }
    }
    ProblemRegistry.ReadResult rr = ProblemRegistry.readAll(file);
    assertThat(rr.skippedLines()).isZero();
    assertThat(rr.records()).hasSize(threads * each);
    assertThat(rr.records().stream().map(r -> r.data().get("seq")).distinct().count())
        .isEqualTo(threads * each);
  }
}
