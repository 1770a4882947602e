package dev.argos.cli;

import dev.argos.core.Signal;
import dev.argos.signals.ProblemRecord;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The incidents of a registry: its records of type {@code "incident"} (DESIGN §8), one per
 * incident id (the record's key), the last record of an id winning (an incident is recorded when
 * it opens and again when it resolves). Newest first; at most {@link #MAX_INCIDENTS} kept.
 */
final class Incidents {
  static final int MAX_INCIDENTS = 1_000;
  static final int MAX_CHAIN = 50;

  /**
   * One incident.
   *
   * @param id the incident id
   * @param record its latest record
   * @param firstSeen the timestamp of its first record (when it opened)
   * @param updates how many records it has
   */
  record Incident(String id, ProblemRecord record, java.time.Instant firstSeen, int updates) {
    String state() {
      return str(record.data().get("state"), "open");
    }

    /** {@code origin} as a map (kind, name, type), empty when absent. */
    Map<String, @Nullable Object> origin() {
      return map(record.data().get("origin"));
    }

    @Nullable Double confidence() {
      Object c = record.data().get("confidence");
      if (c instanceof Number n) {
        return n.doubleValue();
      }
      Object v = map(c).get("value");
      return v instanceof Number n ? n.doubleValue() : null;
    }

    @Nullable String why() {
      Object w = record.data().get("why");
      if (w == null) {
        w = map(record.data().get("confidence")).get("why");
      }
      return w == null ? null : String.valueOf(w);
    }

    List<Map<String, @Nullable Object>> chain() {
      List<Map<String, @Nullable Object>> out = new ArrayList<>();
      if (record.data().get("chain") instanceof List<?> l) {
        for (Object o : l) {
          if (out.size() >= MAX_CHAIN) {
            break;
          }
          out.add(map(o));
        }
      }
      return out;
    }

    List<Map<String, @Nullable Object>> alternatives() {
      List<Map<String, @Nullable Object>> out = new ArrayList<>();
      if (record.data().get("alternatives") instanceof List<?> l) {
        for (Object o : l) {
          if (out.size() >= 5) {
            break;
          }
          out.add(map(o));
        }
      }
      return out;
    }

    @Nullable String evidence() {
      Object e = record.data().get("evidence");
      return e == null ? null : String.valueOf(e);
    }

    @Nullable String evidenceSkipped() {
      Object e = record.data().get("evidenceSkipped");
      return e == null ? null : String.valueOf(e);
    }

    /**
     * The evidence directory as a {@code file:} URI, a relative path resolved against {@code
     * base} (the registry's directory); null when there is none or it is not a path. Only ever a
     * {@code file:} URI, whatever the registry says.
     */
    @Nullable String evidenceUri(@Nullable Path base) {
      String e = evidence();
      if (e == null || e.isBlank()) {
        return null;
      }
      try {
        Path p = Path.of(e);
        if (!p.isAbsolute() && base != null) {
          p = base.resolve(p);
        }
        String uri = p.toAbsolutePath().normalize().toUri().toString();
        return uri.startsWith("file:") ? uri : null;
      } catch (InvalidPathException | java.io.IOError | SecurityException x) {
        return null;
      }
    }

    /** As JSON-friendly values, for {@code argos incidents --format json} and the report. */
    Map<String, @Nullable Object> toMap(@Nullable Path base) {
      Map<String, @Nullable Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("state", state());
      m.put("severity", record.severity().name());
      m.put("message", record.message());
      m.put("opened", firstSeen.toString());
      m.put("updated", record.ts().toString());
      m.put("updates", updates);
      m.put("origin", origin());
      m.put("confidence", confidence());
      m.put("why", why());
      m.put("chain", chain());
      m.put("alternatives", alternatives());
      m.put("evidence", evidence());
      m.put("evidenceUri", evidenceUri(base));
      m.put("evidenceSkipped", evidenceSkipped());
      return m;
    }
  }

  private Incidents() {}

  /** The incidents among {@code records}, newest (by last update) first. */
  static List<Incident> of(List<ProblemRecord> records) {
    Map<String, Incident> byId = new LinkedHashMap<>();
    for (ProblemRecord r : records) {
      if (!Signal.TYPE_INCIDENT.equals(r.type()) || r.key() == null) {
        continue;
      }
      String id = r.key();
      Incident before = byId.get(id);
      byId.put(
          id,
          before == null
              ? new Incident(id, r, r.ts(), 1)
              : new Incident(
                  id,
                  r.ts().isBefore(before.record().ts()) ? before.record() : r,
                  r.ts().isBefore(before.firstSeen()) ? r.ts() : before.firstSeen(),
                  before.updates() + 1));
    }
    List<Incident> out = new ArrayList<>(byId.values());
    out.sort(
        Comparator.comparing((Incident i) -> i.record().ts())
            .reversed()
            .thenComparing(Incident::id));
    return out.size() > MAX_INCIDENTS ? List.copyOf(out.subList(0, MAX_INCIDENTS)) : out;
  }

  static String str(@Nullable Object o, String dflt) {
    return o == null ? dflt : String.valueOf(o);
  }

  @SuppressWarnings("unchecked")
  static Map<String, @Nullable Object> map(@Nullable Object o) {
    if (o instanceof Map<?, ?> m) {
      Map<String, @Nullable Object> out = new LinkedHashMap<>();
      ((Map<Object, @Nullable Object>) m).forEach((k, v) -> out.put(String.valueOf(k), v));
      return out;
    }
    return new LinkedHashMap<>();
  }
}
