package dev.argos.benchmarks;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Signal dispatch latency: one {@code Agent.publish(signal)} until every one of {@code
 * listeners} listeners on {@code argos:signal} has run (with 10 listeners, the time to the last
 * of them). The benchmark thread publishes, then waits for the listeners' shared counter
 * (spinning briefly, then yielding, so that on a 2-core machine it does not starve the
 * dispatcher and listener threads it is waiting for). Sample-time mode gives the distribution
 * (p50, p99). The agent's flood guard is raised out of the way: it would otherwise drop all but
 * 5 000 signals a minute, which is its job but not what is measured here.
 *
 * <p>Run: {@code java -jar argos-benchmarks/target/benchmarks.jar DispatchBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DispatchBenchmark {
  private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(5);

  @Param({"1", "10"})
  public int listeners;

  private final AtomicLong delivered = new AtomicLong();
  private long expected;
  private final Signal signal =
      Signal.builder("benchmark")
          .severity(Severity.WARNING)
          .source("app")
          .key("client-1")
          .message("dispatch benchmark")
          .data("n", 1)
          .build();
  private Agent agent = Agent.createAgent(AgentConfig.builder().build());

  @Setup
  public void setUp() {
    agent.close();
    agent =
        Agent.createAgent(
            AgentConfig.builder().floodLimitPerMinute(Integer.MAX_VALUE).build());
    for (int i = 0; i < listeners; i++) {
      agent.on(Agent.TOPIC_SIGNAL, s -> delivered.incrementAndGet());
    }
  }

  @TearDown
  public void tearDown() {
    agent.close();
  }

  @Benchmark
  public long publishToListeners() {
    expected += listeners;
    agent.publish(signal);
    long target = expected;
    int spins = 0;
    long start = 0;
    while (delivered.get() < target) {
      if (++spins < 2_000) {
        Thread.onSpinWait();
        continue;
      }
      if (start == 0) {
        start = System.nanoTime();
      } else if (System.nanoTime() - start > GIVE_UP_NANOS) {
        throw new IllegalStateException(
            "listeners got " + delivered.get() + " of " + target + " signals; dropped: "
                + agent.droppedSignals());
      }
      Thread.yield();
    }
    return target;
  }
}
