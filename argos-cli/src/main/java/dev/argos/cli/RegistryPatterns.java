package dev.argos.cli;

import dev.argos.signals.ProblemRecord;
import dev.argos.signals.ProblemRegistry;

import dev.argos.core.internal.SafeText;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Pattern analysis over a problem registry: what keeps coming back. Four kinds of {@link Finding},
 * each with its evidence (counts, days, timestamps):
 *
 * <ul>
 *   <li>{@value #RECURRING_PROBLEM}: the same problem ({@code problemKey}) {@value #MIN_PER_DAY} or
 *       more times within one day;
 *   <li>{@value #SAME_HOUR}: the same problem in the same hour of the day on {@value #MIN_DAYS} or
 *       more different days, that hour holding at least half of its occurrences (a daily job, a
 *       nightly batch);
 *   <li>{@value #RISING_TREND}: a type whose daily count rose strictly on {@value #MIN_DAYS} or
 *       more consecutive days (days without a record count as 0) and at least doubled over the run;
 *       the longest such run is reported;
 *   <li>{@value #RECURRING_KEY}: the same key (client, executor, resource) in {@value #MIN_PER_DAY}
 *       or more records on at least 2 different days, whatever the type or message.
 * </ul>
 *
 * <p>Only records that start or escalate an episode count: the INFO records that end one ({@code
 * data.state = "resolved"}) are ignored. Days and hours are in UTC unless a zone is given. At most
 * {@value #MAX_FINDINGS_PER_KIND} findings of each kind are kept (the largest), and at most {@value
 * #MAX_TIMESTAMPS} timestamps in any evidence list. Cost: one pass over the records, memory
 * proportional to distinct problems × days.
 */
final class RegistryPatterns {
  /** Kind: the same problem 3+ times in a day. */
  static final String RECURRING_PROBLEM = "recurringProblem";

  /** Kind: the same problem at the same hour on 3+ days. */
  static final String SAME_HOUR = "sameHour";

  /** Kind: a type rising day after day. */
  static final String RISING_TREND = "risingTrend";

  /** Kind: the same key on several days. */
  static final String RECURRING_KEY = "recurringKey";

  static final int MIN_PER_DAY = 3;
  static final int MIN_DAYS = 3;
  static final int MAX_FINDINGS_PER_KIND = 100;
  static final int MAX_TIMESTAMPS = 20;

  /**
   * One pattern found.
   *
   * @param kind {@link #RECURRING_PROBLEM}, {@link #SAME_HOUR}, {@link #RISING_TREND} or {@link
   *     #RECURRING_KEY}
   * @param subject the problem key, type or key the finding is about
   * @param summary one sentence for a person (untrusted text from keys is in it: log the finding
   *     itself, whose {@link #toString()} is safe, rather than this text alone)
   * @param count how many records the finding rests on (its sort key)
   * @param evidence JSON-friendly details: counts, days, timestamps
   */
  record Finding(
      String kind, String subject, String summary, long count, Map<String, Object> evidence) {
    /** Freezes the evidence. */
    public Finding {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(subject, "subject");
      Objects.requireNonNull(summary, "summary");
      evidence = Collections.unmodifiableMap(new LinkedHashMap<>(evidence));
    }

    /** One line, safe to log: control characters escaped and long values cut; no evidence. */
    @Override
    public String toString() {
      return "Finding["
          + SafeText.neutralise(kind, 32)
          + " "
          + SafeText.neutralise(subject, 128)
          + " x"
          + count
          + ": "
          + SafeText.neutralise(summary, 256)
          + "]";
    }
  }

  private final List<String> files;
  private final ZoneId zone;
  private final long records;
  private final long skippedLines;
  private final List<Finding> findings;

  private RegistryPatterns(
      List<String> files, ZoneId zone, long records, long skippedLines, List<Finding> findings) {
    this.files = files;
    this.zone = zone;
    this.records = records;
    this.skippedLines = skippedLines;
    this.findings = findings;
  }

  /**
   * Reads the given registry files (a file and its backups, any order) and analyses them in UTC.
   *
   * @throws java.io.UncheckedIOException if a file cannot be read
   */
  static RegistryPatterns of(Path... files) {
    return of(List.of(files), ZoneOffset.UTC);
  }

  /** Like {@link #of(Path...)} with days and hours in {@code zone}. */
  static RegistryPatterns of(List<Path> files, ZoneId zone) {
    Analysis a = new Analysis(Objects.requireNonNull(zone, "zone"));
    long skipped = 0;
    List<String> names = new ArrayList<>();
    for (Path f : files) {
      names.add(f.toString());
      ProblemRegistry.ReadResult r = ProblemRegistry.readAll(f);
      skipped += r.skippedLines();
      r.records().forEach(a::add);
    }
    return new RegistryPatterns(List.copyOf(names), zone, a.records, skipped, a.findings());
  }

  /** Analyses records already read from {@code in}. */
  static RegistryPatterns of(Inputs.Loaded in, ZoneId zone) {
    Analysis a = new Analysis(Objects.requireNonNull(zone, "zone"));
    in.records().forEach(a::add);
    return new RegistryPatterns(in.fileNames(), zone, a.records, in.skippedLines(), a.findings());
  }

  /** Records read (resolutions included). */
  long records() {
    return records;
  }

  /** The findings: grouped by kind in the order listed above, largest count first. */
  List<Finding> findings() {
    return findings;
  }

  /** The findings of one kind. */
  List<Finding> findings(String kind) {
    return findings.stream().filter(f -> f.kind().equals(kind)).toList();
  }

  /** All of it as a JSON object (pretty-printed), as {@code argos patterns --format json} prints it. */
  String toJson() {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put("files", files);
    m.put("zone", zone.getId());
    m.put("records", records);
    m.put("skippedLines", skippedLines);
    List<Map<String, Object>> list = new ArrayList<>();
    for (Finding f : findings) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("kind", f.kind());
      o.put("subject", f.subject());
      o.put("summary", f.summary());
      o.put("count", f.count());
      o.put("evidence", f.evidence());
      list.add(o);
    }
    m.put("findings", list);
    return Json.pretty(m);
  }

  /** Occurrences of one thing within one bucket. */
  private static final class Occ {
    long count;
    @Nullable Instant first;
    @Nullable Instant last;
    final List<String> sample = new ArrayList<>();

    void add(Instant ts) {
      count++;
      if (first == null || ts.isBefore(first)) {
        first = ts;
      }
      if (last == null || ts.isAfter(last)) {
        last = ts;
      }
      if (sample.size() < MAX_TIMESTAMPS) {
        sample.add(ts.toString());
      }
    }

    Map<String, Object> evidence(String bucketName, String bucket) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put(bucketName, bucket);
      e.put("count", count);
      e.put("first", String.valueOf(first));
      e.put("last", String.valueOf(last));
      e.put("timestamps", List.copyOf(sample));
      return e;
    }
  }

  private static final class Problem {
    final String type;
    final @Nullable String key;
    final String message;
    long count;
    final TreeMap<LocalDate, Occ> byDay = new TreeMap<>();
    final Map<Integer, TreeMap<LocalDate, Occ>> byHour = new HashMap<>();
    final Map<Integer, Long> hourCounts = new HashMap<>();

    Problem(ProblemRecord r) {
      this.type = r.type();
      this.key = r.key();
      this.message = r.message();
    }

    String describe() {
      return type + (key == null ? "" : " on \"" + key + "\"") + " (\"" + message + "\")";
    }
  }

  private static final class KeyStats {
    long count;
    final TreeMap<LocalDate, Occ> byDay = new TreeMap<>();
    final Set<String> types = new TreeSet<>();
    final Set<String> problemKeys = new TreeSet<>();
  }

  private static final class Analysis {
    final ZoneId zone;
    long records;
    final Map<String, Problem> problems = new HashMap<>();
    final Map<String, TreeMap<LocalDate, Long>> typeDays = new HashMap<>();
    final Map<String, KeyStats> keys = new HashMap<>();

    Analysis(ZoneId zone) {
      this.zone = zone;
    }

    void add(ProblemRecord r) {
      records++;
      if (r.isResolved()) {
        return;
      }
      Instant ts = r.ts();
      var z = ts.atZone(zone);
      LocalDate day = z.toLocalDate();
      int hour = z.getHour();

      Problem p = problems.computeIfAbsent(r.problemKey(), k -> new Problem(r));
      p.count++;
      p.byDay.computeIfAbsent(day, d -> new Occ()).add(ts);
      p.byHour
          .computeIfAbsent(hour, h -> new TreeMap<>())
          .computeIfAbsent(day, d -> new Occ())
          .add(ts);
      p.hourCounts.merge(hour, 1L, Long::sum);

      typeDays.computeIfAbsent(r.type(), t -> new TreeMap<>()).merge(day, 1L, Long::sum);

      String key = r.key();
      if (key != null) {
        KeyStats k = keys.computeIfAbsent(key, x -> new KeyStats());
        k.count++;
        k.byDay.computeIfAbsent(day, d -> new Occ()).add(ts);
        if (k.types.size() < 64) {
          k.types.add(r.type());
        }
        if (k.problemKeys.size() < 64) {
          k.problemKeys.add(r.problemKey());
        }
      }
    }

    List<Finding> findings() {
      List<Finding> out = new ArrayList<>();
      out.addAll(top(recurringProblems()));
      out.addAll(top(sameHours()));
      out.addAll(top(risingTrends()));
      out.addAll(top(recurringKeys()));
      return Collections.unmodifiableList(out);
    }

    private static List<Finding> top(List<Finding> fs) {
      fs.sort(Comparator.comparingLong(Finding::count).reversed().thenComparing(Finding::subject));
      return fs.size() > MAX_FINDINGS_PER_KIND ? fs.subList(0, MAX_FINDINGS_PER_KIND) : fs;
    }

    private List<Finding> recurringProblems() {
      List<Finding> fs = new ArrayList<>();
      problems.forEach(
          (pk, p) -> {
            List<Map<String, Object>> days = new ArrayList<>();
            long total = 0;
            for (Map.Entry<LocalDate, Occ> e : p.byDay.entrySet()) {
              if (e.getValue().count >= MIN_PER_DAY) {
                days.add(e.getValue().evidence("day", e.getKey().toString()));
                total += e.getValue().count;
              }
            }
            if (days.isEmpty()) {
              return;
            }
            Map<String, Object> ev = problemEvidence(pk, p);
            ev.put("daysWithRecurrence", days.size());
            ev.put(
                "days",
                days.size() > MAX_TIMESTAMPS
                    ? days.subList(days.size() - MAX_TIMESTAMPS, days.size())
                    : days);
            long max = days.stream().mapToLong(d -> (Long) d.get("count")).max().orElse(0);
            fs.add(
                new Finding(
                    RECURRING_PROBLEM,
                    pk,
                    p.describe()
                        + " recurred "
                        + MIN_PER_DAY
                        + "+ times a day on "
                        + days.size()
                        + " day(s), at most "
                        + max
                        + " in one day",
                    total,
                    ev));
          });
      return fs;
    }

    private List<Finding> sameHours() {
      List<Finding> fs = new ArrayList<>();
      problems.forEach(
          (pk, p) ->
              p.byHour.forEach(
                  (hour, days) -> {
                    long inHour = p.hourCounts.getOrDefault(hour, 0L);
                    if (days.size() < MIN_DAYS || inHour * 2 < p.count) {
                      return;
                    }
                    List<String> dayList = new ArrayList<>();
                    List<String> stamps = new ArrayList<>();
                    for (Map.Entry<LocalDate, Occ> e : days.entrySet()) {
                      dayList.add(e.getKey().toString());
                      if (stamps.size() < MAX_TIMESTAMPS) {
                        stamps.add(String.valueOf(e.getValue().first));
                      }
                    }
                    Map<String, Object> ev = problemEvidence(pk, p);
                    ev.put("hour", hour);
                    ev.put(
                        "days",
                        dayList.size() > MAX_TIMESTAMPS
                            ? dayList.subList(dayList.size() - MAX_TIMESTAMPS, dayList.size())
                            : dayList);
                    ev.put("dayCount", days.size());
                    ev.put("countInHour", inHour);
                    ev.put("countTotal", p.count);
                    ev.put("firstEachDay", stamps);
                    fs.add(
                        new Finding(
                            SAME_HOUR,
                            pk,
                            p.describe()
                                + " occurred between "
                                + String.format(
                                    Locale.ROOT, "%02d:00 and %02d:00", hour, (hour + 1) % 24)
                                + " on "
                                + days.size()
                                + " different days",
                            inHour,
                            ev));
                  }));
      return fs;
    }

    private List<Finding> risingTrends() {
      List<Finding> fs = new ArrayList<>();
      typeDays.forEach(
          (type, days) -> {
            if (days.size() < 2) {
              return;
            }
            // daily counts over every calendar day from the first to the last, zeros included
            List<LocalDate> cal = new ArrayList<>();
            List<Long> counts = new ArrayList<>();
            for (LocalDate d = days.firstKey(); !d.isAfter(days.lastKey()); d = d.plusDays(1)) {
              cal.add(d);
              counts.add(days.getOrDefault(d, 0L));
              if (cal.size() > 3660) {
                break; // ten years is enough
              }
            }
            int bestStart = -1;
            int bestLen = 0;
            int start = 0;
            for (int i = 1; i <= counts.size(); i++) {
              if (i == counts.size() || counts.get(i) <= counts.get(i - 1)) {
                int len = i - start;
                if (len >= MIN_DAYS
                    && counts.get(i - 1) >= 2 * counts.get(start)
                    && len >= bestLen) {
                  bestStart = start;
                  bestLen = len;
                }
                start = i;
              }
            }
            if (bestStart < 0) {
              return;
            }
            List<Map<String, Object>> series = new ArrayList<>();
            long total = 0;
            for (int i = bestStart; i < bestStart + bestLen; i++) {
              Map<String, Object> d = new LinkedHashMap<>();
              d.put("day", cal.get(i).toString());
              d.put("count", counts.get(i));
              series.add(d);
              total += counts.get(i);
            }
            long from = counts.get(bestStart);
            long to = counts.get(bestStart + bestLen - 1);
            Map<String, Object> ev = new LinkedHashMap<>();
            ev.put("type", type);
            ev.put("days", bestLen);
            ev.put("from", cal.get(bestStart).toString());
            ev.put("to", cal.get(bestStart + bestLen - 1).toString());
            ev.put("firstCount", from);
            ev.put("lastCount", to);
            ev.put(
                "daily",
                series.size() > MAX_TIMESTAMPS
                    ? series.subList(series.size() - MAX_TIMESTAMPS, series.size())
                    : series);
            fs.add(
                new Finding(
                    RISING_TREND,
                    type,
                    type
                        + " rose on "
                        + bestLen
                        + " consecutive days, from "
                        + from
                        + " to "
                        + to
                        + " a day",
                    total,
                    ev));
          });
      return fs;
    }

    private List<Finding> recurringKeys() {
      List<Finding> fs = new ArrayList<>();
      keys.forEach(
          (key, k) -> {
            if (k.count < MIN_PER_DAY || k.byDay.size() < 2) {
              return;
            }
            List<Map<String, Object>> days = new ArrayList<>();
            for (Map.Entry<LocalDate, Occ> e : k.byDay.entrySet()) {
              days.add(e.getValue().evidence("day", e.getKey().toString()));
            }
            Map<String, Object> ev = new LinkedHashMap<>();
            ev.put("key", key);
            ev.put("count", k.count);
            ev.put("dayCount", k.byDay.size());
            ev.put("types", List.copyOf(k.types));
            ev.put("problemKeys", List.copyOf(k.problemKeys));
            ev.put("first", String.valueOf(k.byDay.firstEntry().getValue().first));
            ev.put("last", String.valueOf(k.byDay.lastEntry().getValue().last));
            ev.put(
                "days",
                days.size() > MAX_TIMESTAMPS
                    ? days.subList(days.size() - MAX_TIMESTAMPS, days.size())
                    : days);
            fs.add(
                new Finding(
                    RECURRING_KEY,
                    key,
                    "key \""
                        + key
                        + "\" appeared in "
                        + k.count
                        + " signals on "
                        + k.byDay.size()
                        + " different days ("
                        + String.join(", ", k.types)
                        + ")",
                    k.count,
                    ev));
          });
      return fs;
    }

    private static Map<String, Object> problemEvidence(String pk, Problem p) {
      Map<String, Object> ev = new LinkedHashMap<>();
      ev.put("problemKey", pk);
      ev.put("type", p.type);
      if (p.key != null) {
        ev.put("key", p.key);
      }
      ev.put("message", p.message);
      ev.put("countTotal", p.count);
      return ev;
    }
  }
}
