package dev.argos.cli;

import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.signals.ProblemRegistry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Registries with known content, written by the real {@link ProblemRegistry}. */
final class Registries {
  static final String SCRIPT_KEY = "<script>alert(1)</script>";
  static final String IMG_KEY = "\"><img src=x onerror=\"window.__pwned=1\">";
  static final String INCIDENT_ID = "inc-20261101-130100-abc123";
  static final String EVIDENCE = "evidence/" + INCIDENT_ID;

  private Registries() {}

  static Instant at(String hhmm) {
    return Instant.parse("2026-11-01T" + hhmm + ":00Z");
  }

  static Signal signal(String type, Severity sev, String ts, String key, String message) {
    return Signal.builder(type).severity(sev).timestamp(at(ts)).key(key).message(message).build();
  }

  /**
   * Ten records over four hours of 2026-11-01 (10:00 to 13:59 UTC; nothing at 12:xx): per hour and
   * severity 10h WARNING 1 + CRITICAL 1, 11h WARNING 3, 13h CRITICAL 3 (fileHandles and the
   * incident twice) + INFO 2 (a lag episode ends, an action ran). Two keys carry markup; one
   * incident is recorded open then resolved.
   */
  static void known(Path file) {
    write(
        file,
        List.of(
            signal(Signal.TYPE_BURST, Severity.WARNING, "10:05", SCRIPT_KEY, "rate 500/s"),
            signal(Signal.TYPE_BURST, Severity.CRITICAL, "10:20", IMG_KEY, "rate 900/s <b>bold</b>"),
            signal(Signal.TYPE_EVENT_LOOP_LAG, Severity.WARNING, "11:00", "loop-0", "late by 80 ms"),
            signal(Signal.TYPE_EVENT_LOOP_LAG, Severity.WARNING, "11:10", "loop-0", "late by 90 ms"),
            signal(Signal.TYPE_EVENT_LOOP_LAG, Severity.WARNING, "11:20", "loop-0", "late by 95 ms"),
            signal(Signal.TYPE_RESOURCE_EXHAUSTION, Severity.CRITICAL, "13:00", "fileHandles",
                "descriptors at 95 %"),
            incident("13:01", "open"),
            signal(Signal.TYPE_EVENT_LOOP_LAG, Severity.INFO, "13:30", "loop-0", "lag ended")
                .toBuilder()
                .data(Signal.DATA_STATE, Signal.STATE_RESOLVED)
                .build(),
            Signal.builder(Signal.TYPE_ACTION)
                .severity(Severity.INFO)
                .timestamp(at("13:35"))
                .key(IMG_KEY)
                .message("quarantineKey on the burst: success")
                .data("action", "quarantineKey")
                .data("result", "success")
                .build(),
            incident("13:40", "resolved")));
  }

  static Signal incident(String ts, String state) {
    return Signal.builder(Signal.TYPE_INCIDENT)
        .severity(Severity.CRITICAL)
        .timestamp(at(ts))
        .key(INCIDENT_ID)
        .message("burst from " + IMG_KEY + " exhausted file handles")
        .data("state", state)
        .data("origin", Map.of("kind", "key", "name", IMG_KEY, "type", "burst"))
        .data("confidence", 0.8)
        .data("why", "the burst started 40 min before the descriptors ran out")
        .data(
            "chain",
            List.of(
                Map.of("type", "burst", "key", IMG_KEY, "episode", "burst-1",
                    "severity", "CRITICAL", "at", "2026-11-01T10:20:00Z", "role", "origin"),
                Map.of("type", "resourceExhaustion", "key", "fileHandles",
                    "episode", "resourceExhaustion-1", "severity", "CRITICAL",
                    "at", "2026-11-01T13:00:00Z", "role", "symptom")))
        .data("alternatives", List.of(Map.of("kind", "host", "name", "host", "confidence", 0.1)))
        .data("evidence", EVIDENCE)
        .build();
  }

  static void write(Path file, List<Signal> signals) {
    try (ProblemRegistry reg =
        ProblemRegistry.builder(file)
            .app("test")
            .host("h")
            .maxFileBytes(1L << 30)
            .actionResolver(
                s ->
                    Signal.TYPE_ACTION.equals(s.type())
                        ? new ProblemRegistry.Action(
                            String.valueOf(s.data().get("action")),
                            String.valueOf(s.data().get("result")))
                        : ProblemRegistry.Action.NONE)
            .open()) {
      signals.forEach(reg::onSignal);
    }
  }
}
