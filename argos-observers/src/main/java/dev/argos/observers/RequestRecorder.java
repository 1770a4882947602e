package dev.argos.observers;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/*
 * Design notes.
 *
 * Hot path. record() is one LongAdder.increment(). record(key) reads one or two slots of a
 * small watch table; a watched key (a suspect) then costs one atomic add on its exact counter
 * and nothing else. Any other key costs one LongAdder.increment(), four opaque int increments
 * in a count-min sketch and, rarely, one release store of the key reference into a candidate
 * slot. Only preallocated arrays are touched: no clock, no lock, no allocation
 * (String.hashCode() is cached in the String), no loop over keys.
 *
 * Sketch. ROWS = 4 rows; the cells of one generation are split into S stripes (S = a power of
 * two, 2 x processors capped at 16), each S-th of the width, so that threads (stripe = thread
 * id & (S - 1)) mostly write their own cache lines: a hot key hammered by many threads does not
 * turn into one contended cell. The estimate of a key is the sum over stripes of the minimum
 * over rows. Cells are int and written with opaque get/set rather than an atomic add: two
 * threads of the same stripe may lose an increment when they hit the same cell at the same
 * instant. The sketch only nominates candidates, it never decides a signal, so an undercount
 * of a few per cent is harmless and buys a hot path without locked instructions.
 *
 * Generations. There are two sketch generations; the hot path writes the one named by the
 * volatile state word (generation bit + nomination cut). At the end of each epoch (the short
 * window, 1 s by default) the sampler flips the bit, reads the completed generation (keyed
 * total, distinct keys by linear counting on row 0) and clears it. A writer that read the
 * state just before the flip may land a count in the cleared generation: noise, not error.
 *
 * Nomination. After its increments the hot path knows the key's estimate in its stripe (the
 * minimum of the four new cell values). When that estimate is a power of two at or above the
 * cut, it stores the key reference into candidate slot hash & (CANDIDATES - 1), overwriting
 * whatever was there. A heavy key therefore offers itself about log2(count / cut) times per
 * stripe and epoch; a light key never reaches the cut unless sketch noise lifts it. The
 * sampler drains the slots every tick.
 *
 * Confirmation. The sampler installs the best candidates in a 2-way set-associative watch
 * table (WATCH slots). A request of a watched key increments an exact, striped counter
 * (AtomicLongArray, stripe-major so stripes do not share cache lines) instead of the LongAdder;
 * the sampler moves those counts into `harvested` with getAndSet, so the total stays exact.
 * Watched keys are left out of the sketch; the sampler adds their exact counts back into the
 * keyed total and the distinct count. Only exact counts
 * decide a signal, so a spoofed key lifted by sketch noise is watched for an epoch, counts ~1
 * and is evicted: it can never fire.
 *
 * Bounds. Everything is allocated in the constructor: 2 x 65 536 int cells (512 KiB), WATCH x
 * S longs, CANDIDATES + WATCH references. Keys longer than MAX_KEY_LENGTH are counted but never
 * nominated, so the references held here pin at most (CANDIDATES + WATCH) x MAX_KEY_LENGTH
 * characters of client keys whatever the number of distinct keys.
 *
 * Threads. record(..) from any thread; every other method from the sampler thread only.
 */
final class RequestRecorder {
  static final int ROWS = 4;
  /** Cells per row and generation, over all stripes. */
  static final int ROW_CELLS = 16_384;
  static final int CANDIDATES = 512;
  static final int WATCH = 256;
  /** Longest key that can be nominated (and named in a signal). */
  static final int MAX_KEY_LENGTH = 1024;

  private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(int[].class);
  private static final int SEED = 0x9E3779B9;

  private final LongAdder total = new LongAdder();
  private final int stripes;
  private final int stripeMask;
  private final int width; // cells per row and stripe
  private final int rowShift;
  private final int stripeCells; // ROWS * width
  private final int genCells; // stripes * stripeCells
  private final int[] cells;
  private final AtomicReferenceArray<@Nullable String> candidates =
      new AtomicReferenceArray<>(CANDIDATES);
  private final AtomicReferenceArray<@Nullable String> watch = new AtomicReferenceArray<>(WATCH);
  private final AtomicLongArray exact;

  /** Exact counts moved out of {@link #exact} by the sampler (part of the total). */
  private volatile long harvested;

  /** Generation bit (bit 0) and nomination cut (the rest): one volatile read on the hot path. */
  private volatile int state = 2 << 1;

  RequestRecorder() {
    this(Runtime.getRuntime().availableProcessors());
  }

  RequestRecorder(int processors) {
    int s = Integer.highestOneBit(Math.max(2, Math.min(16, 2 * processors)) * 2 - 1);
    this.stripes = s;
    this.stripeMask = s - 1;
    this.width = ROW_CELLS / s;
    this.rowShift = 32 - Integer.numberOfTrailingZeros(width);
    this.stripeCells = ROWS * width;
    this.genCells = s * stripeCells;
    this.cells = new int[2 * genCells];
    this.exact = new AtomicLongArray(s * WATCH);
  }

  // ---------------------------------------------------------------- hot path

  /** One request. */
  void record() {
    try {
      total.increment();
    } catch (Throwable ignored) {
      // never reaches the application (only conceivable: OutOfMemoryError growing the cells)
    }
  }

  /** One request from {@code key}; null counts as {@link #record()}. */
  void record(@Nullable String key) {
    try {
      if (key == null) {
        total.increment();
      } else {
        recordKey(key);
      }
    } catch (Throwable ignored) {
      // never reaches the application
    }
  }

  private void recordKey(String key) {
    int h = key.hashCode();
    int h1 = mix(h);
    int stripe = (int) Thread.currentThread().getId() & stripeMask;
    // a watched key counts in its exact counter only (part of the total, and the sketch has
    // nothing more to tell about it): one atomic add, and done
    int b = bucket(h1);
    if (same(watch.getAcquire(b), key, h)) {
      exact.getAndIncrement(stripe * WATCH + b);
      return;
    }
    if (same(watch.getAcquire(b + 1), key, h)) {
      exact.getAndIncrement(stripe * WATCH + b + 1);
      return;
    }
    total.increment();
    int h2 = mix(h ^ SEED) | 1;
    int st = state;
    int base = (st & 1) * genCells + stripe * stripeCells;
    int min = bump(base + (h1 >>> rowShift));
    min = Math.min(min, bump(base + width + ((h1 + h2) >>> rowShift)));
    min = Math.min(min, bump(base + 2 * width + ((h1 + 2 * h2) >>> rowShift)));
    min = Math.min(min, bump(base + 3 * width + ((h1 + 3 * h2) >>> rowShift)));
    if (min >= (st >>> 1) && (min & (min - 1)) == 0 && key.length() <= MAX_KEY_LENGTH) {
      candidates.lazySet(candidateSlot(h2), key);
    }
  }

  /** Equality with the cheap tests first: same reference, then cached hash, then content. */
  @SuppressWarnings("ReferenceEquality") // deliberate fast path; equals() follows
  private static boolean same(@Nullable String watched, String key, int hash) {
    return watched != null
        && (watched == key || (watched.hashCode() == hash && watched.equals(key)));
  }

  private int bump(int i) {
    int v = (int) CELL.getOpaque(cells, i) + 1;
    CELL.setOpaque(cells, i, v);
    return v;
  }

  static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85EBCA6B;
    h ^= h >>> 13;
    h *= 0xC2B2AE35;
    h ^= h >>> 16;
    return h;
  }

  private static int bucket(int h1) {
    return (h1 & (WATCH / 2 - 1)) << 1;
  }

  private static int candidateSlot(int h2) {
    return (h2 >>> 7) & (CANDIDATES - 1);
  }

  // ---------------------------------------------------------------- sampler side

  /**
   * Every request recorded so far (with and without key): the LongAdder, plus the exact counts
   * harvested so far, plus those not harvested yet. Exact on the sampler thread; from another
   * thread it may miss the counts of a harvest running at the same instant.
   */
  long total() {
    long n = harvested;
    for (int i = 0, len = exact.length(); i < len; i++) {
      n += exact.get(i);
    }
    return n + total.sum();
  }

  int stripes() {
    return stripes;
  }

  /** Cells of one row in one stripe. */
  int width() {
    return width;
  }

  /** The nomination cut now in force (a power of two). */
  int cut() {
    return state >>> 1;
  }

  /** The generation the hot path writes now (0 or 1). */
  int generation() {
    return state & 1;
  }

  /**
   * Makes the other generation current with nomination cut {@code cut} (rounded down to a power
   * of two, at least 2) and returns the generation just completed.
   */
  int flip(int cut) {
    int st = state;
    int completed = st & 1;
    int c = Integer.highestOneBit(Math.max(2, cut));
    state = (completed ^ 1) | (c << 1);
    return completed;
  }

  /** Sets the cut without flipping. */
  void cut(int cut) {
    int c = Integer.highestOneBit(Math.max(2, cut));
    state = (state & 1) | (c << 1);
  }

  /**
   * Row-0 figures of generation {@code gen}: {@code out[0]} = keyed requests counted, {@code
   * out[1]} = row-0 cells empty in every stripe (for linear counting of distinct keys).
   */
  void rowStats(int gen, long[] out) {
    long sum = 0;
    int zeros = 0;
    int g = gen * genCells;
    for (int s = 0; s < stripes; s++) {
      long stripeSum = 0;
      int base = g + s * stripeCells;
      for (int i = 0; i < width; i++) {
        stripeSum += (int) CELL.getOpaque(cells, base + i);
      }
      sum += stripeSum;
    }
    for (int i = 0; i < width; i++) {
      boolean empty = true;
      for (int s = 0; s < stripes && empty; s++) {
        empty = (int) CELL.getOpaque(cells, g + s * stripeCells + i) == 0;
      }
      if (empty) {
        zeros++;
      }
    }
    out[0] = sum;
    out[1] = zeros;
  }

  /** Whether {@code key}'s row-0 cell is counted in some stripe of generation {@code gen}. */
  boolean inRow0(String key, int gen) {
    int i = mix(key.hashCode()) >>> rowShift;
    for (int s = 0; s < stripes; s++) {
      if ((int) CELL.getOpaque(cells, gen * genCells + s * stripeCells + i) != 0) {
        return true;
      }
    }
    return false;
  }

  /** Zeroes generation {@code gen} (not the current one). */
  void clear(int gen) {
    Arrays.fill(cells, gen * genCells, (gen + 1) * genCells, 0);
  }

  /** The sketch estimate of {@code key} in generation {@code gen}: never below its true count. */
  long estimate(String key, int gen) {
    int h = key.hashCode();
    int h1 = mix(h);
    int h2 = mix(h ^ SEED) | 1;
    long sum = 0;
    for (int s = 0; s < stripes; s++) {
      int base = gen * genCells + s * stripeCells;
      int min = Integer.MAX_VALUE;
      for (int d = 0; d < ROWS; d++) {
        min = Math.min(min, (int) CELL.getOpaque(cells, base + d * width + ((h1 + d * h2) >>> rowShift)));
      }
      sum += min;
    }
    return sum;
  }

  /** Takes (and empties) candidate slot {@code i}. */
  @Nullable String takeCandidate(int i) {
    return candidates.getAndSet(i, null);
  }

  /** First of the two watch slots {@code key} may occupy. */
  static int bucketOf(String key) {
    return bucket(mix(key.hashCode()));
  }

  /** The watch slot holding {@code key}, or -1. */
  int findWatched(String key) {
    int b = bucketOf(key);
    for (int i = b; i < b + 2; i++) {
      String w = watch.get(i);
      if (w != null && w.equals(key)) {
        return i;
      }
    }
    return -1;
  }

  @Nullable String watched(int slot) {
    return watch.get(slot);
  }

  /** Starts exact counting of {@code key} in {@code slot}, replacing any key there. */
  void watch(int slot, String key) {
    watch.set(slot, null);
    harvest(slot);
    watch.set(slot, key);
  }

  void unwatch(int slot) {
    watch.set(slot, null);
  }

  /** The exact count of the key in {@code slot} since the last harvest, without resetting it. */
  long peek(int slot) {
    long n = 0;
    for (int s = 0; s < stripes; s++) {
      n += exact.get(s * WATCH + slot);
    }
    return n;
  }

  /** The exact count of the key in {@code slot} since the last harvest, and resets it. */
  @SuppressWarnings("NonAtomicVolatileUpdate") // written by the sampler thread only
  long harvest(int slot) {
    long n = 0;
    for (int s = 0; s < stripes; s++) {
      n += exact.getAndSet(s * WATCH + slot, 0);
    }
    harvested += n;
    return n;
  }

  /** Bytes held by the recorder's arrays (headers and the LongAdder's cells not included). */
  long footprintBytes() {
    return 4L * cells.length + 8L * exact.length() + 4L * (CANDIDATES + WATCH);
  }
}
