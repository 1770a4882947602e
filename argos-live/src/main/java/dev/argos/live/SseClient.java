package dev.argos.live;

import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * One event-stream client: a queue of frames bounded in count and bytes, filled by the
 * listeners (never blocking) and drained by the client's worker thread. A client whose queue
 * overflows is slow: it is dropped at once (its queue freed, its worker interrupted), never
 * waited for.
 */
final class SseClient {
  /** What {@link #take} returns when nothing came within the wait: time for a heartbeat. */
  static final byte[] IDLE = new byte[0];
  /** The close reason of a client dropped because its queue overflowed. */
  static final String SLOW = "slow";

  private final int maxFrames;
  private final long maxBytes;
  private final Watchdog.@Nullable Task task;
  private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
  private long pendingBytes;
  private boolean closed;
  private @Nullable String closeReason;

  SseClient(int maxFrames, long maxBytes, Watchdog.@Nullable Task task) {
    this.maxFrames = maxFrames;
    this.maxBytes = maxBytes;
    this.task = task;
  }

  /** Queues {@code frame}; drops the client (and returns false) when that would overflow. */
  boolean offer(byte[] frame) {
    synchronized (this) {
      if (closed) {
        return false;
      }
      if (queue.size() < maxFrames && pendingBytes + frame.length <= maxBytes) {
        queue.addLast(frame);
        pendingBytes += frame.length;
        notifyAll();
        return true;
      }
    }
    close(SLOW);
    return false;
  }

  /**
   * The next frame; {@link #IDLE} when none came within {@code waitNanos}; null once the client
   * is closed.
   */
  synchronized byte @Nullable [] take(long waitNanos) throws InterruptedException {
    long deadline = System.nanoTime() + waitNanos;
    while (!closed && queue.isEmpty()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return IDLE;
      }
      wait(left / 1_000_000L, (int) (left % 1_000_000L));
    }
    if (closed) {
      return null;
    }
    byte[] f = queue.removeFirst();
    pendingBytes -= f.length;
    return f;
  }

  /** Closes the client: frees its queue and interrupts its worker (a write may be blocked). */
  void close(String reason) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      closeReason = reason;
      queue.clear();
      pendingBytes = 0;
      notifyAll();
    }
    if (task != null) {
      task.abort();
    }
  }

  synchronized boolean isClosed() {
    return closed;
  }

  synchronized @Nullable String closeReason() {
    return closeReason;
  }

  synchronized long pendingBytes() {
    return pendingBytes;
  }
}
