package dev.argos.benchmarks;

import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
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
 * The hot path: {@code Argos.recordRequest()} against {@code LongAdder.increment()} (the floor).
 *
 * <p>Run: {@code java -jar argos-benchmarks/target/benchmarks.jar RecordRequestBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RecordRequestBenchmark {
  private Argos argos = Argos.createArgos();
  private final LongAdder adder = new LongAdder();

  @Setup
  public void setUp() {
    argos = Argos.createArgos(ArgosConfig.defaults()).start();
  }

  @TearDown
  public void tearDown() {
    argos.close();
  }

  @Benchmark
  public void argosRecordRequest() {
    argos.recordRequest();
  }

  @Benchmark
  public void longAdderIncrement() {
    adder.increment();
  }
}
