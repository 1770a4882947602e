package dev.argos.forensics;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Clock;
import dev.argos.core.Signal;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * How long {@link Actions#heapHistogram()} stops the JVM (a plain main for docs/forensics.md):
 * {@code objects} live 100-byte arrays, then three runs of the action through a real runner,
 * each on a new target (no backoff), printing {@code data.pauseMs}. Run with the classpath of
 * {@link EvidenceFigures} and {@code -Xmx1g}: {@code dev.argos.forensics.HeapHistogramFigures
 * [objects]}.
 */
public final class HeapHistogramFigures {
  private HeapHistogramFigures() {}

  public static void main(String[] args) throws Exception {
    int objects = args.length > 0 ? Integer.parseInt(args[0]) : 5_000_000;
    Object[] live = new Object[objects];
    for (int i = 0; i < live.length; i++) {
      live[i] = new byte[100];
    }
    BlockingQueue<Signal> out = new LinkedBlockingQueue<>();
    try (Agent agent = Agent.createAgent(AgentConfig.builder().build());
        ActionRunner runner =
            new ActionRunner(
                List.of(new ActionSpec("histogram", s -> true, Actions.heapHistogram())),
                Set.of(),
                false,
                Clock.system(),
                out::add,
                agent,
                new LoadShedGate(Clock.system()),
                null)) {
      for (int i = 0; i < 3; i++) {
        runner.offer(Signal.builder("custom").key("t" + i).message("go").build());
        Signal s = out.poll(60, TimeUnit.SECONDS);
        if (s == null) {
          System.out.println("no record");
          return;
        }
        System.out.printf(
            java.util.Locale.ROOT,
            "%d live objects: %s, pauseMs %s, totalBytes %s%n",
            live.length,
            s.data().get("result"),
            s.data().get("pauseMs"),
            s.data().get("totalBytes"));
      }
    }
  }
}
