package dev.argos.forensics;

import java.util.Objects;
import java.util.function.Predicate;
import dev.argos.core.Signal;

/**
 * One registered action: its name (for the allowlist, the backoff and the record), the condition
 * on a signal or incident that triggers it, and the action.
 */
record ActionSpec(String name, Predicate<Signal> condition, Action action) {
  /**
   * Checks the fields.
   *
   * @throws IllegalArgumentException when the name is not 1 to 64 letters, digits, {@code . _ -}
   */
  ActionSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(condition, "condition");
    Objects.requireNonNull(action, "action");
    if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(
          "action name must be 1-64 letters, digits, '.', '_' or '-' but was \""
              + dev.argos.core.internal.SafeText.neutralise(name, 80)
              + "\"");
    }
  }
}
