package dev.argos.signals;

import dev.argos.core.Severity;
import dev.argos.core.internal.SafeText;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One line of a {@link ProblemRegistry} file: a signal as it was recorded, with the action taken
 * and where it happened. Immutable.
 *
 * @param ts when the signal was observed (its timestamp), UTC
 * @param severity the signal's severity
 * @param type the signal's type, e.g. {@code "burst"}
 * @param key the executor, client key or resource, or null
 * @param message the signal's sentence
 * @param data the signal's details (unmodifiable; numbers come back as {@code Integer}, {@code
 *     Long}, {@code Double} or big numbers as Jackson reads them)
 * @param problemKey {@code type + ":" + 16 hex digits}: equal for recurrences of the same problem,
 *     see {@link ProblemRegistry#problemKey(String, String, String)}
 * @param actionTaken what was done about it, {@code "none"} when nothing
 * @param actionResult how the action went ({@code "ok"} on success), null when no action
 * @param host the host name of the process that wrote the line
 * @param pid the id of the process that wrote the line
 * @param app the application name given to the registry
 */
public record ProblemRecord(
    Instant ts,
    Severity severity,
    String type,
    @Nullable String key,
    String message,
    Map<String, @Nullable Object> data,
    String problemKey,
    String actionTaken,
    @Nullable String actionResult,
    String host,
    long pid,
    String app) {

  /** Validates and freezes the fields. */
  public ProblemRecord {
    Objects.requireNonNull(ts, "ts");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(problemKey, "problemKey");
    Objects.requireNonNull(actionTaken, "actionTaken");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(app, "app");
    data = ProblemRecordCodec.freeze(data);
  }

  /** True when this record ends an episode ({@code data.state = "resolved"}). */
  public boolean isResolved() {
    return dev.argos.core.Signal.STATE_RESOLVED.equals(data.get(dev.argos.core.Signal.DATA_STATE));
  }

  /**
   * One line, safe to log: the key, message, action and host come from the file (client keys are
   * attacker text), so control characters are escaped and long values cut. The data map is left
   * out; read it from {@link #data()}.
   */
  @Override
  public String toString() {
    return "ProblemRecord["
        + ts
        + " "
        + severity
        + " "
        + SafeText.neutralise(type, 64)
        + (key == null ? "" : " key=\"" + SafeText.neutralise(key, 128) + "\"")
        + ": "
        + SafeText.neutralise(message, 256)
        + " problemKey="
        + SafeText.neutralise(problemKey, 96)
        + " action="
        + SafeText.neutralise(actionTaken, 64)
        + (actionResult == null ? "" : "/" + SafeText.neutralise(actionResult, 128))
        + " host="
        + SafeText.neutralise(host, 64)
        + " pid="
        + pid
        + " app="
        + SafeText.neutralise(app, 64)
        + "]";
  }
}
