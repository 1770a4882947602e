package dev.argos.cli;

import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.signals.ProblemRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A registry that looks like a service's week: bursts from a few hot clients among many, executor
 * lag, memory pressure rising day by day, a nightly batch at 03:xx, descriptor exhaustion,
 * quarantines and actions, and about one incident in 500 lines (open, then resolved). Same seed,
 * same file.
 */
final class Synthetic {
  static final Instant START = Instant.parse("2026-11-20T00:00:00Z");

  private Synthetic() {}

  /** Writes {@code lines} records spread over {@code days} days; returns the file. */
  static Path write(Path file, int lines, int days, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    long spanMs = Duration.ofDays(days).toMillis();
    int incidents = 0;
    try (ProblemRegistry reg =
        ProblemRegistry.builder(file)
            .app("demo")
            .host("demo-host")
            .maxFileBytes(1L << 32)
            .actionResolver(
                s ->
                    Signal.TYPE_ACTION.equals(s.type())
                        ? new ProblemRegistry.Action(
                            String.valueOf(s.data().get("action")),
                            String.valueOf(s.data().get("result")))
                        : Signal.TYPE_QUARANTINE.equals(s.type())
                            ? new ProblemRegistry.Action("quarantine", "ok")
                            : ProblemRegistry.Action.NONE)
            .open()) {
      for (int i = 0; i < lines; i++) {
        Instant ts = START.plusMillis(spanMs * i / lines + rnd.nextLong(0, 1_000));
        int day = (int) Duration.between(START, ts).toDays();
        int roll = rnd.nextInt(1000);
        Signal s;
        if (roll < 2 && i + 1 < lines) {
          String id = String.format(Locale.ROOT, "inc-%s-%06x",
              java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                  .withZone(java.time.ZoneOffset.UTC).format(ts), rnd.nextInt(1 << 24));
          String client = client(rnd);
          reg.onSignal(incident(id, ts, ts, client, "open", incidents % 3 != 2));
          s = incident(id, ts.plusSeconds(240), ts, client, "resolved", incidents % 3 != 2);
          incidents++;
          i++;
        } else if (roll < 350) {
          String client = client(rnd);
          boolean end = rnd.nextInt(4) == 0;
          int rate = 200 + rnd.nextInt(2_000);
          s = Signal.builder(Signal.TYPE_BURST)
              .severity(end ? Severity.INFO : rate > 1_500 ? Severity.CRITICAL : Severity.WARNING)
              .timestamp(ts).key(client)
              .message(end ? "burst ended" : "rate " + rate + "/s over baseline 20/s")
              .data("rate", rate).data("baselineRate", 20)
              .data(Signal.DATA_STATE, end ? Signal.STATE_RESOLVED : null)
              .build();
        } else if (roll < 650) {
          String loop = rnd.nextInt(10) == 0 ? "jvm" : "netty-loop-" + rnd.nextInt(8);
          boolean end = rnd.nextInt(3) == 0;
          int lag = 50 + rnd.nextInt(450);
          s = Signal.builder(Signal.TYPE_EVENT_LOOP_LAG)
              .severity(end ? Severity.INFO : lag > 300 ? Severity.CRITICAL : Severity.WARNING)
              .timestamp(ts).key(loop)
              .message(end ? "lag episode ended" : "late by " + lag + " ms")
              .data("lagMs", lag).data("thresholdMs", 50)
              .data(Signal.DATA_STATE, end ? Signal.STATE_RESOLVED : null)
              .build();
        } else if (roll < 650 + 20 + 15 * day) {
          s = Signal.builder(Signal.TYPE_MEMORY_PRESSURE).severity(Severity.WARNING)
              .timestamp(ts).key("heap")
              .message("live set grew " + (20 + rnd.nextInt(30)) + " % in 60 s")
              .data("reason", "growth").build();
        } else if (roll < 900) {
          // the nightly batch: 03:xx on every day
          Instant night = ts.truncatedTo(java.time.temporal.ChronoUnit.DAYS)
              .plusSeconds(3 * 3600 + rnd.nextInt(3600));
          s = Signal.builder(Signal.TYPE_BURST).severity(Severity.WARNING).timestamp(night)
              .key("batch-importer").message("rate 900/s over baseline 30/s").build();
        } else if (roll < 950) {
          s = Signal.builder(Signal.TYPE_RESOURCE_EXHAUSTION)
              .severity(rnd.nextBoolean() ? Severity.CRITICAL : Severity.WARNING)
              .timestamp(ts).key(rnd.nextBoolean() ? "fileHandles" : "threads")
              .message("usage " + (90 + rnd.nextInt(10)) + " % of the limit").build();
        } else if (roll < 980) {
          s = Signal.builder(Signal.TYPE_QUARANTINE).severity(Severity.WARNING).timestamp(ts)
              .key(client(rnd)).message("quarantined for 300 s")
              .data("action", "quarantined").build();
        } else {
          int r = rnd.nextInt(10);
          s = Signal.builder(Signal.TYPE_ACTION).severity(Severity.INFO).timestamp(ts)
              .key(client(rnd)).message("shedLoad")
              .data("action", r < 1 ? "captureEvidence" : "shedLoad")
              .data("result", r < 7 ? "success" : r < 8 ? "failure" : r < 9 ? "skipped"
                  : "suppressed")
              .build();
        }
        reg.onSignal(s);
      }
    }
    return file;
  }

  private static String client(SplittableRandom rnd) {
    int hot = rnd.nextInt(10);
    return hot < 5 ? "10.0.0." + (7 + hot) : "10.0." + rnd.nextInt(4) + "." + rnd.nextInt(250);
  }

  private static Signal incident(String id, Instant at, Instant ts, String client,
      String state, boolean captured) {
    Signal.Builder b = Signal.builder(Signal.TYPE_INCIDENT)
        .severity(Severity.CRITICAL).timestamp(at).key(id)
        .message("a burst from " + client + " stalled netty-loop-2, then the heap grew")
        .data("state", state)
        .data("origin", Map.of("kind", "key", "name", client, "type", "burst"))
        .data("confidence", 0.72)
        .data("why", "the burst began 2 s before the first lag and no GC pause explains it")
        .data("chain", List.of(
            Map.of("type", "burst", "key", client, "episode", "burst-1", "severity",
                "CRITICAL", "at", ts.minusSeconds(2).toString(), "role", "origin"),
            Map.of("type", "eventLoopLag", "key", "netty-loop-2", "episode",
                "eventLoopLag-4", "severity", "CRITICAL", "at", ts.toString(),
                "role", "propagation"),
            Map.of("type", "memoryPressure", "key", "heap", "episode", "memoryPressure-2",
                "severity", "WARNING", "at", ts.plusSeconds(30).toString(),
                "role", "symptom")))
        .data("alternatives", List.of(Map.of("kind", "gc", "name", "G1 Young", "confidence",
            0.2)));
    return captured
        ? b.data("evidence", "argos-evidence/" + id).build()
        : b.data("evidenceSkipped", "cooldown").build();
  }
}
