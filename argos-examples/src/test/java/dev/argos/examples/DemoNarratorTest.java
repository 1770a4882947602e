package dev.argos.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo prints each kind of signal once, explained, and counts the rest. */
class DemoNarratorTest {
  private final List<String> lines = new ArrayList<>();
  private final DemoNarrator narrator = new DemoNarrator(lines::add);

  private static Signal gcStall(double lagMs) {
    return Signal.builder(Signal.TYPE_EVENT_LOOP_LAG)
        .key("jvm")
        .message("the JVM stalled for " + lagMs + " ms")
        .data("lagMs", lagMs)
        .data("cause", "gc")
        .data("gcCause", "System.gc()")
        .data("gcPauseMs", 70L)
        .build();
  }

  private static Signal resolvedStall() {
    return Signal.builder(Signal.TYPE_EVENT_LOOP_LAG)
        .severity(Severity.INFO)
        .key("jvm")
        .message("the JVM runs again")
        .data("state", "resolved")
        .data("cause", "gc")
        .build();
  }

  @Test
  void theFirstEpisodeOfAKindIsPrintedAndExplainedTheLaterOnesCounted() {
    for (int i = 0; i < 5; i++) {
      narrator.onSignal("SIGNAL", gcStall(60 + i));
      narrator.onSignal("SIGNAL", resolvedStall());
    }
    assertThat(lines).hasSize(3); // the first stall, its explanation, its end
    assertThat(lines.get(0)).contains("the JVM stalled for 60.0 ms");
    assertThat(lines.get(1)).contains("why:", "System.gc()", "70 ms");
    assertThat(lines.get(2)).contains("runs again");
    assertThat(narrator.summary())
        .anySatisfy(l -> assertThat(l).contains("8 signal(s) of JVM stalls caused by the demo's own System.gc()"));
    assertThat(narrator.summary().get(0)).contains("signals delivered: 10", "printed above: 2");
  }

  @Test
  void anExecutorStallIsExplainedByItsStackNotAssumed() {
    narrator.onSignal("SIGNAL", Signal.builder(Signal.TYPE_EVENT_LOOP_LAG).key("http-loop")
        .message("late").data("lagMs", 59.7).data("stack", List.of("Foo.load(Foo.java:1)")).build());
    narrator.onSignal("SIGNAL", Signal.builder(Signal.TYPE_EVENT_LOOP_LAG).key("http-loop")
        .message("stuck").data("lagMs", 51.0)
        .data("stack", List.of("dev.argos.examples.DemoService.slowReport(DemoService.java:1)")).build());
    assertThat(lines.get(1)).contains("late by 59.7 ms", "busy").doesNotContain("GET /report blocks");
    assertThat(lines.get(3)).contains("GET /report blocks http-loop");
  }

  @Test
  void anIdleExecutorThatRanLateIsExplainedByTheCpuNotByItsCode() {
    narrator.onSignal("SIGNAL", Signal.builder(Signal.TYPE_EVENT_LOOP_LAG).key("http-loop")
        .message("late").data("lagMs", 50.2)
        .data("stack", List.of("java.base@17/jdk.internal.misc.Unsafe.park(Native Method)")).build());
    assertThat(lines.get(1)).contains("late by 50.2 ms although its thread was idle", "did not get a CPU");
  }

  @Test
  void sharesArePrintedAsTheirTruePercentages() {
    narrator.onSignal("SIGNAL", Signal.builder(Signal.TYPE_MEMORY_PRESSURE).key("heap")
        .message("GC pauses took 10.9 % of the time")
        .data(Map.of("reason", "gcOverhead", "gcOverhead", 0.109, "threshold", 0.1)).build());
    assertThat(lines.get(1)).contains("10.9 % of the time", "threshold 10.0 %");
  }

  @Test
  void snapshotFiguresBecomeAFewGroupedLines() {
    Map<String, Object> figures = new java.util.LinkedHashMap<>();
    figures.put("sampler.ticks", 316L);
    figures.put("heap.liveSetUsage", 0.07033767776134874);
    figures.put("heap.maxBytes", 6320816128L);
    figures.put("requests.keys.typicalRate", 1.364);
    List<String> out = SnapshotLines.format(figures, 110);
    assertThat(out).containsExactly(
        "sampler        ticks=316",
        "heap           liveSetUsage=0.0703 maxBytes=6320816128",
        "requests.keys  typicalRate=1.36");
  }
}
