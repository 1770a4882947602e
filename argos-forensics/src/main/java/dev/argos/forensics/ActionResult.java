package dev.argos.forensics;

/**
 * The outcome of one action trigger, as recorded on {@code argos:action} ({@code data.result})
 * and in the problem registry ({@code actionResult}).
 */
public enum ActionResult {
  /** The action ran and did what it was for. */
  SUCCESS("success"),
  /** The action ran and failed: it threw, timed out, or said so. */
  FAILURE("failure"),
  /** The action did not run: not on the allowlist, or nothing to act on (a key-less trigger). */
  SKIPPED("skipped"),
  /** The guardrails held it back: backoff, or the cooldown after a loop was detected. */
  SUPPRESSED("suppressed"),
  /** Dry-run mode: the action would have run; it did not. */
  DRY_RUN("dryRun");

  private final String wireName;

  ActionResult(String wireName) {
    this.wireName = wireName;
  }

  /**
   * The name written to {@code data.result} and {@code actionResult}: {@code "success"}, {@code
   * "failure"}, {@code "skipped"}, {@code "suppressed"} or {@code "dryRun"}.
   */
  public String wireName() {
    return wireName;
  }
}
