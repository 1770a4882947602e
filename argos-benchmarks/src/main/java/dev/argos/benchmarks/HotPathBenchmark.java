package dev.argos.benchmarks;

import com.codahale.metrics.Meter;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hot path, one request counted: {@code Argos.recordRequest()} against {@code
 * LongAdder.increment()} (the floor), Micrometer's {@code Counter.increment()} (a {@link
 * SimpleMeterRegistry} counter) and Dropwizard's {@code Meter.mark()}. One shared instance of
 * each, so the two-thread variant ({@link HotPath2Threads}) measures contention too. Argos is
 * started at its defaults, so its sampler thread reads the counter as in production.
 *
 * <p>Run: {@code java -jar argos-benchmarks/target/benchmarks.jar 'HotPath.*' -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public abstract class HotPathBenchmark {
  private Argos argos = Argos.createArgos();
  private final LongAdder adder = new LongAdder();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Counter counter = registry.counter("requests");
  private final Meter meter = new Meter();

  @Setup
  public void setUp() {
    argos = Argos.createArgos(ArgosConfig.defaults()).start();
  }

  @TearDown
  public void tearDown() {
    argos.close();
    registry.close();
  }

  @Benchmark
  public void argosRecordRequest() {
    argos.recordRequest();
  }

  @Benchmark
  public void longAdderIncrement() {
    adder.increment();
  }

  @Benchmark
  public void micrometerCounterIncrement() {
    counter.increment();
  }

  @Benchmark
  public void dropwizardMeterMark() {
    meter.mark();
  }
}
