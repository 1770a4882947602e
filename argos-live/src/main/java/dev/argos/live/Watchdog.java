package dev.argos.live;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/*
 * Design notes.
 *
 * The JDK's HttpServer reads a request and writes its response with blocking calls on the
 * worker thread, and has no per-server timeout (its sun.net.httpserver.* properties are
 * JVM-wide). A client that never sends its headers, or never reads, would hold a worker thread
 * forever. The connection's SocketChannel is an InterruptibleChannel: interrupting a thread
 * blocked in it closes the channel and the blocked call throws ClosedByInterruptException. So
 * every task the page's executor runs is registered here with a deadline; the page's own
 * thread calls check() several times a second and interrupts the thread of any task past its
 * deadline.
 *
 * Stale interrupts: an interrupt must never reach the next task the same pooled thread runs.
 * interrupt() happens under the task's monitor and only while the task is not done; end() sets
 * done under the same monitor and then clears the thread's interrupt status. So an interrupt is
 * either delivered while the task runs or not at all.
 */

/** Deadlines of the page's worker tasks; see the design notes. */
final class Watchdog {
  private static final ThreadLocal<@Nullable Task> CURRENT = new ThreadLocal<>();

  private final Set<Task> tasks = ConcurrentHashMap.newKeySet();
  private final long timeoutNanos;

  Watchdog(long timeoutNanos) {
    this.timeoutNanos = timeoutNanos;
  }

  /** Wraps a worker task: registered, armed with the timeout, and always ended. */
  Runnable wrap(Runnable r) {
    return () -> {
      Task t = new Task(Thread.currentThread());
      t.arm(System.nanoTime() + timeoutNanos);
      tasks.add(t);
      CURRENT.set(t);
      try {
        r.run();
      } finally {
        CURRENT.remove();
        tasks.remove(t);
        t.end();
      }
    };
  }

  /** The task the calling worker thread runs, or null off the page's executor. */
  static @Nullable Task current() {
    return CURRENT.get();
  }

  /** Gives the calling worker a fresh deadline ({@code timeout} from now). */
  void armCurrent() {
    Task t = CURRENT.get();
    if (t != null) {
      t.arm(System.nanoTime() + timeoutNanos);
    }
  }

  /** Takes the calling worker's deadline away (while it waits for something to send). */
  static void disarmCurrent() {
    Task t = CURRENT.get();
    if (t != null) {
      t.disarm();
    }
  }

  /** Interrupts the thread of every task past its deadline; returns how many. */
  int check(long nowNanos) {
    int n = 0;
    for (Task t : tasks) {
      if (t.expire(nowNanos)) {
        n++;
      }
    }
    return n;
  }

  /** Tasks running now. */
  int running() {
    return tasks.size();
  }

  /** One running task: its thread and its deadline. */
  static final class Task {
    private final Thread thread;
    private volatile boolean armed;
    private volatile long deadline;
    private boolean done;

    Task(Thread thread) {
      this.thread = thread;
    }

    void arm(long deadlineNanos) {
      deadline = deadlineNanos;
      armed = true;
    }

    void disarm() {
      armed = false;
    }

    synchronized boolean expire(long nowNanos) {
      if (done || !armed || nowNanos - deadline < 0) {
        return false;
      }
      armed = false;
      thread.interrupt();
      return true;
    }

    /** Interrupts the task's thread now, unless the task has ended or this is that thread. */
    synchronized void abort() {
      if (!done && Thread.currentThread() != thread) {
        thread.interrupt();
      }
    }

    void end() {
      synchronized (this) {
        done = true;
      }
      if (Thread.currentThread() == thread) {
        Thread.interrupted(); // a late interrupt of this task must not reach the next one
      }
    }
  }
}
