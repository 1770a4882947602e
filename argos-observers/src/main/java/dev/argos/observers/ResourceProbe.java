package dev.argos.observers;

/**
 * Reads the process's resource figures for {@link ResourceSampler}; the real one is {@link
 * OsResourceProbe}, tests inject their own. Called on the sampler thread only.
 */
interface ResourceProbe {
  /**
   * One reading; {@code -1} marks a figure this platform cannot give.
   *
   * @param fdOpen open file descriptors of this process
   * @param fdMax the process's descriptor limit (soft limit)
   * @param sockets descriptors that are sockets
   * @param threads live threads of this JVM
   * @param threadsMax the thread limit, or -1 when none is known (then no ratio is computed)
   */
  record Reading(long fdOpen, long fdMax, long sockets, long threads, long threadsMax) {}

  /** Reads every figure; never throws. */
  Reading read();

  /** Where the descriptor limit comes from, e.g. {@code "/proc/self/limits"}, or "". */
  default String fdLimitSource() {
    return "";
  }

  /** Where the thread limit comes from, e.g. {@code "cgroup pids.max"}, or "". */
  default String threadLimitSource() {
    return "";
  }
}
