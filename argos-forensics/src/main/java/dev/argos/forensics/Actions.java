package dev.argos.forensics;

import dev.argos.core.DataKeys;
import dev.argos.core.Signal;
import dev.argos.core.internal.Settings;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.jspecify.annotations.Nullable;

/**
 * The built-in {@link Action}s. Register them with {@code ForensicsConfig.builder().action(name,
 * condition, action)}; they run under the same guardrails as your own.
 *
 * <p>The built-ins need the context Argos runs them with (they reach the quarantine, the
 * load-shedding gate or the evidence capture through it): run by hand with another {@link
 * ActionContext}, they throw {@link IllegalStateException}.
 */
public final class Actions {
  /** Largest classes kept in a {@link #heapHistogram()} record. */
  public static final int HISTOGRAM_ROWS = 20;

  private static final Pattern ROW =
      Pattern.compile("\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(.+)");
  private static final Pattern TOTAL = Pattern.compile("Total\\s+(\\d+)\\s+(\\d+)\\s*");
  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

  // the incident's data keys (shared/DESIGN.md §8), named in DataKeys by the incidents' side
  private static final String ORIGIN = "origin";
  private static final String NAME = "name";
  private static final String EVIDENCE = "evidence";
  private static final String EVIDENCE_SKIPPED = "evidenceSkipped";

  /** An incident origin's name for a burst of all traffic (no client key). */
  private static final String ALL_TRAFFIC = "*";

  private Actions() {}

  /**
   * Quarantines the trigger's key (for the quarantine's default time-to-live, with the trigger's
   * severity): the client key of a {@code burst}, or, for an incident, its origin's name when the
   * origin is a key ({@code data.origin.kind = "key"}). {@link ActionResult#SKIPPED} when there
   * is no key (a burst of all traffic, origin name {@code "*"} and no key in the chain's origin
   *     step, has none), or when the quarantine refused it (an allowlisted key, or no quarantine
   * configured).
   */
  public static Action quarantineKey() {
    return context -> {
      ActionRunner.RunContext ctx = internal(context);
      String key = keyOf(ctx.trigger());
      if (key == null) {
        ctx.reason("no key to quarantine");
        return ActionResult.SKIPPED;
      }
      ctx.note("quarantined", key);
      boolean done =
          ctx.agent()
              .quarantine()
              .quarantine(
                  key,
                  ctx.trigger().severity(),
                  "argos action " + ctx.actionName() + " on " + ctx.trigger().type());
      if (!done) {
        ctx.reason("the quarantine refused the key (allowlisted, or no quarantine configured)");
        return ActionResult.SKIPPED;
      }
      return ActionResult.SUCCESS;
    };
  }

  /**
   * Opens the load-shedding gate for {@code duration} (extending it if already open): {@code
   * forensics.shedding()} answers true until then, and the application refuses or delays the
   * work it chooses to.
   *
   * @throws IllegalArgumentException if {@code duration} is not positive
   */
  public static Action shedLoad(Duration duration) {
    Settings.positive("shedLoad duration", duration);
    return context -> {
      ActionRunner.RunContext ctx = internal(context);
      ctx.gate().shedFor(duration);
      ctx.note(DataKeys.SHED_MS, duration.toMillis());
      return ActionResult.SUCCESS;
    };
  }

  /**
   * Captures an evidence bundle (thread dump, recent signals, the JFR recording) into the
   * evidence directory, under the capture's own guardrails (one per cooldown, disk budget,
   * free-space floor). The bundle is named after the incident for an incident trigger, else
   * {@code sig-<yyyyMMdd-HHmmss>-<6 hex>}. {@link ActionResult#SUCCESS} with {@code
   * data.evidence} the bundle's path; {@link ActionResult#SKIPPED} with the reason when the
   * capture was skipped (no evidence directory, cooldown...); the action waits for the bundle
   * within its time limit.
   */
  public static Action captureEvidence() {
    return context -> {
      ActionRunner.RunContext ctx = internal(context);
      EvidenceCapture capture = ctx.capture();
      if (capture == null) {
        ctx.reason("no evidence directory");
        return ActionResult.SKIPPED;
      }
      Signal t = ctx.trigger();
      String id =
          Signal.TYPE_INCIDENT.equals(t.type()) && t.key() != null
              ? t.key()
              : "sig-"
                  + ID_TIME.format(ctx.clock().instant())
                  + "-"
                  + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
      CompletableFuture<EvidenceResult> result = new CompletableFuture<>();
      capture.capture(id, asMap(t), ctx.recentSignals(), threadIdsOf(t), result::complete);
      EvidenceResult r;
      try {
        r = result.get(ctx.timeLimitNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        ctx.reason("the bundle was not written within the action's time limit");
        return ActionResult.FAILURE;
      }
      Object dir = r.dir();
      if (dir != null) {
        ctx.note(EVIDENCE, dir.toString());
        return ActionResult.SUCCESS;
      }
      String skipped = r.skipped() == null ? "unknown" : r.skipped();
      ctx.note(EVIDENCE_SKIPPED, skipped);
      ctx.reason("evidence skipped: " + skipped);
      return skipped.startsWith("failed") ? ActionResult.FAILURE : ActionResult.SKIPPED;
    };
  }

  /**
   * Takes a class histogram of the live heap (the {@code GC.class_histogram} diagnostic
   * command, through the {@code DiagnosticCommand} MBean), and records the {@value
   * #HISTOGRAM_ROWS} largest classes ({@code data.histogram}), the totals ({@code
   * data.totalBytes}, {@code data.totalInstances}) and how long it took ({@code data.pauseMs}).
   *
   * <p><b>It pauses the JVM</b>: it forces a full garbage collection and walks the whole heap at
   * a safepoint, every application thread stopped, for tens of milliseconds on a small heap and
   * seconds on a large one. Opt-in only: register it on rare, severe conditions. {@link
   * ActionResult#SKIPPED} on a JVM without the MBean.
   */
  public static Action heapHistogram() {
    return context -> {
      ActionRunner.RunContext ctx = internal(context);
      ObjectName name = new ObjectName("com.sun.management:type=DiagnosticCommand");
      var server = ManagementFactory.getPlatformMBeanServer();
      if (!server.isRegistered(name)) {
        ctx.reason("no DiagnosticCommand MBean in this JVM");
        return ActionResult.SKIPPED;
      }
      long start = System.nanoTime();
      Object out =
          server.invoke(
              name,
              "gcClassHistogram",
              new Object[] {new String[0]},
              new String[] {String[].class.getName()});
      ctx.note(DataKeys.PAUSE_MS, (System.nanoTime() - start) / 1_000_000);
      Histogram h = parseHistogram(String.valueOf(out));
      ctx.note(DataKeys.HISTOGRAM, h.rows());
      if (h.totalBytes() >= 0) {
        ctx.note(DataKeys.TOTAL_BYTES, h.totalBytes());
        ctx.note(DataKeys.TOTAL_INSTANCES, h.totalInstances());
      }
      return ActionResult.SUCCESS;
    };
  }

  /** The histogram's largest rows as {@code "<bytes> <instances> <class>"}, and its totals. */
  record Histogram(List<String> rows, long totalInstances, long totalBytes) {}

  static Histogram parseHistogram(String text) {
    List<String> rows = new ArrayList<>();
    long instances = -1;
    long bytes = -1;
    for (String line : text.split("\n", -1)) {
      Matcher m = ROW.matcher(line);
      if (m.matches()) {
        if (rows.size() < HISTOGRAM_ROWS) {
          rows.add(m.group(2) + " B, " + m.group(1) + " objects: " + m.group(3).trim());
        }
        continue;
      }
      Matcher t = TOTAL.matcher(line.trim());
      if (t.matches()) {
        instances = Long.parseLong(t.group(1));
        bytes = Long.parseLong(t.group(2));
      }
    }
    return new Histogram(List.copyOf(rows), instances, bytes);
  }

  private static ActionRunner.RunContext internal(ActionContext context) {
    if (context instanceof ActionRunner.RunContext c) {
      return c;
    }
    throw new IllegalStateException(
        "a built-in action needs the context Argos runs it with, not " + context.getClass().getName());
  }

  /** The key a quarantine should take: the trigger's, or an incident's key origin. */
  static @Nullable String keyOf(Signal trigger) {
    if (Signal.TYPE_INCIDENT.equals(trigger.type())) {
      Object origin = trigger.data().get(ORIGIN);
      if (origin instanceof Map<?, ?> m
          && "key".equals(m.get(DataKeys.KIND))
          && m.get(NAME) instanceof String name
          && !name.isEmpty()) {
        // "*" is also the name of a burst of all traffic (no key to quarantine): a client whose
        // key is "*" is told apart by the chain's origin step, which carries the burst's key
        return !ALL_TRAFFIC.equals(name) || chainOriginKeyIsStar(trigger) ? name : null;
      }
      return null;
    }
    return trigger.key();
  }

  /** Whether the incident's chain names a client whose key is literally {@code "*"}. */
  private static boolean chainOriginKeyIsStar(Signal incident) {
    if (incident.data().get(DataKeys.CHAIN) instanceof List<?> chain) {
      for (Object step : chain) {
        if (step instanceof Map<?, ?> m && "origin".equals(m.get(DataKeys.ROLE))) {
          return ALL_TRAFFIC.equals(m.get(DataKeys.KEY));
        }
      }
    }
    return false;
  }

  private static Map<String, @Nullable Object> asMap(Signal s) {
    Map<String, @Nullable Object> m = new java.util.LinkedHashMap<>();
    m.put("ts", s.timestamp().toString());
    m.put("severity", s.severity().name());
    m.put("type", s.type());
    m.put("source", s.source());
    m.put("key", s.key());
    m.put("message", s.message());
    m.put("data", s.data());
    return m;
  }

  /** The ids of live threads named in the trigger's {@code data.thread}, for threads.txt. */
  private static List<Long> threadIdsOf(Signal s) {
    Object name = s.data().get(DataKeys.THREAD);
    List<Long> ids = new ArrayList<>();
    if (name instanceof String n) {
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (n.equals(t.getName())) {
          ids.add(t.getId());
        }
      }
    }
    return ids;
  }
}
