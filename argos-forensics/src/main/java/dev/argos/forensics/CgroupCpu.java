package dev.argos.forensics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The cgroup's CPU throttling, from {@code cpu.stat}: cgroup v2 ({@code nr_throttled}, {@code
 * throttled_usec}) or v1 ({@code nr_throttled}, {@code throttled_time} in ns). Reads one small
 * file per evidence pass, only while an incident is open. Forensics thread only.
 */
final class CgroupCpu {
  private static final List<String> PLACES =
      List.of(
          "/sys/fs/cgroup/cpu.stat",
          "/sys/fs/cgroup/cpu/cpu.stat",
          "/sys/fs/cgroup/cpu,cpuacct/cpu.stat");
  private static final int MAX_LINES = 64;
  private static final Pattern SPACES = Pattern.compile("\\s+");

  private final @Nullable Path file;
  private long lastNanos = -1;
  private long lastPeriods = -1;

  CgroupCpu(@Nullable Path file) {
    this.file = file;
  }

  /** The first {@code cpu.stat} found in the usual places, or null (not in a cgroup we can read). */
  static @Nullable Path locate() {
    for (String p : PLACES) {
      Path path = Path.of(p);
      if (Files.isReadable(path)) {
        return path;
      }
    }
    return null;
  }

  /**
   * Throttling since the last call, or null when unknown (no file, unreadable, or the first
   * call: it only sets the baseline).
   */
  EvidencePass.@Nullable Throttle delta() {
    if (file == null) {
      return null;
    }
    long[] now = read(file);
    if (now == null) {
      return null;
    }
    long prevNanos = lastNanos;
    long prevPeriods = lastPeriods;
    lastNanos = now[0];
    lastPeriods = now[1];
    if (prevNanos < 0 || now[0] < prevNanos || now[1] < prevPeriods) {
      return null;
    }
    return new EvidencePass.Throttle(now[0] - prevNanos, now[1] - prevPeriods);
  }

  /** Forgets the baseline (between incidents, so a delta never spans idle time). */
  void reset() {
    lastNanos = -1;
    lastPeriods = -1;
  }

  /** {throttled nanoseconds, throttled periods}, or null when the file says neither. */
  static long @Nullable [] read(Path file) {
    try {
      long nanos = -1;
      long periods = -1;
      List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
      for (String line : lines.subList(0, Math.min(lines.size(), MAX_LINES))) {
        String[] parts = SPACES.split(line.trim());
        if (parts.length != 2) {
          continue;
        }
        long v;
        try {
          v = Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
          continue;
        }
        switch (parts[0]) {
          case "nr_throttled" -> periods = v;
          case "throttled_usec" -> nanos = v * 1000;
          case "throttled_time" -> nanos = v;
          default -> { }
        }
      }
      return nanos >= 0 && periods >= 0 ? new long[] {nanos, periods} : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
