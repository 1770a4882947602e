package dev.argos.forensics;

import dev.argos.core.internal.SafeText;
import java.io.IOException;
import java.io.Writer;
import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code threads.txt} of an evidence bundle: every live platform thread's full stack with the
 * lock it waits on and that lock's owner, the monitors and ownable synchronizers it holds, in
 * the layout of {@code jstack} (so the tools that read {@code jstack} output mostly read it).
 *
 * <p>Order: the threads the caller names first (the stalled threads and the origin), in the
 * order given; then, transitively, the owners of the locks those threads wait on (the holder of
 * a lock is the cause of its waiters' stall); then every other thread by id. Deadlocks the JVM
 * detects are listed at the end.
 *
 * <p>Cost: one {@link ThreadMXBean#dumpAllThreads(boolean, boolean)} (a safepoint; a few
 * milliseconds for hundreds of threads) and one {@link ThreadMXBean#findDeadlockedThreads()}.
 * Thread names and frames are untrusted text and are neutralised.
 */
final class ThreadDump {
  /** Longest thread name written, in characters. */
  static final int MAX_NAME = 256;

  private ThreadDump() {}

  /** Writes the dump to {@code out}. */
  static void write(Writer out, Collection<Long> firstThreadIds, Instant at) throws IOException {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    ThreadInfo[] all =
        mx.dumpAllThreads(mx.isObjectMonitorUsageSupported(), mx.isSynchronizerUsageSupported());
    List<ThreadInfo> ordered = order(all, firstThreadIds);
    out.write(
        String.format(
            Locale.ROOT,
            "Argos thread dump at %s: %d threads (the stalled threads, the origin and the owners"
                + " of the locks they wait on first)%n%n",
            at,
            ordered.size()));
    for (ThreadInfo t : ordered) {
      writeThread(out, t, mx);
    }
    long @Nullable [] deadlocked =
        mx.isSynchronizerUsageSupported() ? mx.findDeadlockedThreads() : mx.findMonitorDeadlockedThreads();
    if (deadlocked != null && deadlocked.length > 0) {
      Map<Long, ThreadInfo> byId = byId(all);
      out.write("Deadlock found among " + deadlocked.length + " threads:\n");
      for (long id : deadlocked) {
        ThreadInfo t = byId.get(id);
        out.write(
            "  "
                + (t == null ? "#" + id : quoted(t))
                + (t != null && t.getLockOwnerName() != null
                    ? " waits for " + lockText(t.getLockInfo()) + " held by " + ownerText(t)
                    : "")
                + "\n");
      }
      out.write("\n");
    }
  }

  /** The threads in dump order: {@code first}, then the owners they wait on, then by id. */
  static List<ThreadInfo> order(@Nullable ThreadInfo[] all, Collection<Long> first) {
    Map<Long, ThreadInfo> byId = byId(all);
    LinkedHashMap<Long, ThreadInfo> out = new LinkedHashMap<>();
    for (Long id : first) {
      ThreadInfo t = id == null ? null : byId.get(id);
      if (t != null) {
        out.putIfAbsent(id, t);
      }
    }
    // the owners of the locks the first threads wait on, transitively (bounded by the count)
    List<ThreadInfo> frontier = new ArrayList<>(out.values());
    while (!frontier.isEmpty()) {
      List<ThreadInfo> next = new ArrayList<>();
      for (ThreadInfo t : frontier) {
        long owner = t.getLockOwnerId();
        ThreadInfo o = owner < 0 ? null : byId.get(owner);
        if (o != null && out.putIfAbsent(owner, o) == null) {
          next.add(o);
        }
      }
      frontier = next;
    }
    List<ThreadInfo> rest = new ArrayList<>();
    for (ThreadInfo t : byId.values()) {
      if (!out.containsKey(t.getThreadId())) {
        rest.add(t);
      }
    }
    rest.sort(Comparator.comparingLong(ThreadInfo::getThreadId));
    List<ThreadInfo> result = new ArrayList<>(out.values());
    result.addAll(rest);
    return result;
  }

  private static Map<Long, ThreadInfo> byId(@Nullable ThreadInfo[] all) {
    Map<Long, ThreadInfo> byId = new HashMap<>();
    for (ThreadInfo t : all) {
      if (t != null) { // a thread that died while being dumped
        byId.put(t.getThreadId(), t);
      }
    }
    return byId;
  }

  private static void writeThread(Writer out, ThreadInfo t, ThreadMXBean mx) throws IOException {
    StringBuilder sb = new StringBuilder(1024);
    sb.append(quoted(t));
    if (t.isDaemon()) {
      sb.append(" daemon");
    }
    sb.append(" prio=").append(t.getPriority());
    sb.append(" state=").append(t.getThreadState());
    long cpu = cpuNanos(mx, t.getThreadId());
    if (cpu >= 0) {
      sb.append(String.format(Locale.ROOT, " cpu=%.1fms", cpu / 1e6));
    }
    sb.append(" blocked=").append(t.getBlockedCount()).append(" waited=").append(t.getWaitedCount());
    if (t.isSuspended()) {
      sb.append(" (suspended)");
    }
    if (t.isInNative()) {
      sb.append(" (in native)");
    }
    sb.append('\n');
    LockInfo lock = t.getLockInfo();
    if (lock != null) {
      sb.append("   ").append(t.getThreadState() == Thread.State.BLOCKED ? "waiting to lock " : "waiting on ");
      sb.append(lockText(lock));
      if (t.getLockOwnerName() != null) {
        sb.append(" owned by ").append(ownerText(t));
      }
      sb.append('\n');
    }
    StackTraceElement[] stack = t.getStackTrace();
    MonitorInfo[] monitors = t.getLockedMonitors();
    for (int i = 0; i < stack.length; i++) {
      sb.append("\tat ").append(SafeText.neutralise(stack[i].toString(), 1024)).append('\n');
      if (i == 0 && lock != null) {
        String verb =
            switch (t.getThreadState()) {
              case BLOCKED -> "waiting to lock ";
              case WAITING, TIMED_WAITING -> "parking to wait for ";
              default -> "waiting on ";
            };
        if (t.getThreadState() != Thread.State.BLOCKED
            && stack[0].getClassName().equals("java.lang.Object")) {
          verb = "waiting on ";
        }
        sb.append("\t- ").append(verb).append(lockText(lock)).append('\n');
      }
      for (MonitorInfo m : monitors) {
        if (m.getLockedStackDepth() == i) {
          sb.append("\t- locked ").append(lockText(m)).append('\n');
        }
      }
    }
    LockInfo[] syncs = t.getLockedSynchronizers();
    if (syncs.length > 0) {
      sb.append("   Locked ownable synchronizers:\n");
      for (LockInfo s : syncs) {
        sb.append("\t- ").append(lockText(s)).append('\n');
      }
    }
    sb.append('\n');
    out.write(sb.toString());
  }

  private static long cpuNanos(ThreadMXBean mx, long id) {
    try {
      return mx.isThreadCpuTimeSupported() && mx.isThreadCpuTimeEnabled() ? mx.getThreadCpuTime(id) : -1;
    } catch (RuntimeException e) {
      return -1;
    }
  }

  static String quoted(ThreadInfo t) {
    return "\"" + SafeText.neutralise(t.getThreadName(), MAX_NAME) + "\" #" + t.getThreadId();
  }

  private static String ownerText(ThreadInfo t) {
    return "\"" + SafeText.neutralise(t.getLockOwnerName(), MAX_NAME) + "\" #" + t.getLockOwnerId();
  }

  private static String lockText(LockInfo lock) {
    return "<0x"
        + Integer.toHexString(lock.getIdentityHashCode())
        + "> (a "
        + SafeText.neutralise(lock.getClassName(), 512)
        + ")";
  }
}
