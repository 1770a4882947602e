package dev.argos.benchmarks;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.observers.Argos;
import dev.argos.signals.Quarantines;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Start-up in a cold JVM: {@code createArgos()} + {@code createAgent(..)} with {@code
 * Quarantines.inMemory()} (which starts Argos); closed after the measurement. One shot per fork, so each
 * figure includes loading and initialising every class on that path, as an application pays it
 * once. The JMH fork has loaded JMH's own classes first (reflection, concurrency), so this is a
 * little below a bare {@code main}; the score is the median-friendly per-fork sample.
 *
 * <p>Run: {@code java -jar argos-benchmarks/target/benchmarks.jar StartupBenchmark}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(10)
@State(Scope.Thread)
public class StartupBenchmark {
  private @Nullable Argos argos;
  private @Nullable Agent agent;

  @Benchmark
  public Agent createArgosAndAgent() {
    Argos a = Argos.createArgos();
    argos = a;
    Agent g =
        Agent.createAgent(
            AgentConfig.builder().quarantine(Quarantines.inMemory()).observer(a).build());
    agent = g;
    return g;
  }

  @TearDown
  public void close() {
    if (agent != null) {
      agent.close();
    }
    if (argos != null) {
      argos.close();
    }
  }
}
