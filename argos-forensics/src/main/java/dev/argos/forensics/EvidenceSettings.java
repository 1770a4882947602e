package dev.argos.forensics;

import dev.argos.core.internal.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The settings of {@link EvidenceCapture}: where bundles go and the guardrails around them.
 *
 * @param dir the evidence directory; null disables capture (every capture is skipped {@code
 *     "disabled"}, no thread and no JFR recording is started)
 * @param cooldown at most one capture per this period (default 5 min)
 * @param diskBudgetBytes most bytes all bundles in {@code dir} may take together; the oldest are
 *     removed first (default 512 MiB)
 * @param freeSpaceFloorBytes no capture while the file system of {@code dir} has fewer usable
 *     bytes than this (default 1 GiB; 0 disables the check)
 * @param jfr whether to keep a JFR recording running ({@link JfrRing}) and put it in each bundle
 *     (default true)
 * @param jfrMaxAge the JFR recording's maximum age (default 5 min)
 * @param jfrMaxSizeBytes the JFR recording's maximum size (default 64 MiB)
 */
record EvidenceSettings(
    @Nullable Path dir,
    Duration cooldown,
    long diskBudgetBytes,
    long freeSpaceFloorBytes,
    boolean jfr,
    Duration jfrMaxAge,
    long jfrMaxSizeBytes) {
  static final Duration DEFAULT_COOLDOWN = Duration.ofMinutes(5);
  static final long DEFAULT_DISK_BUDGET_BYTES = 512L * 1024 * 1024;
  static final long DEFAULT_FREE_SPACE_FLOOR_BYTES = 1024L * 1024 * 1024;
  static final Duration DEFAULT_JFR_MAX_AGE = Duration.ofMinutes(5);
  static final long DEFAULT_JFR_MAX_SIZE_BYTES = 64L * 1024 * 1024;

  /**
   * Checks every setting.
   *
   * @throws IllegalArgumentException naming the setting and the value when one is out of range:
   *     {@code evidenceCooldown} and {@code jfrMaxAge} must be positive, {@code
   *     evidenceDiskBudget} and {@code jfrMaxSize} at least 1 MiB, {@code freeSpaceFloor} not
   *     negative
   */
  EvidenceSettings {
    Settings.positive("evidenceCooldown", cooldown);
    Settings.positive("jfrMaxAge", jfrMaxAge);
    atLeast("evidenceDiskBudget", diskBudgetBytes, 1024 * 1024);
    atLeast("freeSpaceFloor", freeSpaceFloorBytes, 0);
    atLeast("jfrMaxSize", jfrMaxSizeBytes, 1024 * 1024);
  }

  /** The defaults, with bundles in {@code dir} (null: capture disabled). */
  static EvidenceSettings defaults(@Nullable Path dir) {
    return new EvidenceSettings(
        dir,
        DEFAULT_COOLDOWN,
        DEFAULT_DISK_BUDGET_BYTES,
        DEFAULT_FREE_SPACE_FLOOR_BYTES,
        true,
        DEFAULT_JFR_MAX_AGE,
        DEFAULT_JFR_MAX_SIZE_BYTES);
  }

  /** A copy with another directory. */
  EvidenceSettings withDir(@Nullable Path newDir) {
    return new EvidenceSettings(
        newDir, cooldown, diskBudgetBytes, freeSpaceFloorBytes, jfr, jfrMaxAge, jfrMaxSizeBytes);
  }

  private static void atLeast(String name, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be at least " + min + " but was " + value);
    }
  }

  @Override
  public String toString() {
    return "EvidenceSettings[dir=" + Objects.toString(dir) + ", cooldown=" + cooldown
        + ", diskBudgetBytes=" + diskBudgetBytes + ", freeSpaceFloorBytes=" + freeSpaceFloorBytes
        + ", jfr=" + jfr + ", jfrMaxAge=" + jfrMaxAge + ", jfrMaxSizeBytes=" + jfrMaxSizeBytes
        + "]";
  }
}
