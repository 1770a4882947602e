package dev.argos.core.internal;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Counts events per key per fixed window and says whether each is within a limit, remembering
 * a bounded number of keys: the flood guard of the agent's bus (per signal type) and of {@code
 * Dedup} (new episodes per type).
 *
 * <p>Each key gets its own {@link Slot} until {@code maxKeys} are tracked. Then slots whose
 * window has ended are forgotten (those with no {@linkplain Slot#takePending() pending} drops
 * first); if none has ended, every further key shares ONE slot, {@link #OTHER_KEYS}, whose
 * limit applies to all of them together. Callers must say so when they report that slot: it is
 * not the key that happened to be dropped.
 *
 * <p>Not thread-safe: confine an instance to one thread or guard it with one lock. Time is
 * whatever {@code nowNanos} the caller passes (a {@code Clock.nanoTime()}).
 *
 * <p>Not API: see the package documentation.
 */
public final class FloodWindows {
  /** The name of the slot shared by keys beyond the tracked ones. */
  public static final String OTHER_KEYS = "other types";

  private final long windowNanos;
  private final int limit;
  private final int maxKeys;
  private final Map<String, Slot> slots = new HashMap<>();
  private @Nullable Slot shared;

  /**
   * @param windowNanos length of a window, positive
   * @param limit events per key per window admitted, positive
   * @param maxKeys keys tracked with their own slot, positive
   */
  public FloodWindows(long windowNanos, int limit, int maxKeys) {
    if (windowNanos <= 0 || limit <= 0 || maxKeys <= 0) {
      throw new IllegalArgumentException(
          "windowNanos, limit and maxKeys must be positive but were "
              + windowNanos + ", " + limit + ", " + maxKeys);
    }
    this.windowNanos = windowNanos;
    this.limit = limit;
    this.maxKeys = maxKeys;
  }

  /**
   * Counts one event of {@code key} at {@code nowNanos} and returns the slot it was counted in;
   * {@link Slot#admitted()} tells whether it was within the limit.
   */
  public Slot record(String key, long nowNanos) {
    Slot s = slots.get(key);
    if (s == null) {
      if (slots.size() >= maxKeys) {
        evictEnded(nowNanos);
      }
      if (slots.size() < maxKeys) {
        s = new Slot(key, false, nowNanos);
        slots.put(key, s);
      } else {
        s = shared;
        if (s == null) {
          s = new Slot(OTHER_KEYS, true, nowNanos);
          shared = s;
        }
      }
    }
    s.record(nowNanos, windowNanos, limit);
    return s;
  }

  /**
   * The slot {@code key} is counted in now: its own, else the shared one (null when {@code key}
   * has no slot and nothing was ever shared).
   */
  public @Nullable Slot slotOf(String key) {
    Slot s = slots.get(key);
    return s != null ? s : shared;
  }

  /** Keys tracked with their own slot. */
  public int trackedKeys() {
    return slots.size();
  }

  private void evictEnded(long now) {
    // first the ended windows with nothing pending; then, if still full, any ended window
    slots.values().removeIf(x -> now - x.start >= windowNanos && x.pending == 0);
    if (slots.size() >= maxKeys) {
      Iterator<Slot> it = slots.values().iterator();
      while (it.hasNext()) {
        if (now - it.next().start >= windowNanos) {
          it.remove();
        }
      }
    }
  }

  /** One key's window (or the shared one). */
  public static final class Slot {
    private final String key;
    private final boolean shared;
    private long start;
    private int count;
    private long droppedInWindow;
    private long droppedTotal;
    private long pending;
    private boolean admitted;

    Slot(String key, boolean shared, long start) {
      this.key = key;
      this.shared = shared;
      this.start = start;
    }

    void record(long now, long windowNanos, int limit) {
      if (now - start >= windowNanos) {
        start = now;
        count = 0;
        droppedInWindow = 0;
      }
      if (count < limit) {
        count++;
        admitted = true;
      } else {
        droppedInWindow++;
        droppedTotal++;
        pending++;
        admitted = false;
      }
    }

    /** The key, or {@link #OTHER_KEYS} for the shared slot. */
    public String key() {
      return key;
    }

    /** Whether this is the slot shared by the keys beyond the tracked ones. */
    public boolean shared() {
      return shared;
    }

    /** Whether the last event recorded in this slot was within the limit. */
    public boolean admitted() {
      return admitted;
    }

    /** Events dropped in the current window. */
    public long droppedInWindow() {
      return droppedInWindow;
    }

    /** Events dropped since the slot was created. */
    public long droppedTotal() {
      return droppedTotal;
    }

    /** Events dropped since the last call, and resets that count. */
    public long takePending() {
      long p = pending;
      pending = 0;
      return p;
    }
  }
}
