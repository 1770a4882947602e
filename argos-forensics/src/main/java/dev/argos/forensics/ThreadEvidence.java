package dev.argos.forensics;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/*
 * Design notes.
 *
 * One evidence pass, run on the argos-forensics thread only while an incident is open, at most
 * every evidenceInterval (500 ms by default):
 *
 *   - per-thread CPU time and allocated bytes (com.sun.management.ThreadMXBean's batch calls) for
 *     at most maxReads threads: the hottest of the previous pass first, then the rest in turn
 *     from a cursor that goes round the thread list pass after pass. A JVM with 5 000 threads
 *     thus pays maxReads (256 by default) reads per pass, twice a second, and only while an
 *     incident is open; every thread is read within ceil(5 000 / 256) passes, and a hot one keeps
 *     being read once seen. Deltas need two reads of one thread no older than STALE_NANOS;
 *   - stacks (32 frames) of the few hottest threads only (TOP_STACKS);
 *   - for each thread a stalled executor names: its ThreadInfo (no stack), and if it waits on a
 *     lock, the owner (followed through at most MAX_HOPS owners that themselves wait), with the
 *     owner's stack and locked monitors;
 *   - the cgroup's cpu.stat.
 *
 * The incident machinery's own threads (argos-forensics, argos-evidence, argos-actions*) are
 * left out: they work because an incident opened, so their CPU and allocation are effects.
 *
 * Nothing here is read while no incident is open; reset() drops the previous figures then, so a
 * delta never spans idle time.
 */
/** Reads the JVM's threads (and the cgroup) for an open incident; forensics thread only. */
final class ThreadEvidence {
  /** Previous figures older than this are a new baseline, not a delta. */
  static final long STALE_NANOS = 3_000_000_000L;
  /** Threads whose stacks a pass reads (the hottest by CPU, and by allocation). */
  static final int TOP_STACKS = 4;
  /** Owners followed when a lock owner itself waits on a lock. */
  static final int MAX_HOPS = 4;
  /** Threads of one name looked at for a lock (a pool's threads may share a name). */
  static final int MAX_SAME_NAME = 8;
  /** Threads enumerated to find stalled threads by name. */
  static final int MAX_ENUMERATED = 20_000;
  /** Name prefixes of the incident machinery's threads, left out of the evidence. */
  static final List<String> MACHINERY =
      List.of(Forensics.THREAD_NAME, EvidenceCapture.THREAD_NAME, ActionRunner.THREAD_NAME);

  private final ThreadMXBean mx;
  private final com.sun.management.@Nullable ThreadMXBean sun;
  private final boolean cpu;
  private final boolean alloc;
  private final int maxReads;
  private final CgroupCpu cgroup;
  private final Map<Long, long[]> previous = new HashMap<>();
  private final Set<Long> hot = new LinkedHashSet<>();
  private int cursor;
  private long lastPassNanos = -1;
  /** Reads made so far (per-thread CPU or allocation figures): for tests and docs. */
  private long reads;

  ThreadEvidence(int maxReads, CgroupCpu cgroup) {
    this.mx = ManagementFactory.getThreadMXBean();
    this.sun = mx instanceof com.sun.management.ThreadMXBean s ? s : null;
    this.cpu = safe(() -> mx.isThreadCpuTimeSupported() && mx.isThreadCpuTimeEnabled());
    com.sun.management.ThreadMXBean s = sun;
    this.alloc = s != null
        && safe(() -> s.isThreadAllocatedMemorySupported() && s.isThreadAllocatedMemoryEnabled());
    this.maxReads = maxReads;
    this.cgroup = cgroup;
  }

  private interface Check {
    boolean get();
  }

  private static boolean safe(Check c) {
    try {
      return c.get();
    } catch (RuntimeException | Error e) {
      return false;
    }
  }

  long reads() {
    return reads;
  }

  /** Forgets previous figures: the next pass is a baseline. */
  void reset() {
    previous.clear();
    hot.clear();
    lastPassNanos = -1;
    cgroup.reset();
  }

  /** One pass at {@code nowNanos}; never throws (what cannot be read is left out). */
  EvidencePass pass(Set<String> stalledThreads, long nowNanos) {
    long window = lastPassNanos >= 0 && nowNanos - lastPassNanos <= STALE_NANOS
        ? nowNanos - lastPassNanos : 0;
    lastPassNanos = nowNanos;
    List<EvidencePass.ThreadUse> threads = List.of();
    long allocated = 0;
    List<EvidencePass.LockWait> locks = List.of();
    List<Long> stalled = new ArrayList<>();
    try {
      long[] all = withoutSelf(mx.getAllThreadIds());
      long[] ids = pick(all);
      long[] cpuNow = cpuTimes(ids);
      long[] allocNow = allocated(ids);
      reads += ids.length;
      List<long[]> deltas = new ArrayList<>(); // {id, cpu delta, alloc delta}
      Map<Long, long[]> next = new HashMap<>();
      for (int i = 0; i < ids.length; i++) {
        long[] before = previous.get(ids[i]);
        if (before != null && window > 0 && nowNanos - before[2] <= STALE_NANOS) {
          long dt = nowNanos - before[2];
          long dc = cpuNow[i] >= 0 && before[0] >= 0 ? cpuNow[i] - before[0] : 0;
          long da = allocNow[i] >= 0 && before[1] >= 0 ? allocNow[i] - before[1] : 0;
          if (dt > 0 && (dc > 0 || da > 0)) {
            deltas.add(new long[] {ids[i], dc * 1_000_000 / dt, Math.max(0, da)});
          }
        }
        next.put(ids[i], new long[] {cpuNow[i], allocNow[i], nowNanos});
      }
      // keep figures of threads not read this pass while fresh (a later pass reads them again)
      Set<Long> alive = new HashSet<>();
      for (long id : all) {
        alive.add(id);
      }
      for (Map.Entry<Long, long[]> e : previous.entrySet()) {
        if (!next.containsKey(e.getKey()) && alive.contains(e.getKey())
            && nowNanos - e.getValue()[2] <= STALE_NANOS) {
          next.put(e.getKey(), e.getValue());
        }
      }
      previous.clear();
      previous.putAll(next);
      for (long[] d : deltas) {
        allocated += d[2];
      }
      threads = top(deltas);
      Map<String, List<Long>> byName = stalledThreads.isEmpty() ? Map.of() : threadIdsByName(stalledThreads);
      for (List<Long> named : byName.values()) {
        stalled.addAll(named);
      }
      locks = locks(byName);
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError v && !(e instanceof StackOverflowError)) {
        throw v;
      }
      // leave out what could not be read
    }
    EvidencePass.Throttle throttle = cgroup.delta();
    return new EvidencePass(nowNanos, window, threads, allocated, locks, throttle, stalled);
  }

  /**
   * The thread ids but those of the incident machinery: this (forensics) thread, whose reads are
   * the measurement, and the evidence and action threads, which work because an incident opened
   * (a bundle's JFR dump allocates and burns CPU after the symptom, not before it).
   */
  private static long[] withoutSelf(long[] ids) {
    Set<Long> machinery = new HashSet<>();
    machinery.add(Thread.currentThread().getId());
    forEachThread(t -> {
      if (isMachinery(t.getName())) {
        machinery.add(t.getId());
      }
    });
    return Arrays.stream(ids).filter(id -> !machinery.contains(id)).toArray();
  }

  /** Threads that work because an incident is open: never evidence of its cause. */
  static boolean isMachinery(String name) {
    for (String prefix : MACHINERY) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private static void forEachThread(java.util.function.Consumer<Thread> each) {
    ThreadGroup g = Thread.currentThread().getThreadGroup();
    while (g != null && g.getParent() != null) {
      g = g.getParent();
    }
    if (g == null) {
      return;
    }
    Thread[] threads = new Thread[Math.min(MAX_ENUMERATED, g.activeCount() * 2 + 16)];
    int n = g.enumerate(threads, true);
    for (int i = 0; i < n; i++) {
      each.accept(threads[i]);
    }
  }

  /** The ids to read: last pass's hottest first, then in turn from the cursor, maxReads at most. */
  private long[] pick(long[] all) {
    Set<Long> pick = new LinkedHashSet<>();
    Set<Long> present = new HashSet<>();
    for (long id : all) {
      present.add(id);
    }
    for (Long id : hot) {
      if (pick.size() < maxReads && present.contains(id)) {
        pick.add(id);
      }
    }
    if (all.length > 0) {
      int start = Math.floorMod(cursor, all.length);
      int i = 0;
      while (pick.size() < maxReads && i < all.length) {
        pick.add(all[(start + i) % all.length]);
        i++;
      }
      cursor = start + i;
    }
    long[] ids = new long[pick.size()];
    int k = 0;
    for (Long id : pick) {
      ids[k++] = id;
    }
    return ids;
  }

  private long[] cpuTimes(long[] ids) {
    if (!cpu) {
      return filled(ids.length);
    }
    com.sun.management.ThreadMXBean s = sun;
    if (s != null) {
      return s.getThreadCpuTime(ids);
    }
    long[] out = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = mx.getThreadCpuTime(ids[i]);
    }
    return out;
  }

  private long[] allocated(long[] ids) {
    com.sun.management.ThreadMXBean s = sun;
    return alloc && s != null ? s.getThreadAllocatedBytes(ids) : filled(ids.length);
  }

  private static long[] filled(int n) {
    long[] out = new long[n];
    Arrays.fill(out, -1);
    return out;
  }

  /** The hottest threads by CPU and by allocation, with names and stacks. */
  private List<EvidencePass.ThreadUse> top(List<long[]> deltas) {
    List<long[]> byCpu = new ArrayList<>(deltas);
    byCpu.sort(Comparator.comparingLong((long[] d) -> -d[1]));
    List<long[]> byAlloc = new ArrayList<>(deltas);
    byAlloc.sort(Comparator.comparingLong((long[] d) -> -d[2]));
    Map<Long, long[]> chosen = new HashMap<>();
    hot.clear();
    for (int i = 0; i < Math.min(TOP_STACKS, byCpu.size()); i++) {
      chosen.put(byCpu.get(i)[0], byCpu.get(i));
    }
    for (int i = 0; i < Math.min(TOP_STACKS, byAlloc.size()); i++) {
      chosen.put(byAlloc.get(i)[0], byAlloc.get(i));
    }
    for (int i = 0; i < Math.min(16, byCpu.size()); i++) {
      hot.add(byCpu.get(i)[0]);
    }
    if (chosen.isEmpty()) {
      return List.of();
    }
    long totalCpu = 0;
    for (long[] d : deltas) {
      totalCpu += d[1];
    }
    long[] ids = chosen.keySet().stream().mapToLong(Long::longValue).toArray();
    ThreadInfo[] infos = mx.getThreadInfo(ids, Scorer.MAX_FRAMES);
    List<EvidencePass.ThreadUse> out = new ArrayList<>();
    for (int i = 0; i < ids.length; i++) {
      ThreadInfo ti = infos[i];
      if (ti == null) {
        continue;
      }
      long[] d = chosen.get(ids[i]);
      if (d == null) {
        continue;
      }
      double processShare = totalCpu > 0 ? (double) d[1] / totalCpu : 0;
      out.add(new EvidencePass.ThreadUse(
          ids[i], ti.getThreadName(), d[1] / 1e6, processShare, d[2], frames(ti)));
    }
    return out;
  }

  /** The lock each stalled thread waits on, and who holds it (through owners that wait too). */
  private List<EvidencePass.LockWait> locks(Map<String, List<Long>> byName) {
    List<EvidencePass.LockWait> out = new ArrayList<>();
    for (Map.Entry<String, List<Long>> e : byName.entrySet()) {
      for (long id : e.getValue()) {
        ThreadInfo victim = mx.getThreadInfo(id);
        if (victim == null || victim.getLockOwnerId() < 0) {
          continue;
        }
        String lock = String.valueOf(victim.getLockName());
        long ownerId = victim.getLockOwnerId();
        Set<Long> seen = new HashSet<>();
        seen.add(id);
        for (int hop = 0; hop < MAX_HOPS; hop++) {
          ThreadInfo o = mx.getThreadInfo(ownerId);
          if (o == null || o.getLockOwnerId() < 0 || !seen.add(ownerId)
              || seen.contains(o.getLockOwnerId())) {
            break;
          }
          ownerId = o.getLockOwnerId();
        }
        ThreadInfo[] owner = mx.getThreadInfo(new long[] {ownerId}, true, true);
        if (owner.length == 1 && owner[0] != null) {
          out.add(new EvidencePass.LockWait(
              e.getKey(), lock, ownerId, owner[0].getThreadName(), frames(owner[0])));
        }
        break;
      }
    }
    return out;
  }

  private static Map<String, List<Long>> threadIdsByName(Set<String> names) {
    Map<String, List<Long>> out = new HashMap<>();
    forEachThread(t -> {
      String name = t.getName();
      if (names.contains(name)) {
        List<Long> ids = out.computeIfAbsent(name, k -> new ArrayList<>());
        if (ids.size() < MAX_SAME_NAME) {
          ids.add(t.getId());
        }
      }
    });
    return out;
  }

  static List<String> frames(ThreadInfo ti) {
    StackTraceElement[] st = ti.getStackTrace();
    List<String> out = new ArrayList<>(Math.min(st.length, Scorer.MAX_FRAMES));
    for (int i = 0; i < st.length && i < Scorer.MAX_FRAMES; i++) {
      out.add(st[i].toString());
    }
    return out;
  }
}
