package dev.argos.observers;

import dev.argos.core.internal.SafeText;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The current figures of every sampler, for dashboards and metrics binders: an immutable,
 * insertion-ordered map of JSON-friendly values (see {@code docs/snapshot.md} for the names).
 * Figures a sampler cannot measure on this JVM are absent.
 *
 * <p>Figure names that carry user text (an executor's name) are neutralised: control characters,
 * line separators and bidirectional overrides appear escaped ({@code \u001b}, {@code \r}), and
 * so does {@link #toString()}, so a snapshot can go into a log line as it is.
 */
public final class ArgosSnapshot {
  private final Instant timestamp;
  /** Longest figure name kept (longer ones are cut, marked {@code "..."}). */
  static final int MAX_NAME = 512;
  /** Longest {@link #toString()}. */
  static final int MAX_TO_STRING = 64 * 1024;

  private final Map<String, Object> figures;

  ArgosSnapshot(Instant timestamp, Map<String, Object> figures) {
    this.timestamp = timestamp;
    Map<String, Object> safe = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : figures.entrySet()) {
      safe.put(SafeText.neutralise(e.getKey(), MAX_NAME), e.getValue());
    }
    this.figures = Collections.unmodifiableMap(safe);
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
    return "ArgosSnapshot[" + timestamp + " " + SafeText.neutralise(figures.toString(), MAX_TO_STRING)
        + "]";
  }
}
