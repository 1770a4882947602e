package dev.argos.observers;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * One listener per GarbageCollectorMXBean turns each GC notification into a GcEvent in a small
 * ring (CAPACITY events). Notifications arrive on a JMX thread; consumers (the stall meter, the
 * heap sampler) read on the sampler thread with their own cursor (a sequence number), so every
 * consumer sees every event once without the monitor knowing its consumers. GC events are rare
 * (a few per second at most), so a monitor lock is cheap and keeps the ring simple. A consumer
 * that falls more than CAPACITY events behind loses the oldest ones.
 *
 * Time: GcInfo gives start and end in milliseconds of the GC's own time base (close to, but not,
 * RuntimeMXBean's uptime: 30 to 140 ms apart were measured). Each notification's arrival is
 * recorded (System.nanoTime() when it comes, GcEvent.arrivalNanos): the pause ended at or before
 * it. The first notification's arrival - end is the offset that maps every GC time onto nanoTime
 * (GC times then run late by that notification's latency, a millisecond or so, tens of ms on a
 * loaded machine; GcInfo rounds to whole ms). The offset is then kept constant, so that pauses
 * are placed consistently with one another: two collections back to back deliver both
 * notifications after the second (the JMX thread was stopped too), and the first is placed by
 * its own times, not by its late arrival. The stall meter calibrates what is left of the offset
 * (StopLog), each stall that one pause explains bounding it from the other side.
 *
 * Where com.sun.management is missing, available() is false and one warning is logged.
 */
final class GcMonitor implements AutoCloseable {
  /** Initialised at the first line logged, so SLF4J's start-up is not paid by createArgos. */
  private static final class Log {
    static final Logger LOG = LoggerFactory.getLogger(GcMonitor.class);
  }
  static final int CAPACITY = 256;

  /**
   * One collection; times in the System.nanoTime domain (or the manual clock's, in tests);
   * arrivalNanos is when its notification came (Long.MIN_VALUE when recorded by hand).
   */
  record GcEvent(
      long seq,
      String gcName,
      String action,
      String cause,
      long startNanos,
      long durationMs,
      boolean concurrent,
      long heapUsedBeforeBytes,
      long heapUsedAfterBytes,
      long heapMaxBytes,
      long arrivalNanos) {
    long endNanos() {
      return startNanos + TimeUnit.MILLISECONDS.toNanos(durationMs);
    }

    /** A stop-the-world pause (not a concurrent cycle). */
    boolean isPause() {
      return !concurrent;
    }
  }

  private final GcEvent[] ring = new GcEvent[CAPACITY];
  /** The first notification's arrival - GC end: maps GC times onto nanoTime; MAX_VALUE before. */
  private long offsetNanos = Long.MAX_VALUE;
  private long lastSeq;
  private final List<Runnable> cleanups = new ArrayList<>();
  private final boolean available;
  private final boolean manual;
  private boolean listening;
  private boolean closed;

  private GcMonitor(boolean available, boolean manual) {
    this.available = available;
    this.manual = manual;
  }

  /** A monitor fed only by {@link #record}, for deterministic tests. */
  static GcMonitor manual() {
    return new GcMonitor(false, true);
  }

  /**
   * A monitor of this JVM's collectors. It registers nothing until {@link #startListening()}, so
   * an Argos that is created and never started leaves no listener on the platform's MXBeans (and
   * nothing that they would keep alive). Never throws.
   */
  static GcMonitor forThisJvm() {
    try {
      Class.forName("com.sun.management.GarbageCollectionNotificationInfo");
    } catch (ClassNotFoundException | LinkageError e) {
      Log.LOG.warn("argos: com.sun.management is missing; GC pauses and the live set are not observed");
      return new GcMonitor(false, false);
    }
    return new GcMonitor(true, false);
  }

  /** A monitor of this JVM's collectors that listens at once (tests). */
  static GcMonitor start() {
    GcMonitor m = forThisJvm();
    m.startListening();
    return m;
  }

  /**
   * Registers the notification listeners, once; does nothing after {@link #close()}, for a manual
   * monitor, or where notifications are unavailable. Never throws: a failure is logged and GC
   * is then not observed.
   */
  synchronized void startListening() {
    if (!available || listening || closed) {
      return;
    }
    listening = true;
    try {
      listen();
    } catch (RuntimeException | LinkageError e) {
      Log.LOG.warn("argos: cannot listen to GC notifications; GC is not observed", e);
      removeListeners();
    }
  }

  /** Whether notification listeners are registered now. */
  synchronized boolean listening() {
    return listening && !cleanups.isEmpty();
  }

  private void listen() {
    Set<String> heapPools = new HashSet<>();
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        heapPools.add(p.getName());
      }
    }
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (!(gc instanceof NotificationEmitter emitter)) {
        continue;
      }
      NotificationListener listener =
          (Notification n, Object handback) -> onNotification(n, heapPools, System.nanoTime());
      emitter.addNotificationListener(listener, null, null);
      cleanups.add(
          () -> {
            try {
              emitter.removeNotificationListener(listener);
            } catch (Exception ignored) {
              // already removed
            }
          });
    }
  }

  private void onNotification(Notification n, Set<String> heapPools, long arrivalNanos) {
    try {
      if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
        return;
      }
      GarbageCollectionNotificationInfo info =
          GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
      GcInfo gi = info.getGcInfo();
      long before = heapSum(gi.getMemoryUsageBeforeGc(), heapPools, false);
      long after = heapSum(gi.getMemoryUsageAfterGc(), heapPools, false);
      long max = heapSum(gi.getMemoryUsageAfterGc(), heapPools, true);
      String name = info.getGcName();
      String cause = info.getGcCause();
      recordNotified(
          name,
          info.getGcAction(),
          cause,
          gi.getStartTime(),
          gi.getEndTime(),
          arrivalNanos,
          isConcurrent(name, cause),
          before,
          after,
          max);
    } catch (RuntimeException e) {
      Log.LOG.debug("argos: unreadable GC notification", e);
    }
  }

  private static long heapSum(Map<String, MemoryUsage> usage, Set<String> heapPools, boolean max) {
    long sum = 0;
    for (Map.Entry<String, MemoryUsage> e : usage.entrySet()) {
      if (heapPools.isEmpty() || heapPools.contains(e.getKey())) {
        long v = max ? e.getValue().getMax() : e.getValue().getUsed();
        if (v > 0) {
          sum += v;
        }
      }
    }
    return sum;
  }

  /** Concurrent cycles (ZGC/Shenandoah "Cycles" beans, "No GC") are not pauses. */
  static boolean isConcurrent(String gcName, String cause) {
    return "No GC".equals(cause)
        || gcName.endsWith("Cycles")
        || (gcName.startsWith("GPGC") && !gcName.endsWith("Pauses"));
  }

  /**
   * Appends one notified event: GcInfo's start and end ({@code startMs}, {@code endMs}, the GC's
   * own time base) and the notification's arrival ({@code arrivalNanos}, nanoTime), placed on
   * nanoTime by the first notification's arrival. Called by the JMX thread, or by tests.
   */
  synchronized void recordNotified(
      String gcName,
      String action,
      String cause,
      long startMs,
      long endMs,
      long arrivalNanos,
      boolean concurrent,
      long heapUsedBeforeBytes,
      long heapUsedAfterBytes,
      long heapMaxBytes) {
    long startRaw = TimeUnit.MILLISECONDS.toNanos(startMs);
    if (offsetNanos == Long.MAX_VALUE) {
      offsetNanos = arrivalNanos - TimeUnit.MILLISECONDS.toNanos(endMs);
    }
    append(gcName, action, cause, startRaw + offsetNanos, Math.max(0, endMs - startMs),
        concurrent, heapUsedBeforeBytes, heapUsedAfterBytes, heapMaxBytes, arrivalNanos);
  }

  /** nanoTime minus the GC's time base, from the first notification (0 before any). */
  synchronized long offsetNanos() {
    return offsetNanos == Long.MAX_VALUE ? 0 : offsetNanos;
  }

  /** Appends one event with its start on nanoTime (or the manual clock) as given; tests. */
  synchronized GcEvent record(
      String gcName,
      String action,
      String cause,
      long startNanos,
      long durationMs,
      boolean concurrent,
      long heapUsedBeforeBytes,
      long heapUsedAfterBytes,
      long heapMaxBytes) {
    return append(gcName, action, cause, startNanos, durationMs, concurrent,
        heapUsedBeforeBytes, heapUsedAfterBytes, heapMaxBytes, Long.MIN_VALUE);
  }

  private GcEvent append(
      String gcName,
      String action,
      String cause,
      long startNanos,
      long durationMs,
      boolean concurrent,
      long heapUsedBeforeBytes,
      long heapUsedAfterBytes,
      long heapMaxBytes,
      long arrivalNanos) {
    GcEvent e =
        new GcEvent(
            ++lastSeq,
            gcName,
            action,
            cause,
            startNanos,
            durationMs,
            concurrent,
            heapUsedBeforeBytes,
            heapUsedAfterBytes,
            heapMaxBytes,
            arrivalNanos);
    ring[(int) (e.seq() % CAPACITY)] = e;
    return e;
  }

  /** Events with a sequence number above {@code afterSeq}, oldest first (at most CAPACITY). */
  synchronized List<GcEvent> since(long afterSeq) {
    long from = Math.max(afterSeq + 1, lastSeq - CAPACITY + 1);
    if (from > lastSeq) {
      return List.of();
    }
    List<GcEvent> out = new ArrayList<>((int) (lastSeq - from + 1));
    for (long s = from; s <= lastSeq; s++) {
      GcEvent e = ring[(int) (s % CAPACITY)];
      if (e != null && e.seq() == s) {
        out.add(e);
      }
    }
    return out;
  }

  /** The sequence number of the newest event (0 before any). */
  synchronized long lastSeq() {
    return lastSeq;
  }

  /** Whether real GC notifications are observed. */
  boolean available() {
    return available;
  }

  /**
   * Whether GC figures must be polled from the standard MXBeans instead: a monitor of this JVM
   * that could not listen to notifications (com.sun.management missing), never a manual one.
   */
  boolean pollsMxBeansInstead() {
    return !available && !manual;
  }

  /** Removes the listeners; the monitor cannot listen again. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    removeListeners();
  }

  private void removeListeners() {
    for (Runnable r : cleanups) {
      r.run();
    }
    cleanups.clear();
  }
}
