package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import dev.argos.core.internal.SafeText;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * What a pinning is: the JDK's jdk.VirtualThreadPinned event, recorded when a virtual thread
 * parked (blocked) while it could not unmount from its carrier, for at least the threshold. Its
 * carrier thread was lost to the scheduler for that long. PinnedThreadSampler turns each event
 * into a Pinning; this class turns pinnings into signals, the way JvmStallSampler turns stalls
 * into signals (docs/lifecycle.md, "Episodes"):
 *
 * Key: the carrier thread's name when the event names it (JDK 24 and later: carrierThread), else
 * "virtual" (the scheduler). Carriers are few (the scheduler's pool: its parallelism, at most
 * its maxPoolSize, 256 by default), so keys and episodes are bounded; a virtual thread's name is
 * not (often empty, or one per request). Past MAX_KEYS running episodes, a pinning on another
 * carrier goes to the "virtual" episode (so MAX_KEYS + 1 at most).
 *
 * Episode per key: the first pinning opens it, one WARNING (CRITICAL at CRITICAL_FACTOR x the
 * threshold) with that pinning's figures (durationMs, thread, carrier, stack, blockingOperation,
 * pinnedReason) and the episode's so far (count, maxDurationMs, pinnedMs). Later pinnings of a
 * running episode are signalled only when it escalates: severity ("severity"), the count reaches
 * twice that of its last signal, from Episode.COUNT_STEP ("count": 4, 8, 16, ...), or a pinning at least
 * Episode.SIZE_FACTOR x the longest signalled ("size"). Others only count. After QUIET_NANOS with no
 * pinning on that key the episode resolves: INFO, count, maxDurationMs, pinnedMs, durationMs
 * from the first pinning's start to the last one's end. The flood guard of the bus protects it
 * further; a process pinning all the time gives O(log n) signals per carrier.
 *
 * Time: a pinning's end is placed on the clock's nanoTime by the caller (JFR gives wall-clock
 * instants; events arrive up to about a second late, at the stream's flush).
 *
 * Threads: one thread only (the stream's, argos-virtual-pinned; a test's), or after it ended.
 */
/** Pinned virtual threads as episodes of {@value VirtualThreads#TYPE_PINNED} signals. */
final class PinnedEpisodes {
  private static final Logger log = LoggerFactory.getLogger(PinnedEpisodes.class);

  /** Severity steps to CRITICAL at this multiple of the threshold. */
  static final int CRITICAL_FACTOR = 10;
  /** An episode resolves after this long without a pinning on its key. */
  static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** Episodes running at once at most (the default scheduler's maxPoolSize). */
  static final int MAX_KEYS = 256;
  /** Frames of a stack kept at most (then a "... n more" line). */
  static final int MAX_FRAMES = ExecutorWatchdog.MAX_FRAMES;
  /** Longest thread name kept. */
  static final int MAX_NAME = 128;

  /**
   * One pinning, as the JFR event told it.
   *
   * @param durationNanos how long the virtual thread was pinned (blocked on its carrier)
   * @param endNanos when the pinning ended, on the clock's nanoTime
   * @param thread the virtual thread's name, or {@code "#<id>"} when it has none
   * @param carrier the carrier thread's name (JDK 24 and later), or null
   * @param blockingOperation what blocked (JDK 24 and later: {@code "LockSupport.park"}), or null
   * @param pinnedReason why it could not unmount (JDK 24 and later), or null
   * @param stack the frames, at most {@link #MAX_FRAMES} plus a {@code "... n more"} line
   */
  record Pinning(
      long durationNanos,
      long endNanos,
      String thread,
      @Nullable String carrier,
      @Nullable String blockingOperation,
      @Nullable String pinnedReason,
      List<String> stack) {}

  private final Clock clock;
  private final SignalSink sink;
  private final long thresholdNanos;
  private final long quietNanos;
  private final Map<String, Run> runs = new LinkedHashMap<>();
  private long pinnings;

  PinnedEpisodes(Clock clock, SignalSink sink, long thresholdNanos, long quietNanos) {
    if (thresholdNanos <= 0 || quietNanos < 0) {
      throw new IllegalArgumentException(
          "threshold must be > 0 and quiet time >= 0 but were " + thresholdNanos + ", "
              + quietNanos);
    }
    this.clock = clock;
    this.sink = sink;
    this.thresholdNanos = thresholdNanos;
    this.quietNanos = quietNanos;
  }

  /** Pinnings seen so far (over the threshold). */
  long pinnings() {
    return pinnings;
  }

  /** Episodes running now. */
  int running() {
    return runs.size();
  }

  /** One pinning: counted, and signalled when it opens or escalates its key's episode. */
  void pinned(Pinning p) {
    if (p.durationNanos() < thresholdNanos) {
      return; // the stream's threshold filters these; a fed event is judged the same way
    }
    pinnings++;
    String key = key(p.carrier());
    Run run = runs.get(key);
    if (run != null && p.endNanos() - p.durationNanos() - run.lastEnd >= quietNanos) {
      resolve(run); // calm for the quiet time before this one began (it arrived late)
      run = null;
    }
    if (run == null) {
      if (runs.size() >= MAX_KEYS) {
        key = VirtualThreads.KEY; // one more episode at most: the scheduler's
      }
      run = runs.get(key);
      if (run == null) {
        run = new Run(key);
        runs.put(key, run);
      }
    }
    run.add(p);
  }

  /** Resolves the episodes calm for the quiet time at {@code nowNanos} (the clock's). */
  void calm(long nowNanos) {
    for (Iterator<Run> it = runs.values().iterator(); it.hasNext(); ) {
      Run r = it.next();
      if (nowNanos - r.lastEnd >= quietNanos) {
        it.remove();
        r.resolveSignal();
      }
    }
  }

  /** Resolves every running episode (Argos closes). */
  void closeAll() {
    List<Run> all = new ArrayList<>(runs.values());
    runs.clear();
    for (Run r : all) {
      r.resolveSignal();
    }
  }

  private void resolve(Run r) {
    runs.remove(r.key);
    r.resolveSignal();
  }

  /** The key of a pinning on {@code carrier}: its name, capped, or "virtual". */
  static String key(@Nullable String carrier) {
    return carrier == null || carrier.isEmpty()
        ? VirtualThreads.KEY
        : SafeText.cap(carrier, MAX_NAME);
  }

  /** The first frame that is not the JDK's parking machinery: where the code pinned. */
  static String where(List<String> stack) {
    for (String f : stack) {
      if (!f.startsWith("java.lang.VirtualThread.")
          && !f.startsWith("java.lang.System$")
          && !f.startsWith("java.lang.Thread.")
          && !f.startsWith("java.util.concurrent.locks.LockSupport.")
          && !f.startsWith("jdk.internal.")
          && !f.startsWith("...")) {
        return f;
      }
    }
    return stack.isEmpty() ? "unknown" : stack.get(0);
  }

  private void emit(Signal s) {
    try {
      sink.emit(s);
    } catch (RuntimeException e) {
      log.debug("argos: a sink threw", e);
    }
  }

  /** The running episode of one key. */
  private final class Run {
    final String key;
    final Episode episode;
    long count;
    long pinnedNanos;
    long lastEnd = Long.MIN_VALUE;
    long signalledCount;
    long signalledMaxNanos;

    Run(String key) {
      this.key = key;
      this.episode =
          Episode.of(VirtualThreads.TYPE_PINNED, key, clock)
              .peak(DataKeys.MAX_DURATION_MS)
              .fractionalMillis()
              .build();
    }

    void add(Pinning p) {
      long d = p.durationNanos();
      Severity level =
          d >= CRITICAL_FACTOR * thresholdNanos ? Severity.CRITICAL : Severity.WARNING;
      double ms = d / 1e6;
      Episode.Step step = episode.hold(level, ms, p.endNanos() - d, p.endNanos());
      count++;
      pinnedNanos += d;
      lastEnd = lastEnd == Long.MIN_VALUE ? p.endNanos() : Math.max(lastEnd, p.endNanos());
      String why = Episode.repeatSignal(step, count, signalledCount, true, d, signalledMaxNanos);
      if (why == null) {
        return; // one more pinning of the running episode: counted, not signalled
      }
      String escalation = why.equals(Episode.FIRST) ? null : why;
      signalledCount = count;
      signalledMaxNanos = Math.max(signalledMaxNanos, d);
      String thread = SafeText.neutralise(p.thread(), MAX_NAME);
      String carrier = p.carrier() == null ? "unknown" : SafeText.neutralise(p.carrier(), MAX_NAME);
      String where = SafeText.neutralise(where(p.stack()), 256);
      String how = p.pinnedReason() == null ? "" : " (" + SafeText.neutralise(p.pinnedReason(), 160) + ")";
      String message = escalation == null
          ? String.format(
              Locale.ROOT,
              "virtual thread %s was pinned to carrier %s for %.1f ms (threshold %d ms)%s at %s",
              thread, carrier, ms, TimeUnit.NANOSECONDS.toMillis(thresholdNanos), how, where)
          : String.format(
              Locale.ROOT,
              "virtual threads keep pinning carrier %s: %d pinnings in this episode, %.1f ms"
                  + " pinned, the longest %.1f ms; the last one %.1f ms (threshold %d ms),"
                  + " thread %s%s at %s",
              SafeText.neutralise(key, MAX_NAME), count, pinnedNanos / 1e6, episode.peak(), ms,
              TimeUnit.NANOSECONDS.toMillis(thresholdNanos), thread, how, where);
      Signal.Builder b =
          episode
              .signal(episode.severity()) // the episode's highest: an update never steps down
              .message(message)
              .data(DataKeys.DURATION_MS, Episode.round(ms))
              .data(DataKeys.THRESHOLD_MS, thresholdNanos / 1e6)
              .data(DataKeys.THREAD, p.thread())
              .data(DataKeys.CARRIER, p.carrier())
              .data(DataKeys.STACK, p.stack())
              .data(DataKeys.BLOCKING_OPERATION, p.blockingOperation())
              .data(DataKeys.PINNED_REASON, p.pinnedReason())
              .data(DataKeys.COUNT, count)
              .data(DataKeys.MAX_DURATION_MS, Episode.round(episode.peak()))
              .data(DataKeys.PINNED_MS, Episode.round(pinnedNanos / 1e6));
      if (escalation != null) {
        b.data(DataKeys.ESCALATION, escalation);
      }
      emit(b.build());
    }

    void resolveSignal() {
      if (!episode.active()) {
        return;
      }
      long n = count;
      double pinned = pinnedNanos / 1e6;
      double peak = episode.peak();
      emit(
          episode
              .resolve(lastEnd)
              .message(String.format(
                  Locale.ROOT,
                  "carrier %s runs without pinned virtual threads again: %d pinning%s, %.1f ms"
                      + " pinned, the longest %.1f ms",
                  SafeText.neutralise(key, MAX_NAME), n, n == 1 ? "" : "s", pinned, peak))
              .data(DataKeys.COUNT, n)
              .data(DataKeys.PINNED_MS, Episode.round(pinned))
              .data(DataKeys.THRESHOLD_MS, thresholdNanos / 1e6)
              .build());
    }
  }
}
