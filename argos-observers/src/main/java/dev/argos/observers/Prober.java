package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.internal.SafeText;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * Why: submitting a probe calls the watched executor's execute(), which is user code and may
 * block (a full queue with a blocking-put rejection handler, a custom executor's back-pressure)
 * or ignore interrupts. The argos-sampler thread must never make that call, or one executor could
 * stop every detector. The prober makes it instead, on its own daemon thread, argos-prober.
 *
 * Queue: jobs go into a bounded ArrayBlockingQueue (no allocation per job); offer never blocks
 * and says false when the queue is full or the prober is closed. The watchdog gives each watch at
 * most one job in flight, so the queue never holds more than one job per watch.
 *
 * Hand-over: a job that has been running for `handOverNanos` (the eventLoopLag threshold: by then
 * the watchdog reports the executor stalled) is left to the thread running it. maintain(), called
 * by the watchdog on every check, renames that thread argos-prober-abandoned and starts a fresh
 * argos-prober for the other jobs; the abandoned thread ends as soon as the blocked call returns.
 * So one blocked executor delays the others' probes by at most the threshold plus one check. At
 * most MAX_ABANDONED threads are left blocked at once (one more may be left by close()); past
 * that the queue waits for one of them (and a warning is logged once).
 *
 * Threads: the thread starts on the first job (an Argos that watches nothing has none) and then
 * parks until a job comes (one wake-up per batch of jobs: the watchdog queues every due probe of
 * a check at once). It parks with LockSupport rather than waiting on the queue's lock: a thread
 * woken inside the lock its waker still holds would block again, and wake twice per job. close() interrupts it and waits up to
 * `joinNanos`, and interrupts the threads abandoned earlier; a thread still inside user code that
 * ignores interrupts is a daemon, named argos-prober-abandoned, and left to end when that call
 * returns: nothing else can end it. An execute() that honours interrupts (a blocking put that
 * turns InterruptedException into RejectedExecutionException) leaves no thread at all.
 */
final class Prober implements ProbeSubmitter {
  /** Initialised at the first line logged, so SLF4J's start-up is not paid by createArgos. */
  private static final class Log {
    static final Logger LOG = LoggerFactory.getLogger(Prober.class);
  }

  static final String THREAD_NAME = "argos-prober";
  /** The name of a thread left inside a blocked {@code execute()}. */
  static final String ABANDONED_NAME = "argos-prober-abandoned";
  static final int MAX_ABANDONED = 16;

  private final Clock clock;
  private final long handOverNanos;
  private final ArrayBlockingQueue<Runnable> queue;
  private final Object lock = new Object();
  // written under lock
  private volatile @Nullable Worker worker;
  private int abandoned;
  /** The threads left inside jobs (at most MAX_ABANDONED + 1). */
  private final List<Worker> stuck = new ArrayList<>();
  private volatile boolean closed;
  private boolean warnedFull;
  private long handOvers;

  Prober(Clock clock, long handOverNanos, int capacity) {
    this.clock = clock;
    this.handOverNanos = handOverNanos;
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  /** Queues {@code job} to run on the prober's thread; never blocks; false if full or closed. */
  @Override
  public boolean offer(Runnable job) {
    Worker w = worker;
    if (w != null && !closed) {
      // the common case, lock-free (the queue has its own lock, which the worker never waits
      // on): a thread is there to take it. A worker that ends meanwhile (close, hand-over)
      // leaves the job to close's clear or to the next worker, which maintain starts when the
      // queue is not empty.
      if (!queue.offer(job)) {
        return false;
      }
      if (w.idle) {
        LockSupport.unpark(w);
      }
      return true;
    }
    synchronized (lock) {
      if (closed || !queue.offer(job)) {
        return false;
      }
      Worker cur = worker;
      if (cur == null) {
        if (!startWorker()) {
          queue.remove(job);
          return false;
        }
      } else if (cur.idle) {
        LockSupport.unpark(cur);
      }
      return true;
    }
  }

  /**
   * Hands the queue to a fresh thread when the current one has been inside one job for the
   * hand-over time; {@code nowNanos} is the clock's time. Any thread (the watchdog's checks).
   */
  @Override
  public void maintain(long nowNanos) {
    Worker w = worker; // racy look first: this runs on every check
    if (w != null ? !w.busy || nowNanos - w.since < handOverNanos : queue.isEmpty()) {
      return;
    }
    synchronized (lock) {
      w = worker;
      if (closed) {
        return;
      }
      if (w == null) {
        startWorker(); // jobs queued while no thread was there (an offer racing a hand-over)
        return;
      }
      if (!w.busy || nowNanos - w.since < handOverNanos) {
        return;
      }
      if (abandoned >= MAX_ABANDONED) {
        if (!warnedFull) {
          warnedFull = true;
          Log.LOG.warn(
              "argos: {} probe submissions are blocked inside executors' execute(); "
                  + "other executors' probes wait until one returns",
              MAX_ABANDONED);
        }
        return;
      }
      abandon(w);
      handOvers++;
      if (!queue.isEmpty()) {
        startWorker(); // if it fails, the next check tries again
      }
    }
  }

  /** How many threads are left inside blocked jobs now. */
  int abandonedCount() {
    synchronized (lock) {
      return abandoned;
    }
  }

  /** How many times a blocked job was left to its thread. */
  long handOvers() {
    synchronized (lock) {
      return handOvers;
    }
  }

  /**
   * Stops the thread: drops queued jobs, interrupts it, waits up to {@code joinNanos}; a thread
   * still inside a job is abandoned (see the design notes). Idempotent.
   */
  @Override
  public void close(long joinNanos) {
    Worker w;
    List<Worker> left;
    synchronized (lock) {
      closed = true;
      queue.clear();
      w = worker;
      worker = null;
      left = new ArrayList<>(stuck);
    }
    for (Worker s : left) {
      s.interrupt(); // asks the blocked call to give up; one that ignores it is left as it is
    }
    if (w == null) {
      return;
    }
    w.interrupt();
    LockSupport.unpark(w);
    try {
      w.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinNanos)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (w.isAlive()) {
      synchronized (lock) {
        if (!w.abandoned) {
          abandon(w);
        }
      }
      Log.LOG.debug("argos: the prober is inside {}; left to end when it returns", w.describe());
    }
  }

  /** Starts a fresh thread; false if the JVM cannot (out of threads). Lock held. */
  private boolean startWorker() {
    try {
      Worker w = new Worker();
      w.start();
      worker = w;
      return true;
    } catch (OutOfMemoryError | SecurityException | IllegalThreadStateException e) {
      worker = null;
      Log.LOG.debug("argos: cannot start the prober thread", e);
      return false;
    }
  }

  // lock held
  private void abandon(Worker w) {
    w.abandoned = true;
    abandoned++;
    stuck.add(w);
    if (worker == w) {
      worker = null;
    }
    try {
      w.setName(ABANDONED_NAME);
    } catch (SecurityException e) {
      // keeps its name
    }
  }

  private void ended(Worker w) {
    synchronized (lock) {
      if (w.abandoned) {
        abandoned--;
        stuck.remove(w);
      } else if (worker == w) {
        worker = null;
      }
    }
  }

  private final class Worker extends Thread {
    // written under lock (read without it by maintain's first, racy look)
    volatile boolean abandoned;
    volatile boolean busy;
    volatile long since;
    volatile @Nullable Runnable current;
    /** Parked (or about to park) waiting for a job. */
    volatile boolean idle;

    Worker() {
      super(THREAD_NAME);
      setDaemon(true);
    }

    String describe() {
      Runnable r = current;
      return r == null ? "nothing" : SafeText.neutralise(r.toString(), 160);
    }

    @Override
    public void run() {
      try {
        while (true) {
          Runnable job = queue.poll();
          if (job == null) {
            // park until an offer unparks it; idle is set before the second look, and offer
            // looks at idle after queueing, so a job is never left without a wake-up
            idle = true;
            job = queue.poll();
            if (job == null) {
              LockSupport.park(this);
            }
            idle = false;
            if (closed) {
              return;
            }
            if (job == null) {
              Thread.interrupted(); // an interrupt that is not close()'s would make park spin
              continue;
            }
          }
          synchronized (lock) {
            if (closed) {
              return;
            }
            current = job;
            since = clock.nanoTime();
            busy = true;
          }
          try {
            job.run();
          } catch (Throwable t) {
            // jobs report their own outcome; this is a bug in one of them
            try {
              Log.LOG.debug("argos: a probe job threw", t);
            } catch (Throwable ignored) {
              // nothing left to do
            }
          }
          synchronized (lock) {
            busy = false;
            current = null;
            if (abandoned || closed) {
              return; // abandoned only while busy: it ends here, when the blocked call returns
            }
          }
          Thread.interrupted(); // an interrupt left by user code is not ours to keep
        }
      } finally {
        ended(this);
      }
    }
  }
}
