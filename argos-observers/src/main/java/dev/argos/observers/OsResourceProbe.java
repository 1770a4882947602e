package dev.argos.observers;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads descriptors and threads from the operating system. Probes each source once when built,
 * logs one message for what is missing, and skips it afterwards.
 *
 * <ul>
 *   <li>Open descriptors: on Linux, the entries of {@code /proc/self/fd} (a directory stream, not
 *       a listing into memory; the stream's own descriptor is not counted); elsewhere {@code
 *       com.sun.management.UnixOperatingSystemMXBean#getOpenFileDescriptorCount}. When the
 *       directory cannot be opened because the process is out of descriptors, the count is the
 *       limit itself.
 *   <li>Sockets: on Linux only, entries whose link reads {@code socket:[...]}, told apart on
 *       every {@link #SOCKETS_EVERY}-th read (the last count is returned in between) and not
 *       above {@link #SOCKET_SCAN_LIMIT} descriptors (-1), to bound the cost of one readlink per
 *       descriptor.
 *   <li>Descriptor limit: the soft "Max open files" of {@code /proc/self/limits}, else {@code
 *       getMaxFileDescriptorCount}; limits are re-read every {@link #LIMITS_EVERY}-th read.
 *   <li>Threads: {@link ThreadMXBean#getThreadCount()}; limit: the soft "Max processes" of
 *       {@code /proc/self/limits} when finite, else the cgroup {@code pids.max} when readable and
 *       finite, else none (no ratio).
 * </ul>
 */
final class OsResourceProbe implements ResourceProbe {
  /** Initialised at the first line logged, so SLF4J's start-up is not paid by createArgos. */
  private static final class Log {
    static final Logger LOG = LoggerFactory.getLogger(OsResourceProbe.class);
  }
  private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

  /** Above this many descriptors sockets are not told apart (one readlink per descriptor). */
  static final int SOCKET_SCAN_LIMIT = 4096;
  /** Sockets are told apart on every this many reads (a readlink per descriptor costs). */
  static final int SOCKETS_EVERY = 5;
  /** Limits are re-read on every this many reads (they change rarely: prlimit, cgroup edits). */
  static final int LIMITS_EVERY = 10;

  private final Path fdDir;
  private final Path limitsFile;
  private final boolean procFd;
  private final @Nullable UnixFds unixFds;
  private final @Nullable Path pidsMaxFile;
  private final ThreadMXBean threadBean;
  private final String fdLimitSource;
  private final String threadLimitSource;

  private final int socketsEvery;

  private long lastFdMax = -1;
  private long lastThreadsMax = -1;
  private long lastSockets = -1;
  private long reads;

  OsResourceProbe() {
    this(Path.of("/proc/self/fd"), Path.of("/proc/self/limits"), Path.of("/proc/self/cgroup"),
        Path.of("/sys/fs/cgroup"), SOCKETS_EVERY);
  }

  /** With other paths and socket cadence, for tests. */
  OsResourceProbe(Path fdDir, Path limitsFile, Path cgroupFile, Path cgroupRoot, int socketsEvery) {
    this.fdDir = fdDir;
    this.limitsFile = limitsFile;
    this.socketsEvery = Math.max(1, socketsEvery);
    this.threadBean = ManagementFactory.getThreadMXBean();
    this.procFd = Files.isDirectory(fdDir) && scan(false)[0] >= 0;
    UnixFds ux = UnixFds.probe();
    this.unixFds = ux;
    List<String> limits = readLines(limitsFile);
    long fdMax = softLimit(limits, "Max open files");
    String fdSource = "";
    if (fdMax > 0) {
      fdSource = limitsFile.toString();
    } else if (ux != null) {
      fdMax = ux.max();
      fdSource = fdMax > 0 ? "UnixOperatingSystemMXBean" : "";
    }
    this.fdLimitSource = fdSource;
    this.lastFdMax = fdMax;
    long procMax = softLimit(limits, "Max processes");
    Path pids = null;
    String threadSource = "";
    if (procMax > 0) {
      threadSource = limitsFile + " Max processes";
    } else {
      pids = findPidsMax(readLines(cgroupFile), cgroupRoot);
      if (pids != null) {
        threadSource = pids.toString();
      }
    }
    this.pidsMaxFile = pids;
    this.threadLimitSource = threadSource;
    this.lastThreadsMax = procMax > 0 ? procMax : (pids != null ? readPidsMax(pids) : -1);

    if (!procFd && unixFds == null) {
      once("argos: open file descriptors cannot be read on this platform; "
          + "resourceExhaustion for fileHandles and sockets is off", true);
    } else if (fdMax <= 0) {
      once("argos: the file descriptor limit cannot be read; fileHandles usage is not computed", true);
    }
    if (!procFd && unixFds != null) {
      once("argos: sockets cannot be told apart from other descriptors here; sockets are not observed", false);
    }
    if (threadSource.isEmpty()) {
      once("argos: no finite thread limit (Max processes, cgroup pids.max); threads usage is not computed", false);
    }
  }

  /** Logs each message once per JVM, however many Argos instances probe. */
  private static void once(String message, boolean warn) {
    if (LOGGED.add(message)) {
      if (warn) {
        Log.LOG.warn(message);
      } else {
        Log.LOG.info(message);
      }
    }
  }

  @Override
  public Reading read() {
    reads++;
    if (reads % LIMITS_EVERY == 1) {
      refreshLimits();
    }
    long fdOpen = -1;
    long sockets = -1;
    long fdMax = lastFdMax;
    if (procFd) {
      boolean withSockets = reads % socketsEvery == 1 || socketsEvery == 1;
      long[] r = scan(withSockets);
      fdOpen = r[0];
      if (withSockets) {
        lastSockets = r[1];
      }
      sockets = lastSockets;
      if (r[0] == -2) {
        // out of descriptors: the directory itself could not be opened
        fdOpen = fdMax;
      }
    } else if (unixFds != null) {
      fdOpen = unixFds.open(); // no /proc/self/fd: the MXBean's count
    }
    long threads;
    try {
      threads = threadBean.getThreadCount();
    } catch (RuntimeException e) {
      threads = -1;
    }
    return new Reading(fdOpen, fdMax, sockets, threads, lastThreadsMax);
  }

  @Override
  public String fdLimitSource() {
    return fdLimitSource;
  }

  @Override
  public String threadLimitSource() {
    return threadLimitSource;
  }

  /** Re-reads the limits; a limit that cannot be read keeps its last value. */
  private void refreshLimits() {
    boolean fromLimitsFile = fdLimitSource.equals(limitsFile.toString());
    boolean threadsFromLimitsFile = pidsMaxFile == null && !threadLimitSource.isEmpty();
    List<String> lines = fromLimitsFile || threadsFromLimitsFile ? readLines(limitsFile) : List.of();
    long v = -1;
    if (fromLimitsFile) {
      v = softLimit(lines, "Max open files");
    } else if (unixFds != null && !fdLimitSource.isEmpty()) {
      v = unixFds.max();
    }
    if (v > 0) {
      lastFdMax = v;
    }
    long t = -1;
    if (pidsMaxFile != null) {
      t = readPidsMax(pidsMaxFile);
    } else if (threadsFromLimitsFile) {
      t = softLimit(lines, "Max processes");
    }
    if (t > 0) {
      lastThreadsMax = t;
    }
  }

  /**
   * Counts the entries of the fd directory (minus the stream's own descriptor) and, when asked,
   * those that are sockets. Returns {open, sockets}; open is -1 when unreadable and -2 when the
   * process is out of descriptors; sockets is -1 when not counted.
   */
  private long[] scan(boolean withSockets) {
    long count = 0;
    long sockets = 0;
    boolean countSockets = withSockets;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(fdDir)) {
      for (Path p : ds) {
        count++;
        if (countSockets) {
          if (count > SOCKET_SCAN_LIMIT) {
            countSockets = false;
            continue;
          }
          try {
            if (Files.readSymbolicLink(p).toString().startsWith("socket:")) {
              sockets++;
            }
          } catch (NoSuchFileException e) {
            // closed between the listing and the readlink
          } catch (IOException | RuntimeException e) {
            // unreadable entry: not a socket as far as we can tell
          }
        }
      }
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      return new long[] {m.contains("too many open files") ? -2 : -1, -1};
    } catch (RuntimeException e) {
      return new long[] {-1, -1};
    }
    return new long[] {Math.max(0, count - 1), countSockets ? sockets : -1};
  }

  /** The soft limit named {@code name} in /proc/self/limits text; -1 when unlimited or absent. */
  static long softLimit(List<String> lines, String name) {
    for (String line : lines) {
      if (line.startsWith(name)) {
        String rest = line.substring(name.length()).trim();
        int sp = rest.indexOf(' ');
        String soft = sp < 0 ? rest : rest.substring(0, sp);
        try {
          long v = Long.parseLong(soft);
          return v > 0 ? v : -1;
        } catch (NumberFormatException e) {
          return -1; // "unlimited"
        }
      }
    }
    return -1;
  }

  /**
   * The cgroup {@code pids.max} file of this process, from /proc/self/cgroup lines ("0::/path"
   * for cgroup v2, "N:pids:/path" for v1), or null when none is readable and finite.
   */
  static @Nullable Path findPidsMax(List<String> cgroupLines, Path root) {
    List<Path> candidates = new ArrayList<>();
    for (String line : cgroupLines) {
      String[] parts = line.split(":", 3);
      if (parts.length < 3) {
        continue;
      }
      String rel = parts[2].startsWith("/") ? parts[2].substring(1) : parts[2];
      if (parts[1].isEmpty()) {
        candidates.add(root.resolve(rel).resolve("pids.max"));
      } else if (List.of(parts[1].split(",")).contains("pids")) {
        candidates.add(root.resolve("pids").resolve(rel).resolve("pids.max"));
      }
    }
    candidates.add(root.resolve("pids.max"));
    candidates.add(root.resolve("pids").resolve("pids.max"));
    for (Path c : candidates) {
      if (Files.isReadable(c) && readPidsMax(c) > 0) {
        return c;
      }
    }
    return null;
  }

  private static long readPidsMax(Path file) {
    try {
      String s = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).trim();
      return "max".equals(s) ? -1 : Long.parseLong(s);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static List<String> readLines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.US_ASCII);
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  /** com.sun.management's descriptor figures, loaded only where that API exists. */
  static final class UnixFds {
    private final OperatingSystemMXBean os;

    private UnixFds(OperatingSystemMXBean os) {
      this.os = os;
    }

    static @Nullable UnixFds probe() {
      try {
        Class<?> c = Class.forName("com.sun.management.UnixOperatingSystemMXBean");
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return c.isInstance(os) ? new UnixFds(os) : null;
      } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
        return null;
      }
    }

    long open() {
      try {
        return ((com.sun.management.UnixOperatingSystemMXBean) os).getOpenFileDescriptorCount();
      } catch (RuntimeException | LinkageError e) {
        return -1;
      }
    }

    long max() {
      try {
        return ((com.sun.management.UnixOperatingSystemMXBean) os).getMaxFileDescriptorCount();
      } catch (RuntimeException | LinkageError e) {
        return -1;
      }
    }
  }
}
