package dev.argos.examples;

import dev.argos.core.DataKeys;
import dev.argos.core.Signal;
import dev.argos.core.internal.SafeText;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Prints what the demo's listeners receive so that a newcomer sees each kind of signal once,
 * explained in one line: the first episode of each kind (its start, escalations and end) is
 * printed; later episodes of a kind already shown (the JVM stalls of the demo's own {@code
 * System.gc()} calls, mostly) are counted and listed at the end. Argos's own faults are always
 * printed. Thread-safe (listeners run on the agent's pool threads).
 */
final class DemoNarrator {
  /** {@code data.gcCause} of a JVM stall caused by an explicit {@code System.gc()}. */
  static final String SYSTEM_GC = "System.gc()";

  private final Consumer<String> out;
  /** Kinds shown, in order, with whether their first episode is still open. */
  private final Map<String, Boolean> shownOpen = new LinkedHashMap<>();
  /** Signals of kinds already shown but not printed, by label. */
  private final Map<String, Integer> notPrinted = new TreeMap<>();
  /** The kind of the last starting signal per type, key and reason, for its resolved signal. */
  private final Map<String, String> kindOfOpen = new HashMap<>();
  private final Map<String, Integer> byType = new TreeMap<>();
  private int printed;

  DemoNarrator(Consumer<String> out) {
    this.out = out;
  }

  /** One signal from {@code topic}; {@code label} is what the line starts with. */
  synchronized void onSignal(String label, Signal s) {
    byType.merge(s.type(), 1, Integer::sum);
    if (Signal.TYPE_ERROR.equals(s.type())) {
      print(label, s, "Argos's own fault, reported on argos:error instead of being thrown");
      return;
    }
    String base = s.type() + '|' + s.key() + '|' + s.data().get(DataKeys.REASON);
    String kind;
    if (s.isResolved()) {
      String open = kindOfOpen.remove(base);
      kind = open != null ? open : kindOf(s);
    } else {
      kind = kindOf(s);
      kindOfOpen.put(base, kind);
    }
    Boolean open = shownOpen.get(kind);
    if (open == null) {
      shownOpen.put(kind, !s.isResolved());
      print(label, s, explain(s));
    } else if (open) {
      if (s.isResolved()) {
        shownOpen.put(kind, false);
      }
      print(label, s, null);
    } else {
      notPrinted.merge(describe(kind), 1, Integer::sum);
    }
  }

  /** Lines for the end of the demo: what was delivered and what was not printed. */
  synchronized List<String> summary() {
    List<String> lines = new ArrayList<>();
    int total = byType.values().stream().mapToInt(Integer::intValue).sum();
    lines.add("signals delivered: " + total + " " + byType + "; printed above: " + printed);
    notPrinted.forEach(
        (what, n) -> lines.add("  not printed (a kind already shown): " + n + " signal(s) of " + what));
    return lines;
  }

  /** The kind a signal belongs to: one is printed in full, later episodes only counted. */
  static String kindOf(Signal s) {
    String type = s.type();
    String reason = String.valueOf(s.data().get(DataKeys.REASON));
    return switch (type) {
      case Signal.TYPE_EVENT_LOOP_LAG -> {
        if (!"jvm".equals(s.key())) {
          yield String.valueOf(s.data().get(DataKeys.STACK)).contains("slowReport")
              ? "lag|executor|report"
              : "lag|executor";
        }
        Object cause = s.data().get(DataKeys.CAUSE);
        if ("gc".equals(cause)) {
          yield SYSTEM_GC.equals(s.data().get("gcCause")) ? "lag|jvm|System.gc()" : "lag|jvm|gc";
        }
        yield "lag|jvm|" + cause;
      }
      case Signal.TYPE_BURST -> s.key() == null ? "burst|all" : "burst|client";
      case Signal.TYPE_QUARANTINE -> "quarantine|" + s.data().get("action");
      default -> type + '|' + s.key() + '|' + reason;
    };
  }

  private static String describe(String kind) {
    return switch (kind) {
      case "lag|jvm|System.gc()" -> "JVM stalls caused by the demo's own System.gc() calls (start and end)";
      case "lag|jvm|gc" -> "JVM stalls caused by other garbage collections (start and end)";
      case "lag|executor|report" -> "event-loop stalls of GET /report";
      case "lag|executor" -> "event-loop stalls with another cause";
      case "lag|jvm|unknown" -> "JVM stalls that no GC explains (start and end)";
      default -> kind.replace('|', ' ');
    };
  }

  /** One line saying what happened and why, with the signal's own figures. */
  static String explain(Signal s) {
    Map<String, @Nullable Object> d = s.data();
    String kind = kindOf(s);
    if (s.isResolved()) {
      return "the end of an episode that began before this demo's listeners saw it";
    }
    return switch (kind) {
      case "lag|executor|report" ->
          "GET /report blocks " + s.key() + "'s only thread; Argos reports it while it is still"
              + " stuck, naming the thread and the frame it waits in (data.stack)";
      case "lag|executor" ->
          String.valueOf(d.get(DataKeys.STACK)).contains("Unsafe.park")
              ? s.key() + " was late by " + num(d.get(DataKeys.LAG_MS)) + " ms although its thread"
                  + " was idle, waiting for work: the thread did not get a CPU in time"
                  + loadAverage()
              : s.key() + " was late by " + num(d.get(DataKeys.LAG_MS)) + " ms: its thread was busy"
                  + " where the message says (not in the demo's GET /report)";
      case "lag|jvm|System.gc()" ->
          "the demo's own System.gc() (the leak below forces a full GC each second so that the live"
              + " set is measured) stopped every thread for " + d.get(DataKeys.GC_PAUSE_MS)
              + " ms; a JVM-wide pause is reported when it ends. Later ones are only counted";
      case "lag|jvm|gc" ->
          "a garbage collection (" + d.get("gcName") + ", " + d.get("gcCause") + ") stopped every"
              + " thread for " + d.get(DataKeys.GC_PAUSE_MS) + " ms";
      case "burst|client" ->
          "one client key alone sends " + num(d.get(DataKeys.RATE)) + " requests/s, "
              + num(d.get(DataKeys.MULTIPLIER)) + " x what a typical key sends: the flooder";
      case "burst|all" ->
          "all clients together send " + num(d.get(DataKeys.RATE)) + " requests/s against a learned "
              + num(d.get(DataKeys.BASELINE_RATE)) + "/s";
      case "quarantine|quarantined" ->
          "the agent's default hook quarantines the key of a per-key burst; the service now answers"
              + " it 429 (isQuarantined(key) on the hot path)";
      default -> explainOther(s, d);
    };
  }

  private static String explainOther(Signal s, Map<String, @Nullable Object> d) {
    Object reason = d.get(DataKeys.REASON);
    if (Signal.TYPE_EVENT_LOOP_LAG.equals(s.type())) {
      return "every thread of the JVM stopped for " + num(d.get(DataKeys.LAG_MS)) + " ms and no GC"
          + " explains it: a safepoint (class loading, JIT deoptimisation, a thread dump) or the OS"
          + " not giving this process a CPU (a busy machine)" + loadAverage();
    }
    if (Signal.TYPE_MEMORY_PRESSURE.equals(s.type())) {
      return switch (String.valueOf(reason)) {
        case "growth" ->
            "the live set after GC grew " + pct(d.get(DataKeys.GROWTH)) + " within the 10 s window:"
                + " the demo's leak of 4 MB every 250 ms";
        case "gcOverhead" ->
            "GC pauses took " + pct(d.get(DataKeys.GC_OVERHEAD)) + " of the time over the window"
                + " (threshold " + pct(d.get("threshold")) + "): the demo's forced full collections";
        default ->
            "the heap stays " + pct(d.get(DataKeys.USAGE)) + " full right after GC";
      };
    }
    if (Signal.TYPE_RESOURCE_EXHAUSTION.equals(s.type())) {
      if ("trend".equals(reason)) {
        return s.key() + " rose steadily over the window (the files the demo opened)";
      }
      return "this process holds " + d.get(DataKeys.OPEN) + " of " + d.get(DataKeys.MAX) + " "
          + s.key() + ", past the demo's lowered threshold of " + pct(d.get("threshold"));
    }
    if (Signal.TYPE_QUARANTINE.equals(s.type())) {
      return "a quarantine change (" + d.get("action") + ")";
    }
    return "a " + s.type() + " signal";
  }

  /** "; load average now 15.6 on 2 CPUs", or nothing where the OS does not say. */
  private static String loadAverage() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    double load = os.getSystemLoadAverage();
    return load < 0
        ? ""
        : String.format(Locale.ROOT, "; load average now %.1f on %d CPUs", load, os.getAvailableProcessors());
  }

  private void print(String label, Signal s, @Nullable String why) {
    printed++;
    String key = s.key() == null ? "" : " key=" + SafeText.neutralise(s.key(), 64);
    out.accept(String.format(Locale.ROOT, "%-10s %-8s %s%s: %s", label, s.severity(), s.type(), key,
        SafeText.neutralise(s.message(), 200)));
    if (why != null) {
      out.accept("           why: " + why);
    }
  }

  /** A figure as the demo prints it: at most one decimal, no locale. */
  static String num(@Nullable Object v) {
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      return d == Math.rint(d) && Math.abs(d) < 1e15
          ? Long.toString((long) d)
          : String.format(Locale.ROOT, "%.1f", d);
    }
    return String.valueOf(v);
  }

  /** A share as a percentage with one decimal: 0.109 is "10.9 %". */
  static String pct(@Nullable Object v) {
    if (v instanceof Number n) {
      return String.format(Locale.ROOT, "%.1f %%", n.doubleValue() * 100);
    }
    return "?";
  }
}
