package dev.argos.signals;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Severity;
import java.util.Locale;

/**
 * Child JVM for {@link StartupNoJacksonTest}: creates an agent with {@link
 * Quarantines#inMemory()}, checks a key, closes, and prints the wall time of the start path.
 * With the argument {@code json} it also quarantines a key and writes its audit record as JSON,
 * the control showing that a JSON write does load Jackson (so the class log is read right).
 */
public final class StartupChild {
  private StartupChild() {}

  public static void main(String[] args) {
    boolean json = args.length > 0 && args[0].equals("json");
    boolean change = json || (args.length > 0 && args[0].equals("change"));
    long t0 = System.nanoTime();
    InMemoryQuarantine q = Quarantines.inMemory();
    Agent agent = Agent.createAgent(AgentConfig.builder().quarantine(q).build());
    long t1 = System.nanoTime();
    boolean hit = agent.quarantine().isQuarantined("10.0.0.1");
    String line = "";
    if (change) {
      q.quarantine("10.0.0.2", Severity.WARNING, "control");
    }
    if (json) {
      line = q.auditRecords().get(0).toLine();
    }
    agent.close();
    System.out.printf(
        Locale.ROOT, "startMs=%.3f hit=%b json=%d%n", (t1 - t0) / 1e6, hit, line.length());
  }
}
