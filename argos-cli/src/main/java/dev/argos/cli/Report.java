package dev.argos.cli;

import dev.argos.signals.ProblemRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The HTML report: one self-contained file (its CSS, script and data inline; no network). The page
 * is drawn by its own small script from one JSON object embedded in a {@code <script
 * type="application/json">} element, in which {@code <}, {@code >}, {@code &} and {@code '} are
 * escaped; the script puts registry text into the page only as text nodes, so no key or message
 * can inject markup. The data are aggregates (bounded whatever the size of the registry): bucket
 * counts per type and severity, the top keys, the recurring problems, at most {@value
 * Incidents#MAX_INCIDENTS} incidents and the pattern findings.
 */
final class Report {
  static final int TOP_KEYS = 20;
  static final int MAX_RECURRING = 50;
  /** Hourly buckets are kept for spans up to this many hours (93 days); daily ones always. */
  static final int MAX_HOURLY_BUCKETS = 24 * 93;

  static final int MAX_DAILY_BUCKETS = 3_660;

  private static final DateTimeFormatter HOUR =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:00XXX", Locale.ROOT);

  private Report() {}

  /** Everything the page shows, as JSON-friendly values. */
  static Map<String, @Nullable Object> model(
      Inputs.Loaded in, ZoneId zone, @Nullable Path base, String title, Instant generated) {
    RegistryStats stats = RegistryStats.of(in, zone);
    RegistryPatterns patterns = RegistryPatterns.of(in, zone);
    List<Incidents.Incident> incidents = Incidents.of(in.records());

    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put("title", title);
    m.put("version", ArgosCommand.Version.version());
    m.put("generated", generated.toString());
    m.put("files", in.fileNames());
    m.put("zone", zone.getId());
    m.put("records", stats.records());
    m.put("resolved", stats.resolved());
    m.put("skippedLines", stats.skippedLines());
    m.put("first", stats.first() == null ? null : String.valueOf(stats.first()));
    m.put("last", stats.last() == null ? null : String.valueOf(stats.last()));
    m.put("byType", stats.byType());
    m.put("bySeverity", stats.bySeverity());
    m.put("byActionTaken", stats.byActionTaken());
    m.put("byActionResult", stats.byActionResult());
    Map<String, @Nullable Object> actions = new LinkedHashMap<>();
    actions.put("taken", stats.actionsTaken());
    actions.put("successRate", stats.actionSuccessRate());
    m.put("actions", actions);
    m.put("timeline", timeline(in.records(), zone));
    m.put("topKeys", topKeys(in.records()));
    m.put("recurring", recurring(in.records(), zone));
    List<Map<String, @Nullable Object>> inc = new ArrayList<>();
    incidents.forEach(i -> inc.add(i.toMap(base)));
    m.put("incidents", inc);
    List<Map<String, Object>> fs = new ArrayList<>();
    for (RegistryPatterns.Finding f : patterns.findings()) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("kind", f.kind());
      o.put("subject", f.subject());
      o.put("summary", f.summary());
      o.put("count", f.count());
      o.put("evidence", f.evidence());
      fs.add(o);
    }
    m.put("patterns", fs);
    return m;
  }

  /**
   * Bucket counts: {@code hour} (when the span is at most {@value #MAX_HOURLY_BUCKETS} hours) and
   * {@code day}, each {@code {labels: [...], series: [{type, severity, counts: [...]}]}} with one
   * count per bucket from the first record's bucket to the last's, empty buckets included.
   */
  static Map<String, @Nullable Object> timeline(List<ProblemRecord> records, ZoneId zone) {
    Map<String, @Nullable Object> t = new LinkedHashMap<>();
    if (records.isEmpty()) {
      t.put("hour", null);
      t.put("day", null);
      return t;
    }
    Instant first = records.get(0).ts();
    Instant last = first;
    for (ProblemRecord r : records) {
      first = r.ts().isBefore(first) ? r.ts() : first;
      last = r.ts().isAfter(last) ? r.ts() : last;
    }
    ZonedDateTime h0 = first.atZone(zone).truncatedTo(ChronoUnit.HOURS);
    long hours = ChronoUnit.HOURS.between(h0, last.atZone(zone)) + 1;
    if (hours <= MAX_HOURLY_BUCKETS) {
      List<String> labels = new ArrayList<>();
      for (int i = 0; i < hours; i++) {
        labels.add(HOUR.format(h0.plusHours(i)));
      }
      t.put(
          "hour",
          buckets(records, labels, r -> ChronoUnit.HOURS.between(h0, r.ts().atZone(zone))));
    } else {
      t.put("hour", null);
    }
    LocalDate d0 = first.atZone(zone).toLocalDate();
    long days = Math.min(ChronoUnit.DAYS.between(d0, last.atZone(zone).toLocalDate()) + 1,
        MAX_DAILY_BUCKETS);
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < days; i++) {
      labels.add(d0.plusDays(i).toString());
    }
    t.put(
        "day",
        buckets(records, labels,
            r -> ChronoUnit.DAYS.between(d0, r.ts().atZone(zone).toLocalDate())));
    return t;
  }

  private static Map<String, Object> buckets(
      List<ProblemRecord> records,
      List<String> labels,
      java.util.function.ToLongFunction<ProblemRecord> index) {
    Map<String, long[]> series = new TreeMap<>();
    int n = labels.size();
    for (ProblemRecord r : records) {
      long i = index.applyAsLong(r);
      if (i < 0 || i >= n) {
        continue;
      }
      series.computeIfAbsent(r.type() + "\u0000" + r.severity().name(), k -> new long[n])[
          (int) i]++;
    }
    List<Map<String, Object>> list = new ArrayList<>();
    series.forEach(
        (k, counts) -> {
          int cut = k.indexOf('\u0000');
          Map<String, Object> s = new LinkedHashMap<>();
          s.put("type", k.substring(0, cut));
          s.put("severity", k.substring(cut + 1));
          s.put("counts", counts);
          list.add(s);
        });
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("labels", labels);
    b.put("series", list);
    return b;
  }

  /** The keys in most records (incidents left out: their key is the incident id). */
  static List<Map<String, Object>> topKeys(List<ProblemRecord> records) {
    final class K {
      long count;
      long critical;
      Instant last = Instant.MIN;
      final Set<String> types = new TreeSet<>();
    }
    Map<String, K> keys = new HashMap<>();
    for (ProblemRecord r : records) {
      String key = r.key();
      if (key == null || dev.argos.core.Signal.TYPE_INCIDENT.equals(r.type())) {
        continue;
      }
      K k = keys.computeIfAbsent(key, x -> new K());
      k.count++;
      if (r.severity() == dev.argos.core.Severity.CRITICAL) {
        k.critical++;
      }
      if (r.ts().isAfter(k.last)) {
        k.last = r.ts();
      }
      if (k.types.size() < 8) {
        k.types.add(r.type());
      }
    }
    List<Map<String, Object>> out = new ArrayList<>();
    keys.entrySet().stream()
        .sorted(
            Comparator.comparingLong((Map.Entry<String, K> e) -> e.getValue().count)
                .reversed()
                .thenComparing(Map.Entry::getKey))
        .limit(TOP_KEYS)
        .forEach(
            e -> {
              Map<String, Object> o = new LinkedHashMap<>();
              o.put("key", e.getKey());
              o.put("count", e.getValue().count);
              o.put("critical", e.getValue().critical);
              o.put("types", List.copyOf(e.getValue().types));
              o.put("last", e.getValue().last.toString());
              out.add(o);
            });
    return out;
  }

  /**
   * The problems ({@code problemKey}) recorded more than once, episode ends and incidents left
   * out; most frequent first.
   */
  static List<Map<String, @Nullable Object>> recurring(List<ProblemRecord> records, ZoneId zone) {
    final class P {
      final ProblemRecord sample;
      long count;
      Instant first;
      Instant last;
      final Set<LocalDate> days = new TreeSet<>();

      P(ProblemRecord r) {
        sample = r;
        first = r.ts();
        last = r.ts();
      }
    }
    Map<String, P> problems = new HashMap<>();
    for (ProblemRecord r : records) {
      if (r.isResolved() || dev.argos.core.Signal.TYPE_INCIDENT.equals(r.type())) {
        continue;
      }
      P p = problems.computeIfAbsent(r.problemKey(), k -> new P(r));
      p.count++;
      p.first = r.ts().isBefore(p.first) ? r.ts() : p.first;
      p.last = r.ts().isAfter(p.last) ? r.ts() : p.last;
      if (p.days.size() < 10_000) {
        p.days.add(r.ts().atZone(zone).toLocalDate());
      }
    }
    List<Map<String, @Nullable Object>> out = new ArrayList<>();
    problems.entrySet().stream()
        .filter(e -> e.getValue().count > 1)
        .sorted(
            Comparator.comparingLong((Map.Entry<String, P> e) -> e.getValue().count)
                .reversed()
                .thenComparing(Map.Entry::getKey))
        .limit(MAX_RECURRING)
        .forEach(
            e -> {
              P p = e.getValue();
              Map<String, @Nullable Object> o = new LinkedHashMap<>();
              o.put("problemKey", e.getKey());
              o.put("type", p.sample.type());
              o.put("key", p.sample.key());
              o.put("message", p.sample.message());
              o.put("severity", p.sample.severity().name());
              o.put("count", p.count);
              o.put("days", p.days.size());
              o.put("first", p.first.toString());
              o.put("last", p.last.toString());
              out.add(o);
            });
    return out;
  }

  /** The page: the template with its CSS, script and the model inlined. */
  static String html(Map<String, @Nullable Object> model) {
    // one pass over the template: a marker inside the data is data, never replaced
    String page = resource("report.html");
    String[] markers = {"/*ARGOS_CSS*/", "/*ARGOS_DATA*/", "/*ARGOS_JS*/"};
    String[] parts = {resource("report.css"), Json.forHtml(model), resource("report.js")};
    StringBuilder b = new StringBuilder(page.length() + parts[1].length() + 32_768);
    int from = 0;
    for (int i = 0; i < markers.length; i++) {
      int at = page.indexOf(markers[i], from);
      if (at < 0) {
        throw new IllegalStateException("report.html lacks " + markers[i]);
      }
      b.append(page, from, at).append(parts[i]);
      from = at + markers[i].length();
    }
    return b.append(page, from, page.length()).toString();
  }

  private static String resource(String name) {
    try (InputStream in = Report.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
