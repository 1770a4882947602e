package dev.argos.forensics;

import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** One episode (DESIGN §7) as an incident knows it: from its signals; forensics thread only. */
final class EpisodeView {
  final String id;
  final String type;
  final @Nullable String key;
  /** When its first signal was stamped. */
  final Instant firstAt;
  /** When the condition began, as well as its signal tells (see {@link #onsetOf}). */
  final Instant onset;

  Severity severity;
  boolean ended;
  @Nullable Instant endedAt;
  /** From its firing signals (the latest that carried them). */
  @Nullable String thread;
  @Nullable String cause;
  @Nullable String gcName;
  @Nullable String gcCause;
  boolean executeBlocked;
  List<String> stack = List.of();

  EpisodeView(Signal first, String id) {
    this.id = id;
    this.type = first.type();
    this.key = first.key();
    this.firstAt = first.timestamp();
    this.onset = onsetOf(first);
    this.severity = first.severity();
    absorb(first);
  }

  /** Takes in a further firing or escalated signal of this episode. */
  void absorb(Signal s) {
    if (s.severity().compareTo(severity) > 0) {
      severity = s.severity();
    }
    Object t = s.data().get(DataKeys.THREAD);
    if (t instanceof String name) {
      thread = name;
    }
    Object c = s.data().get(DataKeys.CAUSE);
    if (c instanceof String text) {
      cause = text;
    }
    Object g = s.data().get(DataKeys.GC_NAME);
    if (g instanceof String text) {
      gcName = text;
    }
    Object gc = s.data().get(DataKeys.GC_CAUSE);
    if (gc instanceof String text) {
      gcCause = text;
    }
    if (Boolean.TRUE.equals(s.data().get(DataKeys.EXECUTE_BLOCKED))) {
      executeBlocked = true;
    }
    Object st = s.data().get(DataKeys.STACK);
    if (st instanceof List<?> frames && !frames.isEmpty()) {
      List<String> out = new ArrayList<>(Math.min(frames.size(), Scorer.MAX_FRAMES));
      for (Object f : frames) {
        if (out.size() == Scorer.MAX_FRAMES) {
          break;
        }
        out.add(String.valueOf(f));
      }
      stack = List.copyOf(out);
    }
  }

  /** Whether this is an executor's (not the JVM's) lag with a known thread, stuck in a task. */
  boolean stalledThread() {
    return Signal.TYPE_EVENT_LOOP_LAG.equals(type)
        && !"jvm".equals(key)
        && thread != null
        && !executeBlocked;
  }

  /** Whether this episode is something the operator sees (a lag, a resource running out). */
  boolean symptom() {
    return Signal.TYPE_EVENT_LOOP_LAG.equals(type) || Signal.TYPE_RESOURCE_EXHAUSTION.equals(type);
  }

  /**
   * When the condition began: a lag's signal comes {@code lagMs} after the work stopped; a
   * burst's after the {@code windowMs} its rate was measured over; anything else at its stamp.
   */
  static Instant onsetOf(Signal s) {
    String back =
        Signal.TYPE_EVENT_LOOP_LAG.equals(s.type())
            ? DataKeys.LAG_MS
            : Signal.TYPE_BURST.equals(s.type()) ? DataKeys.WINDOW_MS : null;
    if (back != null && s.data().get(back) instanceof Number n) {
      double ms = n.doubleValue();
      if (ms > 0 && ms < 3_600_000) {
        return s.timestamp().minusNanos((long) (ms * 1e6));
      }
    }
    return s.timestamp();
  }
}
