package dev.argos.forensics;

/**
 * Something Argos does when an incident or a signal matches a condition: quarantine a key, shed
 * load, capture evidence, take a heap histogram ({@link Actions}), or your own.
 *
 * <p>Actions run under guardrails (an allowlist by name, a backoff of 0 / 60 / 300 s per target
 * then a 1 h cooldown, a dry-run mode), one at a time, on Argos's {@code argos-actions} threads,
 * never on the application's. Each run is published on {@code argos:action}.
 *
 * <p>Contract: return quickly. An action that throws is recorded as {@link
 * ActionResult#FAILURE} (its exception described by class and neutralised message) and never
 * propagates; an action that runs past the time limit (30 s by default) is interrupted and
 * recorded as a failure, and the next actions run on another thread.
 */
@FunctionalInterface
public interface Action {
  /**
   * Runs the action.
   *
   * @param context the trigger, the agent, the target; {@link ActionContext#note} adds details
   *     to the published record
   * @return {@link ActionResult#SUCCESS}, {@link ActionResult#FAILURE} or {@link
   *     ActionResult#SKIPPED} (nothing to do); null counts as a failure
   * @throws Exception recorded as a failure
   */
  ActionResult run(ActionContext context) throws Exception;
}
