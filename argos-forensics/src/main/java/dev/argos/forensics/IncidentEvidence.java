package dev.argos.forensics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The evidence gathered for one incident over its evidence passes: the hottest threads (by CPU
 * and by allocation), the lock owners of stalled threads, the cgroup's throttling. Bounded: at
 * most {@value #MAX_THREADS} threads and {@value #MAX_LOCKS} lock owners are kept (the coolest
 * thread makes room). Forensics thread only.
 */
final class IncidentEvidence {
  static final int MAX_THREADS = 16;
  static final int MAX_LOCKS = 8;

  /** One thread over the incident's passes. */
  static final class ThreadAgg {
    final String name;
    long id;
    double maxCpuShare;
    double maxProcessShare;
    long allocatedBytes;
    List<String> stack = List.of();

    ThreadAgg(String name, long id) {
      this.name = name;
      this.id = id;
    }
  }

  /** A lock owner and the stalled threads seen waiting on it. */
  static final class LockAgg {
    final String owner;
    long ownerId;
    String lock;
    List<String> ownerStack;
    final Set<String> victims = new LinkedHashSet<>();

    LockAgg(EvidencePass.LockWait w) {
      this.owner = w.owner();
      this.ownerId = w.ownerId();
      this.lock = w.lock();
      this.ownerStack = w.ownerStack();
    }
  }

  final Map<String, ThreadAgg> threads = new LinkedHashMap<>();
  final Map<String, LockAgg> locks = new LinkedHashMap<>();
  final Set<Long> stalledThreadIds = new LinkedHashSet<>();
  long allocatedBytes;
  long allocWindowNanos;
  long throttledNanos;
  long throttlePeriods;
  long throttleWindowNanos;
  int passes;

  void add(EvidencePass pass) {
    passes++;
    for (Long id : pass.stalledThreadIds()) {
      if (stalledThreadIds.size() < MAX_THREADS) {
        stalledThreadIds.add(id);
      }
    }
    if (pass.windowNanos() > 0) {
      allocatedBytes += pass.allocatedBytes();
      allocWindowNanos += pass.windowNanos();
      EvidencePass.Throttle t = pass.throttle();
      if (t != null) {
        throttledNanos += t.throttledNanos();
        throttlePeriods += t.periods();
        throttleWindowNanos += pass.windowNanos();
      }
    }
    for (EvidencePass.ThreadUse u : pass.threads()) {
      ThreadAgg a = threads.get(u.name());
      if (a == null) {
        if (threads.size() >= MAX_THREADS && !evictCoolest(u)) {
          continue;
        }
        a = new ThreadAgg(u.name(), u.id());
        threads.put(u.name(), a);
      }
      a.id = u.id();
      a.maxCpuShare = Math.max(a.maxCpuShare, u.cpuShare());
      if (u.cpuShare() >= Scorer.MIN_CORE_FOR_PROCESS_SHARE) {
        a.maxProcessShare = Math.max(a.maxProcessShare, u.processShare());
      }
      a.allocatedBytes += u.allocatedBytes();
      if (!u.stack().isEmpty()) {
        a.stack = u.stack();
      }
    }
    for (EvidencePass.LockWait w : pass.locks()) {
      LockAgg l = locks.get(w.owner());
      if (l == null) {
        if (locks.size() >= MAX_LOCKS) {
          continue;
        }
        l = new LockAgg(w);
        locks.put(w.owner(), l);
      }
      l.ownerId = w.ownerId();
      l.lock = w.lock();
      if (!w.ownerStack().isEmpty()) {
        l.ownerStack = w.ownerStack();
      }
      l.victims.add(w.victim());
    }
  }

  /** Drops the coolest kept thread if {@code u} is hotter; false when {@code u} is the coolest. */
  private boolean evictCoolest(EvidencePass.ThreadUse u) {
    Comparator<ThreadAgg> heat =
        Comparator.comparingDouble((ThreadAgg a) -> a.maxCpuShare)
            .thenComparingLong(a -> a.allocatedBytes);
    ThreadAgg coolest = threads.values().stream().min(heat).orElse(null);
    if (coolest == null
        || (coolest.maxCpuShare >= u.cpuShare() && coolest.allocatedBytes >= u.allocatedBytes())) {
      return false;
    }
    threads.remove(coolest.name);
    return true;
  }

  /**
   * Thread ids worth showing first in a thread dump: the stalled threads, the lock owners, then
   * the hottest threads.
   */
  List<Long> notableThreadIds() {
    List<Long> ids = new ArrayList<>(stalledThreadIds);
    for (LockAgg l : locks.values()) {
      ids.add(l.ownerId);
    }
    threads.values().stream()
        .sorted(Comparator.comparingDouble((ThreadAgg a) -> -a.maxCpuShare))
        .limit(4)
        .forEach(a -> ids.add(a.id));
    return ids;
  }
}
