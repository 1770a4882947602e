package dev.argos.forensics;

import dev.argos.core.DataKeys;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Signals as the built-in detectors emit them, stamped at a manual clock's time. */
final class Signals {
  private final ManualClock clock;

  Signals(ManualClock clock) {
    this.clock = clock;
  }

  Signal burst(@Nullable String key, Severity severity, String episode) {
    return Signal.builder(Signal.TYPE_BURST)
        .severity(severity)
        .timestamp(clock.instant())
        .source("argos")
        .key(key)
        .message("burst")
        .data(DataKeys.RATE, 900.0)
        .data(DataKeys.WINDOW_MS, 1000L)
        .data(DataKeys.EPISODE, episode)
        .build();
  }

  Signal executorLag(String executor, String thread, Severity severity, String episode, double lagMs) {
    return Signal.builder(Signal.TYPE_EVENT_LOOP_LAG)
        .severity(severity)
        .timestamp(clock.instant())
        .source("argos")
        .key(executor)
        .message("lag")
        .data(DataKeys.LAG_MS, lagMs)
        .data(DataKeys.IN_PROGRESS, true)
        .data(DataKeys.THREAD, thread)
        .data(DataKeys.STACK, List.of("app.Work.step(Work.java:10)", "app.Work.run(Work.java:5)"))
        .data(DataKeys.CAUSE, "blocked")
        .data(DataKeys.EPISODE, episode)
        .build();
  }

  Signal jvmLag(Severity severity, String episode, double lagMs, String cause,
      @Nullable String gcName, @Nullable String gcCause) {
    return Signal.builder(Signal.TYPE_EVENT_LOOP_LAG)
        .severity(severity)
        .timestamp(clock.instant())
        .source("argos")
        .key("jvm")
        .message("jvm lag")
        .data(DataKeys.LAG_MS, lagMs)
        .data(DataKeys.IN_PROGRESS, false)
        .data(DataKeys.CAUSE, cause)
        .data(DataKeys.GC_NAME, gcName)
        .data(DataKeys.GC_CAUSE, gcCause)
        .data(DataKeys.EPISODE, episode)
        .build();
  }

  Signal resolved(String type, @Nullable String key, String episode) {
    return Signal.builder(type)
        .severity(Severity.INFO)
        .timestamp(clock.instant())
        .source("argos")
        .key(key)
        .message("resolved")
        .data(DataKeys.STATE, DataKeys.STATE_RESOLVED)
        .data(DataKeys.EPISODE, episode)
        .build();
  }

  static EvidencePass.ThreadUse thread(long id, String name, double cpu, long allocated) {
    return thread(id, name, cpu, 0, allocated);
  }

  static EvidencePass.ThreadUse thread(long id, String name, double cpu, double processShare, long allocated) {
    return new EvidencePass.ThreadUse(
        id, name, cpu, processShare, allocated, List.of("app." + name + ".spin(X.java:1)"));
  }

  static EvidencePass pass(long at, long window, List<EvidencePass.ThreadUse> threads, long allocated,
      List<EvidencePass.LockWait> locks, EvidencePass.@Nullable Throttle throttle) {
    return new EvidencePass(at, window, threads, allocated, locks, throttle);
  }
}
