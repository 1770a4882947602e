package dev.argos.observers;

import dev.argos.core.Signal;

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
 * Hot path. record() is one LongAdder.increment(). record(key) compares the key's hashCode() with
 * the two int hashes of its bucket in a small watch table; a watched key (a suspect) then costs
 * one atomic add on its exact counter and nothing else. Any other key costs two opaque long/char
 * increments (its stripe's keyed counter and its sketch cell) and, rarely, one release store of
 * the key reference into a candidate slot. Only preallocated arrays are touched: no clock, no
 * lock, no locked instruction, no allocation (String.hashCode() is cached in the String), no loop
 * over keys, and no watched String is read unless its hash matches.
 *
 * Sketch. A count-min sketch of one row (d = 1) of GEN_CELLS 16-bit cells per generation, split
 * into S stripes (S = a power of two, 2 x processors capped at 16) so that threads (stripe =
 * thread id & (S - 1)) mostly write their own cache lines: a hot key hammered by many threads
 * does not turn into one contended cell. A key's estimate is the sum of its cell over the
 * stripes: never below its true count (short of lost increments, below). One wide row rather
 * than four narrow ones: as many cells give a quarter of the mean noise per cell and one cache
 * line per request instead of four (four rows made record(key) 1.5x slower in PerKeyBenchmark); it
 * gives up the tail of the collision noise, which only makes a light key nominate itself now and
 * then, and nominations are checked with exact counts. Cells are written with opaque get/set rather
 * than an atomic add: two threads of the same stripe may lose an increment when they hit the same
 * cell at the same instant, and a cell saturates at CELL_MAX (a key that heavy is watched, and so
 * out of the sketch, within a tick). The sketch only nominates candidates and estimates the
 * number of distinct keys; it never decides a signal.
 *
 * Keyed total. Each stripe has its own keyed counter (opaque, 128 bytes apart): the total of
 * sketch-counted requests is their sum, read by the sampler every tick without scanning cells.
 * Like the cells it may lose an increment to a same-stripe race; the overall rate is judged
 * against 10 x a baseline, so such an undercount (none at all with one thread per stripe) does
 * not matter there.
 *
 * Generations. There are two sketch generations; the hot path writes the one named by the
 * volatile state word (generation bit + nomination cut). At the end of each epoch (the short
 * window, 1 s by default) the sampler flips the bit, reads the completed generation (keyed
 * requests, distinct keys by linear counting) and clears it, unless nothing was counted in it
 * (an idle epoch costs one scan, no write). A writer that read the state just before the flip
 * may land a count in the cleared generation: noise, not error.
 *
 * Nomination. After its increment the hot path knows its cell's value in its stripe. When that
 * value is a power of two at or above the cut, it stores the key reference into a candidate
 * slot chosen by hash, overwriting whatever was there. A heavy key therefore offers itself about
 * log2(count / cut) times per stripe and epoch; a light key never reaches the cut unless sketch
 * noise lifts it (KeyBurst keeps the cut above twice the mean noise per cell). The sampler
 * drains the slots every tick.
 *
 * Confirmation. The sampler installs the best candidates in a 2-way set-associative watch
 * table (WATCH slots). A request of a watched key increments an exact, striped counter
 * (AtomicLongArray, stripe-major so stripes do not share cache lines) instead of the sketch;
 * the sampler moves those counts into `harvested` with getAndSet, so no request is lost.
 * Watched keys are left out of the sketch; the sampler adds their exact counts back into the
 * keyed total and the distinct count. Only exact counts
 * decide a signal, so a spoofed key lifted by sketch noise is watched for an epoch, counts ~1
 * and is evicted: it can never fire.
 *
 * Bounds. Everything is allocated in the constructor: 2 x 65 536 char cells (256 KiB), WATCH x
 * S longs, 16 x S longs, WATCH ints, CANDIDATES + WATCH references. A key longer than
 * Signal.MAX_KEY_LENGTH (256) is counted under its canonical form (Signal.canonicalKey: a
 * fixed-length prefix + SHA-256 of the whole key, the form its signal and the quarantine use), so
 * a flooder can neither hide behind a long key nor split its rate between a key and its canonical
 * form, and the references held here pin at most (CANDIDATES + WATCH) x 256 characters of client
 * keys whatever the number of distinct keys. That costs one SHA-256 and one allocation per
 * request with such a key: the sender pays more to send it.
 *
 * Threads. record(..) from any thread, total() from any thread (snapshots); every other method
 * from the sampler thread only.
 */
final class RequestRecorder {
  /** Sketch cells per generation, over all stripes (one row). */
  static final int GEN_CELLS = 65_536;
  static final int CANDIDATES = 512;
  static final int WATCH = 256;

  private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(char[].class);
  private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);
  private static final int SEED = 0x9E3779B9;
  /** A cell saturates here (16-bit cells; a key this heavy in one epoch is watched long before). */
  static final int CELL_MAX = 0xFFFF;
  /** The highest nomination cut: the largest power of two a cell can reach. */
  static final int MAX_CUT = 1 << 15;

  /** Longs between two stripes' keyed counters: two cache lines. */
  private static final int PAD_SHIFT = 4;

  private final LongAdder total = new LongAdder();
  private final int stripes;
  private final int stripeMask;
  private final int width; // cells per stripe
  private final int cellShift;
  private final int genCells; // stripes * width
  private final char[] cells;
  /** Requests counted in the sketch, per stripe, 16 longs apart (two cache lines). */
  private final long[] keyed;
  private final AtomicReferenceArray<@Nullable String> candidates =
      new AtomicReferenceArray<>(CANDIDATES);
  private final AtomicReferenceArray<@Nullable String> watch = new AtomicReferenceArray<>(WATCH);
  /**
   * hashCode() of the key in each watch slot (stale after unwatch): the hot path compares these
   * ints first and reads a watched String only on a match.
   */
  private final int[] watchHash = new int[WATCH];
  private final AtomicLongArray exact;

  /** Exact counts moved out of {@link #exact} by the sampler (part of the total). */
  private volatile long harvested;

  /** Keys in {@link #watch}: written by the sampler thread only, read by snapshots too. */
  private volatile int watchedCount;

  /** Generation bit (bit 0) and nomination cut (the rest): one volatile read on the hot path. */
  private volatile int state = 2 << 1;

  RequestRecorder() {
    this(Runtime.getRuntime().availableProcessors());
  }

  RequestRecorder(int processors) {
    int s = Integer.highestOneBit(Math.max(2, Math.min(16, 2 * processors)) * 2 - 1);
    this.stripes = s;
    this.stripeMask = s - 1;
    this.width = GEN_CELLS / s;
    this.cellShift = 32 - Integer.numberOfTrailingZeros(width);
    this.genCells = GEN_CELLS;
    this.cells = new char[2 * genCells];
    this.keyed = new long[s << PAD_SHIFT];
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
      } else if (key.length() <= Signal.MAX_KEY_LENGTH) {
        recordKey(key);
      } else {
        // counted under the one form its signal and the quarantine use, so that K and
        // canonicalKey(K) are one key here too (a flooder alternating them cannot halve its rate)
        recordKey(Signal.canonicalKey(key));
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
    int[] wh = watchHash;
    if (wh[b] == h && same(watch.getAcquire(b), key)) {
      exact.getAndIncrement(stripe * WATCH + b);
      return;
    }
    if (wh[b + 1] == h && same(watch.getAcquire(b + 1), key)) {
      exact.getAndIncrement(stripe * WATCH + b + 1);
      return;
    }
    int k = stripe << PAD_SHIFT;
    COUNT.setOpaque(keyed, k, (long) COUNT.getOpaque(keyed, k) + 1);
    int st = state;
    int c = bump((st & 1) * genCells + stripe * width + (h1 >>> cellShift), cells);
    if (c >= (st >>> 1) && (c & (c - 1)) == 0) {
      candidates.lazySet(candidateSlot(h1 * SEED), key);
    }
  }

  /** Equality with the cheap test first: same reference, then content. */
  @SuppressWarnings("ReferenceEquality") // deliberate fast path; equals() follows
  private static boolean same(@Nullable String watched, String key) {
    return watched != null && (watched == key || watched.equals(key));
  }

  /** Adds one to cell {@code i}, saturating at {@link #CELL_MAX}; returns the new value. */
  private static int bump(int i, char[] a) {
    int v = (char) CELL.getOpaque(a, i);
    if (v < CELL_MAX) {
      CELL.setOpaque(a, i, (char) ++v);
    }
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
   * Every request recorded so far (with and without key): the LongAdder, plus the stripes' keyed
   * counters, plus the exact counts harvested so far and those not harvested yet. On the sampler
   * thread it misses only the keyed increments lost to same-stripe races (see the design notes);
   * from another thread it may also miss the counts of a harvest running at the same instant.
   */
  long total() {
    long n = harvested;
    if (watchedCount > 0) {
      for (int slot = 0; slot < WATCH; slot++) {
        if (watch.get(slot) != null) {
          n += peek(slot); // an unwatched slot was harvested when it was emptied
        }
      }
    }
    return n + sketched() + total.sum();
  }

  /** Requests counted in the sketch so far (the stripes' keyed counters). */
  long sketched() {
    long n = 0;
    for (int i = 0; i < keyed.length; i += 1 << PAD_SHIFT) {
      n += (long) COUNT.getOpaque(keyed, i);
    }
    return n;
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
    int c = Integer.highestOneBit(Math.max(2, Math.min(MAX_CUT, cut)));
    state = (completed ^ 1) | (c << 1);
    return completed;
  }

  /** Sets the cut without flipping. */
  void cut(int cut) {
    int c = Integer.highestOneBit(Math.max(2, Math.min(MAX_CUT, cut)));
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
    for (int i = 0; i < width; i++) {
      boolean empty = true;
      for (int s = 0; s < stripes; s++) {
        int c = (char) CELL.getOpaque(cells, g + s * width + i);
        sum += c;
        empty &= c == 0;
      }
      if (empty) {
        zeros++;
      }
    }
    out[0] = sum;
    out[1] = zeros;
  }

  /** {@code key}'s cell within a stripe, as the hot path computes it. */
  private int cellOf(String key) {
    return mix(key.hashCode()) >>> cellShift;
  }

  /** Whether {@code key}'s cell is counted in some stripe of generation {@code gen}. */
  boolean inSketch(String key, int gen) {
    int i = gen * genCells + cellOf(key);
    for (int s = 0; s < stripes; s++) {
      if ((char) CELL.getOpaque(cells, i + s * width) != 0) {
        return true;
      }
    }
    return false;
  }

  /** Zeroes generation {@code gen} (not the current one). */
  void clear(int gen) {
    Arrays.fill(cells, gen * genCells, (gen + 1) * genCells, (char) 0);
  }

  /** The sketch estimate of {@code key} in generation {@code gen}: never below its true count. */
  long estimate(String key, int gen) {
    int i = gen * genCells + cellOf(key);
    long sum = 0;
    for (int s = 0; s < stripes; s++) {
      sum += (char) CELL.getOpaque(cells, i + s * width);
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

  /** Watch slots holding a key: when none, the sampler skips its passes over the table. */
  int watchedCount() {
    return watchedCount;
  }

  /** Starts exact counting of {@code key} in {@code slot}, replacing any key there. */
  @SuppressWarnings("NonAtomicVolatileUpdate") // written by the sampler thread only
  void watch(int slot, String key) {
    if (watch.getAndSet(slot, null) == null) {
      watchedCount++;
    }
    harvest(slot);
    watchHash[slot] = key.hashCode();
    watch.set(slot, key); // volatile write: publishes the hash with the key
  }

  /** Stops exact counting in {@code slot}; its count so far stays in the total. */
  @SuppressWarnings("NonAtomicVolatileUpdate") // written by the sampler thread only
  void unwatch(int slot) {
    if (watch.getAndSet(slot, null) != null) {
      watchedCount--;
    }
    harvest(slot); // a writer that saw the key just before is harvested by the slot's next watch
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
    return 2L * cells.length + 8L * keyed.length + 8L * exact.length() + 4L * WATCH
        + 4L * (CANDIDATES + WATCH);
  }
}
