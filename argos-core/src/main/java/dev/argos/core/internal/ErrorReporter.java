package dev.argos.core.internal;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The one place that reports Argos's own faults: each report is one {@code argos:error}
 * signal (type {@link Signal#TYPE_ERROR}) handed to a publisher and one WARN log line,
 * neutralised and bounded.
 *
 * <p>Rate limits: one report per <em>subject</em> (a listener, a filter, an observer, a flood
 * slot) per {@value #INTERVAL_SECONDS} s, and at most {@value #MAX_REPORTS_PER_INTERVAL}
 * reports in all per {@value #INTERVAL_SECONDS} s. What is held back is counted: the next
 * report of the subject carries {@link DataKeys#SUPPRESSED} and its log line says how many
 * were held back. At most {@value #MAX_SUBJECTS} subjects are remembered (least recently
 * reported forgotten first).
 *
 * <p>Thread-safe. Never throws from {@link #report} or {@link #admit}: a publisher or logger
 * that throws is ignored.
 *
 * <p>Not API: see the package documentation.
 */
public final class ErrorReporter {
  /** The per-subject interval, and the window of the overall limit, in seconds. */
  public static final int INTERVAL_SECONDS = 10;
  /** Most reports in all per interval. */
  public static final int MAX_REPORTS_PER_INTERVAL = 100;
  /** Most subjects remembered. */
  public static final int MAX_SUBJECTS = 4096;
  /** Longest message logged, in characters. */
  public static final int MAX_LOGGED_MESSAGE = 512;

  private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(INTERVAL_SECONDS);

  private final Clock clock;
  private final Supplier<Logger> log;
  private final Consumer<Signal> publisher;

  // guarded by subjects
  private final LinkedHashMap<String, Subject> subjects = new LinkedHashMap<>(64, 0.75f, true);
  private long budgetStart = Long.MIN_VALUE;
  private int budgetUsed;
  private long overBudget;
  private long suppressedTotal;

  /**
   * @param clock time of the rate limits and the signals' timestamps
   * @param log where the WARN lines go
   * @param publisher receives each report's signal (e.g. the bus's {@code argos:error}
   *     subscriptions); called on the reporting thread, must not block
   */
  public ErrorReporter(Clock clock, Logger log, Consumer<Signal> publisher) {
    this(clock, () -> log, publisher);
  }

  /**
   * As {@link #ErrorReporter(Clock, Logger, Consumer)}, the logger asked for at the first line
   * logged (so that SLF4J's start-up is not paid by whoever creates the reporter).
   */
  public ErrorReporter(Clock clock, Supplier<Logger> log, Consumer<Signal> publisher) {
    this.clock = clock;
    this.log = log;
    this.publisher = publisher;
  }

  /**
   * Reports a fault unless {@code subject} was reported within the interval or the overall
   * limit is spent. Returns the published signal, or null when it was held back (counted).
   *
   * @param kind what kind of fault ({@link DataKeys#KIND}), e.g. {@code "listenerFailed"}
   * @param subject what the rate limit is per (never shown)
   * @param message one sentence; neutralised before it is logged
   * @param cause a throwable to describe (class and neutralised message), or null
   * @param data extra data entries for the signal
   */
  public @Nullable Signal report(
      String kind,
      String subject,
      String message,
      @Nullable Throwable cause,
      Map<String, ?> data) {
    try {
      Admission a = admitSubject(subject);
      if (a == null) {
        return null;
      }
      Signal.Builder b =
          Signal.builder(Signal.TYPE_ERROR)
              .severity(Severity.WARNING)
              .timestamp(clock.instant())
              .source("argos")
              .message(message)
              .data(DataKeys.KIND, kind)
              .data(data);
      if (cause != null) {
        b.data(DataKeys.EXCEPTION, cause.getClass().getName());
        b.data(DataKeys.EXCEPTION_MESSAGE, Throwables.message(cause, 1024));
      }
      if (a.suppressed > 0) {
        b.data(DataKeys.SUPPRESSED, a.suppressed);
      }
      Signal s = b.build();
      logLine(message, a);
      publish(s);
      return s;
    } catch (Throwable t) { // reporting a fault must never become one
      return null;
    }
  }

  /** {@link #report(String, String, String, Throwable, Map)} without extra data. */
  public @Nullable Signal report(
      String kind, String subject, String message, @Nullable Throwable cause) {
    return report(kind, subject, message, cause, Map.of());
  }

  /**
   * Puts an {@code argos:error} signal made elsewhere (an observer's) through the same limits
   * (subject: its source, kind and key), logs it and returns it (with {@link
   * DataKeys#SUPPRESSED} when reports were held back), or null when it is held back. Does not
   * publish it: the caller delivers what is returned.
   */
  public @Nullable Signal admit(Signal error) {
    try {
      Object kind = error.data().get(DataKeys.KIND);
      String subject = error.source() + '\u0000' + kind + '\u0000' + error.key();
      Admission a = admitSubject(subject);
      if (a == null) {
        return null;
      }
      logLine(error.message(), a);
      return a.suppressed > 0
          ? error.toBuilder().data(DataKeys.SUPPRESSED, a.suppressed).build()
          : error;
    } catch (Throwable t) {
      return null;
    }
  }

  /** Reports held back so far. */
  public long suppressed() {
    synchronized (subjects) {
      return suppressedTotal;
    }
  }

  private @Nullable Admission admitSubject(String subject) {
    long now = clock.nanoTime();
    synchronized (subjects) {
      Subject sub = subjects.get(subject);
      if (sub != null && now - sub.last < INTERVAL_NANOS) {
        sub.suppressed++;
        suppressedTotal++;
        return null;
      }
      if (budgetStart == Long.MIN_VALUE || now - budgetStart >= INTERVAL_NANOS) {
        budgetStart = now;
        budgetUsed = 0;
      }
      if (budgetUsed >= MAX_REPORTS_PER_INTERVAL) {
        if (sub != null) {
          sub.suppressed++;
        }
        overBudget++;
        suppressedTotal++;
        return null;
      }
      budgetUsed++;
      if (sub == null) {
        if (subjects.size() >= MAX_SUBJECTS) {
          Iterator<Subject> it = subjects.values().iterator();
          it.next();
          it.remove();
        }
        sub = new Subject();
        subjects.put(subject, sub);
      }
      sub.last = now;
      Admission a = new Admission(sub.suppressed, overBudget);
      sub.suppressed = 0;
      overBudget = 0;
      return a;
    }
  }

  private void logLine(String message, Admission a) {
    try {
      String m = SafeText.neutralise(message, MAX_LOGGED_MESSAGE);
      if (a.suppressed == 0 && a.overBudget == 0) {
        log.get().warn("argos: {}", m);
      } else {
        log.get().warn(
            "argos: {} ({} similar reports held back in the last {} s; {} others over the limit"
                + " of {} reports per {} s)",
            m,
            a.suppressed,
            INTERVAL_SECONDS,
            a.overBudget,
            MAX_REPORTS_PER_INTERVAL,
            INTERVAL_SECONDS);
      }
    } catch (Throwable ignored) {
      // a broken logger must not stop the report
    }
  }

  private void publish(Signal s) {
    try {
      publisher.accept(s);
    } catch (Throwable ignored) {
      // the publisher is Argos's own; nothing more can be done here
    }
  }

  private static final class Subject {
    long last;
    long suppressed;
  }

  private record Admission(long suppressed, long overBudget) {}
}
