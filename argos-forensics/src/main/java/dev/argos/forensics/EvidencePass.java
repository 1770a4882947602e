package dev.argos.forensics;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one evidence pass of {@link ThreadEvidence} saw over its window: immutable. Built on the
 * {@code argos-forensics} thread (or by hand in tests), read by the {@link Correlator}.
 *
 * @param atNanos when the pass ended, clock nanoTime
 * @param windowNanos how long the window the deltas cover was (0 on the first pass: no deltas)
 * @param threads the hottest threads of the window (CPU or allocation), at most a handful
 * @param allocatedBytes bytes allocated in the window by all the threads read
 * @param locks stalled threads waiting on a lock, with its owner
 * @param throttle the cgroup's CPU throttling in the window, null when unknown
 * @param stalledThreadIds the ids of the threads stalled executors name (for the thread dump)
 */
record EvidencePass(
    long atNanos,
    long windowNanos,
    List<ThreadUse> threads,
    long allocatedBytes,
    List<LockWait> locks,
    @Nullable Throttle throttle,
    List<Long> stalledThreadIds) {

  EvidencePass {
    threads = List.copyOf(threads);
    locks = List.copyOf(locks);
    stalledThreadIds = List.copyOf(stalledThreadIds);
  }

  EvidencePass(long atNanos, long windowNanos, List<ThreadUse> threads, long allocatedBytes,
      List<LockWait> locks, @Nullable Throttle throttle) {
    this(atNanos, windowNanos, threads, allocatedBytes, locks, throttle, List.of());
  }

  /**
   * One thread's use of the window.
   *
   * @param id the thread's id
   * @param name its name
   * @param cpuShare CPU time over the window's wall time (1.0 = one core all the time)
   * @param processShare its share of the CPU time all the threads read used in the window
   * @param allocatedBytes bytes it allocated in the window
   * @param stack its frames, innermost first, at most 32 (empty when not read)
   */
  record ThreadUse(
      long id, String name, double cpuShare, double processShare, long allocatedBytes,
      List<String> stack) {
    ThreadUse {
      stack = List.copyOf(stack);
    }
  }

  /**
   * A stalled thread waiting on a lock another thread holds ({@code ThreadInfo} lock owner).
   *
   * @param victim the stalled thread's name
   * @param lock the lock, as {@code ThreadInfo.getLockName()} gives it
   * @param ownerId the owner's thread id
   * @param owner the owner's name: the end of the chain of owners when the owner itself waits
   * @param ownerStack the owner's frames, innermost first, at most 32
   */
  record LockWait(String victim, String lock, long ownerId, String owner, List<String> ownerStack) {
    LockWait {
      ownerStack = List.copyOf(ownerStack);
    }
  }

  /**
   * The cgroup's CPU throttling over the window ({@code cpu.stat}).
   *
   * @param throttledNanos time the cgroup was throttled
   * @param periods periods it was throttled in
   */
  record Throttle(long throttledNanos, long periods) {}
}
