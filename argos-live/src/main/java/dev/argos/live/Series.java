package dev.argos.live;

import dev.argos.observers.ArgosSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The sparklines' data: a ring of the last {@code capacity} samples of a few figures of {@link
 * ArgosSnapshot}. Not thread-safe: {@link LiveState} guards it.
 */
final class Series {
  /** Series name shown by the page, and the snapshot figure it samples. */
  static final String[][] FIGURES = {
    {"lagP99Ms", "lag.jvm.p99Ms"},
    {"liveSetBytes", "heap.liveSetBytes"},
    {"gcOverhead", "gc.overhead"},
    {"requestRate", "requests.rate"},
    {"fdOpen", "fd.open"},
  };

  private final int capacity;
  private final long[] times;
  private final double[][] values;
  private int start;
  private int size;

  Series(int capacity) {
    this.capacity = capacity;
    this.times = new long[capacity];
    this.values = new double[FIGURES.length][capacity];
  }

  /** One sample: NaN for a figure the snapshot lacks. */
  static double[] sample(@Nullable ArgosSnapshot s) {
    double[] v = new double[FIGURES.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = s == null ? Double.NaN : s.getDouble(FIGURES[i][1], Double.NaN);
    }
    return v;
  }

  void add(long epochMs, double[] sample) {
    int at = (start + size) % capacity;
    if (size == capacity) {
      start = (start + 1) % capacity;
    } else {
      size++;
    }
    times[at] = epochMs;
    for (int i = 0; i < FIGURES.length; i++) {
      values[i][at] = sample[i];
    }
  }

  int size() {
    return size;
  }

  /** One sample as JSON-ready map: {@code t} (epoch ms) and each series' value (null: absent). */
  static Map<String, @Nullable Object> point(long epochMs, double[] sample) {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put("t", epochMs);
    for (int i = 0; i < FIGURES.length; i++) {
      m.put(FIGURES[i][0], finite(sample[i]));
    }
    return m;
  }

  /** The ring, oldest first: {@code t} and one list per series. */
  Map<String, @Nullable Object> toMap() {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    List<Long> t = new ArrayList<>(size);
    for (int k = 0; k < size; k++) {
      t.add(times[(start + k) % capacity]);
    }
    m.put("capacity", capacity);
    m.put("t", t);
    for (int i = 0; i < FIGURES.length; i++) {
      List<@Nullable Double> v = new ArrayList<>(size);
      for (int k = 0; k < size; k++) {
        v.add(finite(values[i][(start + k) % capacity]));
      }
      m.put(FIGURES[i][0], v);
    }
    return m;
  }

  private static @Nullable Double finite(double d) {
    return Double.isFinite(d) ? d : null;
  }
}
