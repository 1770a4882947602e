package dev.argos.cli;

import dev.argos.signals.ProblemRecord;
import dev.argos.signals.ProblemRegistry;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Counts over a problem registry: by type, severity, action taken and action result, the share of
 * actions that succeeded, and hourly and daily buckets. Immutable once computed.
 *
 * <pre>{@code
 * RegistryStats stats = RegistryStats.of(Path.of("argos-problems.jsonl"));
 * stats.byType();          // {"burst": 12, "eventLoopLag": 3}
 * stats.toJson();          // the same as `argos stats --format json FILE`
 * }</pre>
 *
 * <p>Buckets are in UTC unless a zone is given: hourly keys look like {@code "2026-11-22T10:00Z"}
 * (the hour's start, ISO-8601 with offset), daily keys {@code "2026-11-22"}. Every record counts,
 * including the INFO records that end an episode ({@link #resolved()} says how many those are). The
 * action success rate is the share of records with an action ({@code actionTaken != "none"}) whose
 * {@code actionResult} is {@code "ok"} (a quarantine) or {@code "success"} (an action of
 * argos-forensics); null when no record has an action. Cost: one pass over the
 * file, memory proportional to the number of distinct types and buckets, not to the number of
 * lines.
 */
final class RegistryStats {
  private static final DateTimeFormatter HOUR =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:00XXX", Locale.ROOT);

  private final List<String> files;
  private final ZoneId zone;
  private long records;
  private long skippedLines;
  private long resolved;
  private long actionsTaken;
  private long actionsOk;
  private @Nullable Instant first;
  private @Nullable Instant last;
  private final Map<String, Long> byType = new TreeMap<>();
  private final Map<String, Long> bySeverity = new TreeMap<>();
  private final Map<String, Long> byActionTaken = new TreeMap<>();
  private final Map<String, Long> byActionResult = new TreeMap<>();
  private final SortedMap<String, Long> hourly = new TreeMap<>();
  private final SortedMap<String, Long> daily = new TreeMap<>();

  private RegistryStats(List<String> files, ZoneId zone) {
    this.files = files;
    this.zone = zone;
  }

  /**
   * Reads the given registry files (e.g. a file and its backups, in any order) and counts, in UTC.
   *
   * @throws java.io.UncheckedIOException if a file cannot be read
   */
  static RegistryStats of(Path... files) {
    return of(List.of(files), ZoneOffset.UTC);
  }

  /** Like {@link #of(Path...)} with buckets in {@code zone}. */
  static RegistryStats of(List<Path> files, ZoneId zone) {
    Objects.requireNonNull(zone, "zone");
    List<String> names = new ArrayList<>();
    files.forEach(f -> names.add(f.toString()));
    RegistryStats s = new RegistryStats(List.copyOf(names), zone);
    for (Path f : files) {
      ProblemRegistry.ReadResult r = ProblemRegistry.readAll(f);
      s.skippedLines += r.skippedLines();
      r.records().forEach(s::add);
    }
    return s;
  }

  /** Counts records already read from {@code in}. */
  static RegistryStats of(Inputs.Loaded in, ZoneId zone) {
    RegistryStats s = new RegistryStats(in.fileNames(), Objects.requireNonNull(zone, "zone"));
    s.skippedLines = in.skippedLines();
    in.records().forEach(s::add);
    return s;
  }

  private void add(ProblemRecord r) {
    records++;
    if (r.isResolved()) {
      resolved++;
    }
    byType.merge(r.type(), 1L, Long::sum);
    bySeverity.merge(r.severity().name(), 1L, Long::sum);
    byActionTaken.merge(r.actionTaken(), 1L, Long::sum);
    String result = r.actionResult();
    byActionResult.merge(result == null ? "null" : result, 1L, Long::sum);
    if (!"none".equals(r.actionTaken())) {
      actionsTaken++;
      if ("ok".equals(result) || "success".equals(result)) {
        actionsOk++;
      }
    }
    Instant ts = r.ts();
    if (first == null || ts.isBefore(first)) {
      first = ts;
    }
    if (last == null || ts.isAfter(last)) {
      last = ts;
    }
    ZonedDateTime z = ts.atZone(zone);
    hourly.merge(HOUR.format(z.truncatedTo(ChronoUnit.HOURS)), 1L, Long::sum);
    daily.merge(z.toLocalDate().toString(), 1L, Long::sum);
  }

  /** Records counted. */
  long records() {
    return records;
  }

  /** Lines skipped because they were not complete records (torn or foreign). */
  long skippedLines() {
    return skippedLines;
  }

  /** Records that end an episode ({@code data.state = "resolved"}). */
  long resolved() {
    return resolved;
  }

  /** Earliest timestamp, or null when there are no records. */
  @Nullable Instant first() {
    return first;
  }

  /** Latest timestamp, or null when there are no records. */
  @Nullable Instant last() {
    return last;
  }

  /** Records per type, sorted by type. */
  Map<String, Long> byType() {
    return Collections.unmodifiableMap(byType);
  }

  /** Records per severity name. */
  Map<String, Long> bySeverity() {
    return Collections.unmodifiableMap(bySeverity);
  }

  /** Records per {@code actionTaken} ({@code "none"} for no action). */
  Map<String, Long> byActionTaken() {
    return Collections.unmodifiableMap(byActionTaken);
  }

  /** Records per {@code actionResult}; {@code "null"} counts records without a result. */
  Map<String, Long> byActionResult() {
    return Collections.unmodifiableMap(byActionResult);
  }

  /**
   * Share (0 to 1) of records with an action whose result is {@code "ok"} or {@code "success"};
   * null if none.
   */
  @Nullable Double actionSuccessRate() {
    return actionsTaken == 0 ? null : (double) actionsOk / actionsTaken;
  }

  /** Records per hour, keyed by the hour's start, e.g. {@code "2026-11-22T10:00Z"}; sorted. */
  SortedMap<String, Long> hourly() {
    return Collections.unmodifiableSortedMap(hourly);
  }

  /** Records per day, keyed {@code "2026-11-22"}; sorted. */
  SortedMap<String, Long> daily() {
    return Collections.unmodifiableSortedMap(daily);
  }

  /** The zone of the buckets. */
  ZoneId zone() {
    return zone;
  }

  /** Records with an action ({@code actionTaken != "none"}). */
  long actionsTaken() {
    return actionsTaken;
  }

  /** All of it as a JSON object (pretty-printed), as {@code argos stats --format json} prints it. */
  String toJson() {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put("files", files);
    m.put("zone", zone.getId());
    m.put("records", records);
    m.put("skippedLines", skippedLines);
    m.put("resolved", resolved);
    m.put("first", first == null ? null : first.toString());
    m.put("last", last == null ? null : last.toString());
    m.put("byType", byType);
    m.put("bySeverity", bySeverity);
    m.put("byActionTaken", byActionTaken);
    m.put("byActionResult", byActionResult);
    Map<String, @Nullable Object> actions = new LinkedHashMap<>();
    actions.put("taken", actionsTaken);
    actions.put("ok", actionsOk);
    actions.put("successRate", actionSuccessRate());
    m.put("actions", actions);
    m.put("hourly", hourly);
    m.put("daily", daily);
    return Json.pretty(m);
  }

  @Override
  public String toString() {
    return "RegistryStats[records=" + records + ", byType=" + byType + "]";
  }
}
