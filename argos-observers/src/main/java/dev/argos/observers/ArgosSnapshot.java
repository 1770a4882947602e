package dev.argos.observers;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The current figures of every sampler, for dashboards and metrics binders: an immutable,
 * insertion-ordered map of JSON-friendly values (see {@code docs/snapshot.md} for the names).
 * Figures a sampler cannot measure on this JVM are absent.
 */
public final class ArgosSnapshot {
  private final Instant timestamp;
  private final Map<String, Object> figures;

  ArgosSnapshot(Instant timestamp, Map<String, Object> figures) {
    this.timestamp = timestamp;
    this.figures = Collections.unmodifiableMap(new LinkedHashMap<>(figures));
  }

  public Instant timestamp() {
    return timestamp;
  }

  /** Every figure by name. */
  public Map<String, Object> figures() {
    return figures;
  }

  /** One figure, or null when absent. */
  public @Nullable Object get(String name) {
    return figures.get(name);
  }

  /** One numeric figure, or {@code fallback} when absent or not a number. */
  public double getDouble(String name, double fallback) {
    Object v = figures.get(name);
    return v instanceof Number n ? n.doubleValue() : fallback;
  }

  /** One integral figure, or {@code fallback} when absent or not a number. */
  public long getLong(String name, long fallback) {
    Object v = figures.get(name);
    return v instanceof Number n ? n.longValue() : fallback;
  }

  @Override
  public String toString() {
    return "ArgosSnapshot[" + timestamp + " " + figures + "]";
  }
}
