package dev.argos.forensics;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * What became of one evidence capture: the bundle's directory, or why none was written. Exactly
 * one of the two is non-null.
 *
 * @param dir the bundle directory ({@code <evidenceDir>/<incident id>}) when one was written
 * @param skipped why none was written: {@value #COOLDOWN}, {@value #DISK_BUDGET}, {@value
 *     #FREE_SPACE}, {@value #DISABLED}, {@value #BUSY}, or {@code "failed: <what>"}
 */
record EvidenceResult(@Nullable Path dir, @Nullable String skipped) {
  /** Another capture was made less than the cooldown ago. */
  static final String COOLDOWN = "cooldown";
  /** The bundle alone is larger than the disk budget. */
  static final String DISK_BUDGET = "disk budget";
  /** The evidence directory's file system has less usable space than the floor. */
  static final String FREE_SPACE = "free space";
  /** No evidence directory is set, or the capture was closed. */
  static final String DISABLED = "disabled";
  /** A capture is running and another is already waiting. */
  static final String BUSY = "busy";

  /**
   * Checks that exactly one field is set.
   *
   * @throws IllegalArgumentException when both or neither are set
   */
  EvidenceResult {
    if ((dir == null) == (skipped == null)) {
      throw new IllegalArgumentException("exactly one of dir and skipped must be set");
    }
  }

  static EvidenceResult written(Path dir) {
    return new EvidenceResult(dir, null);
  }

  static EvidenceResult skippedBecause(String reason) {
    return new EvidenceResult(null, reason);
  }

  static EvidenceResult failed(String what) {
    return new EvidenceResult(null, "failed: " + what);
  }

  /** True when a bundle was written. */
  boolean captured() {
    return dir != null;
  }
}
