package dev.argos.examples;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Severity;
import dev.argos.observers.Argos;
import dev.argos.signals.Quarantines;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Child JVM for {@link FullStartNoJacksonTest}: the path of the README's first lines, Argos at
 * its defaults under an agent with {@link Quarantines#inMemory()}, left running for a second (so
 * the sampler thread has built every sampler and ticked ten times), a key quarantined by hand
 * and checked, then closed.
 */
public final class FullStartChild {
  private FullStartChild() {}

  public static void main(String[] args) throws InterruptedException {
    long t0 = System.nanoTime();
    Argos argos = Argos.createArgos();
    Agent agent =
        Agent.createAgent(
            AgentConfig.builder().quarantine(Quarantines.inMemory()).observer(argos).build());
    long t1 = System.nanoTime();
    for (int i = 0; i < 1000; i++) {
      argos.recordRequest("10.0.0." + (i % 7));
    }
    boolean waited = new CountDownLatch(1).await(1, TimeUnit.SECONDS); // let it sample
    agent.quarantine().quarantine("10.0.0.9", Severity.WARNING, "by hand");
    boolean hit = agent.quarantine().isQuarantined("10.0.0.9");
    long ticks = argos.snapshot().getLong("sampler.ticks", -1);
    agent.close();
    argos.close();
    System.out.printf(Locale.ROOT, "startMs=%.3f hit=%b ticks=%d waited=%b%n",
        (t1 - t0) / 1e6, hit, ticks, waited);
  }
}
