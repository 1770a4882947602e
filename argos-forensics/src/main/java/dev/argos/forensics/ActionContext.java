package dev.argos.forensics;

import dev.argos.core.Agent;
import dev.argos.core.Signal;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link Action} is run with. Valid only during {@link Action#run}; used by one thread.
 */
public interface ActionContext {
  /** The signal or incident (type {@code "incident"}) whose condition matched. */
  Signal trigger();

  /** The agent the actions belong to (its quarantine, its publish). */
  Agent agent();

  /** The name the action was registered under. */
  String actionName();

  /**
   * What the action is aimed at: the trigger's key (a client key, an executor, an incident id),
   * or null for a signal about all traffic. The guardrails count attempts per action and target.
   */
  @Nullable String target();

  /** Which attempt this is for this action and target: 1, 2 or 3. */
  int attempt();

  /**
   * Adds a detail to the data of the published {@code action} signal (at most 16 entries; the
   * names Argos sets itself, such as {@code result} and {@code target}, cannot be replaced).
   * Values are normalised as in {@link Signal.Builder#data(String, Object)}.
   */
  void note(String name, @Nullable Object value);
}
