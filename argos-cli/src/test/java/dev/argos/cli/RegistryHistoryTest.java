package dev.argos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.signals.ProblemRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RegistryStats, RegistryPatterns and the stats and patterns commands over a registry with known content. */
class RegistryHistoryTest {
  @TempDir Path dir;
  Path file;

  static Instant at(int day, int hour, int minute) {
    return Instant.parse(String.format("2026-11-%02dT%02d:%02d:00Z", day, hour, minute));
  }

  static Signal burst(Instant ts, int rate) {
    return Signal.builder(Signal.TYPE_BURST)
        .severity(Severity.WARNING)
        .timestamp(ts)
        .key("10.0.0.7")
        .message("rate " + rate + "/s over baseline 10/s")
        .data("rate", rate)
        .build();
  }

  static Signal lag(Instant ts, String key) {
    return Signal.builder(Signal.TYPE_EVENT_LOOP_LAG)
        .severity(Severity.CRITICAL)
        .timestamp(ts)
        .key(key)
        .message("late by 120 ms")
        .build();
  }

  @BeforeEach
  void write() {
    file = dir.resolve("problems.jsonl");
    try (ProblemRegistry reg =
        ProblemRegistry.builder(file)
            .actionResolver(
                s -> {
                  if (Signal.TYPE_QUARANTINE.equals(s.type())) {
                    return new ProblemRegistry.Action(
                        "quarantine", "10.0.0.9".equals(s.key()) ? "failed" : "ok");
                  }
                  return ProblemRegistry.Action.NONE;
                })
            .open()) {
      // A: a burst from 10.0.0.7 at 03:xx on five days (nightly), plus 4 more on day 2 at 14:xx
      for (int d = 1; d <= 5; d++) {
        reg.onSignal(burst(at(d, 3, 10 + d), 100 + d));
      }
      for (int i = 0; i < 4; i++) {
        reg.onSignal(burst(at(2, 14, i * 5), 300 + i));
      }
      // its resolutions: ignored by the pattern analysis, counted by stats
      for (int d = 1; d <= 5; d++) {
        reg.onSignal(
            Signal.builder(Signal.TYPE_BURST)
                .severity(Severity.INFO)
                .timestamp(at(d, 3, 40))
                .key("10.0.0.7")
                .message("burst ended")
                .data(Signal.DATA_STATE, Signal.STATE_RESOLVED)
                .build());
      }
      // eventLoopLag rising: 1, 2, 4, 8 a day on days 1-4, spread over hours
      int n = 0;
      for (int d = 1; d <= 4; d++) {
        for (int i = 0; i < (1 << (d - 1)); i++) {
          reg.onSignal(lag(at(d, (5 + 2 * i) % 24, 0), "loop-" + (n++ % 2)));
        }
      }
      // quarantines: two ok, one failed
      for (String k : List.of("10.0.0.7", "10.0.0.8", "10.0.0.9")) {
        reg.onSignal(
            Signal.builder(Signal.TYPE_QUARANTINE)
                .severity(Severity.WARNING)
                .timestamp(at(6, 9, 0))
                .key(k)
                .message("quarantined")
                .data("action", "quarantined")
                .build());
      }
      // noise that must not be a finding: a problem twice in one day, a one-day key
      reg.onSignal(lag(at(6, 10, 0), "worker-x"));
      reg.onSignal(lag(at(6, 11, 0), "worker-x"));
    }
  }

  @Test
  void statsCountEverything() throws Exception {
    RegistryStats s = RegistryStats.of(file);
    // 5 + 4 + 5 bursts, 15 lags, 3 quarantines, 2 noise lags
    assertThat(s.records()).isEqualTo(34);
    assertThat(s.skippedLines()).isZero();
    assertThat(s.resolved()).isEqualTo(5);
    assertThat(s.byType())
        .containsExactly(
            Map.entry("burst", 14L), Map.entry("eventLoopLag", 17L), Map.entry("quarantine", 3L));
    assertThat(s.bySeverity())
        .containsEntry("INFO", 5L)
        .containsEntry("WARNING", 12L)
        .containsEntry("CRITICAL", 17L);
    assertThat(s.byActionTaken()).containsEntry("none", 31L).containsEntry("quarantine", 3L);
    assertThat(s.byActionResult())
        .containsEntry("null", 31L)
        .containsEntry("ok", 2L)
        .containsEntry("failed", 1L);
    assertThat(s.actionSuccessRate()).isCloseTo(2.0 / 3, within(1e-9));
    assertThat(s.daily())
        .containsExactly(
            Map.entry("2026-11-01", 3L),
            Map.entry("2026-11-02", 8L),
            Map.entry("2026-11-03", 6L),
            Map.entry("2026-11-04", 10L),
            Map.entry("2026-11-05", 2L),
            Map.entry("2026-11-06", 5L));
    assertThat(s.hourly())
        .containsEntry("2026-11-02T14:00Z", 4L)
        .containsEntry("2026-11-06T09:00Z", 3L);
    assertThat(s.hourly().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(34);
    assertThat(s.first()).isEqualTo(at(1, 3, 11));
    assertThat(s.last()).isEqualTo(at(6, 11, 0));

    JsonNode json = new ObjectMapper().readTree(s.toJson());
    assertThat(json.get("records").asLong()).isEqualTo(34);
    assertThat(json.get("byType").get("burst").asLong()).isEqualTo(14);
    assertThat(json.get("actions").get("successRate").asDouble()).isCloseTo(0.6667, within(1e-3));
    assertThat(json.get("daily").get("2026-11-04").asLong()).isEqualTo(10);

    // another zone moves the buckets: 03:xx UTC is 22:xx the day before in New York
    RegistryStats ny = RegistryStats.of(List.of(file), ZoneId.of("America/New_York"));
    assertThat(ny.daily()).containsKey("2026-10-31");
  }

  @Test
  void patternsFindTheFourKindsWithEvidence() {
    RegistryPatterns p = RegistryPatterns.of(file);
    String burstKey = ProblemRegistry.problemKey("burst", "10.0.0.7", "rate 1/s over baseline 1/s");

    List<RegistryPatterns.Finding> rec = p.findings(RegistryPatterns.RECURRING_PROBLEM);
    assertThat(rec).extracting(RegistryPatterns.Finding::subject).contains(burstKey);
    RegistryPatterns.Finding burst =
        rec.stream().filter(f -> f.subject().equals(burstKey)).findFirst().orElseThrow();
    assertThat(burst.count()).isEqualTo(5); // day 2: 03:12 and four at 14:xx
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> days = (List<Map<String, Object>>) burst.evidence().get("days");
    assertThat(days).hasSize(1);
    assertThat(days.get(0)).containsEntry("day", "2026-11-02").containsEntry("count", 5L);
    assertThat((List<?>) days.get(0).get("timestamps")).hasSize(5);
    // the lag problem on loop-1 on day 4 (4 times) recurs too; worker-x twice does not
    assertThat(rec)
        .extracting(RegistryPatterns.Finding::subject)
        .doesNotContain(ProblemRegistry.problemKey("eventLoopLag", "worker-x", "late by 1 ms"));

    List<RegistryPatterns.Finding> hour = p.findings(RegistryPatterns.SAME_HOUR);
    assertThat(hour).hasSize(1);
    assertThat(hour.get(0).subject()).isEqualTo(burstKey);
    assertThat(hour.get(0).evidence())
        .containsEntry("hour", 3)
        .containsEntry("dayCount", 5)
        .containsEntry("countInHour", 5L)
        .containsEntry("countTotal", 9L);

    List<RegistryPatterns.Finding> trend = p.findings(RegistryPatterns.RISING_TREND);
    assertThat(trend).hasSize(1);
    assertThat(trend.get(0).subject()).isEqualTo("eventLoopLag");
    assertThat(trend.get(0).evidence())
        .containsEntry("days", 4)
        .containsEntry("from", "2026-11-01")
        .containsEntry("to", "2026-11-04")
        .containsEntry("firstCount", 1L)
        .containsEntry("lastCount", 8L);

    List<RegistryPatterns.Finding> keys = p.findings(RegistryPatterns.RECURRING_KEY);
    assertThat(keys)
        .extracting(RegistryPatterns.Finding::subject)
        .containsExactlyInAnyOrder("10.0.0.7", "loop-0", "loop-1");
    RegistryPatterns.Finding ip =
        keys.stream().filter(f -> f.subject().equals("10.0.0.7")).findFirst().orElseThrow();
    assertThat(ip.count()).isEqualTo(10); // 9 bursts + 1 quarantine, resolutions excluded
    assertThat(ip.evidence()).containsEntry("dayCount", 6);
    assertThat(ip.evidence().get("types")).isEqualTo(List.of("burst", "quarantine"));
  }

  @Test
  void theSameHourSentenceUsesAsciiDigitsWhateverTheDefaultLocale() {
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.forLanguageTag("th-TH-u-nu-thai")); // Thai digits by default
    try {
      List<RegistryPatterns.Finding> hour =
          RegistryPatterns.of(file).findings(RegistryPatterns.SAME_HOUR);
      assertThat(hour)
          .singleElement()
          .extracting(RegistryPatterns.Finding::summary)
          .asString()
          .contains("between 03:00 and 04:00 on 5 different days");
    } finally {
      Locale.setDefault(before);
    }
  }

  @Test
  void noFindingsInQuietHistory() throws Exception {
    Path quiet = dir.resolve("quiet.jsonl");
    try (ProblemRegistry reg = ProblemRegistry.open(quiet)) {
      for (int d = 1; d <= 5; d++) {
        reg.onSignal(lag(at(d, d * 3, 0), "loop-" + d)); // flat, different keys and hours
      }
    }
    assertThat(RegistryPatterns.of(quiet).findings()).isEmpty();
  }

  @Test
  void commandLinePrintsJson() throws Exception {
    Files.writeString(file, "{\"torn", java.nio.file.StandardOpenOption.APPEND);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc =
        ArgosCommand.execute(
            new PrintWriter(out), new PrintWriter(err), "stats", "--format", "json",
            file.toString());
    assertThat(rc).isZero();
    JsonNode stats = new ObjectMapper().readTree(out.toString());
    assertThat(stats.get("records").asLong()).isEqualTo(34);
    assertThat(stats.get("skippedLines").asLong()).isEqualTo(1);

    out.getBuffer().setLength(0);
    rc =
        ArgosCommand.execute(
            new PrintWriter(out), new PrintWriter(err), "patterns", "--format=json", "--zone",
            "UTC", file.toString());
    assertThat(rc).isZero();
    JsonNode patterns = new ObjectMapper().readTree(out.toString());
    assertThat(patterns.get("findings").size()).isGreaterThanOrEqualTo(4);
    assertThat(patterns.get("findings").get(0).get("kind").asText()).isEqualTo("recurringProblem");
    assertThat(err.toString()).isEmpty();

    assertThat(ArgosCommand.execute(new PrintWriter(out), new PrintWriter(err), "bogus"))
        .isEqualTo(2);
    assertThat(
            ArgosCommand.execute(
                new PrintWriter(out), new PrintWriter(err), "stats",
                dir.resolve("nope.jsonl").toString()))
        .isEqualTo(1);
  }
}
