package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * One sampler tick at the defaults against reading the same facts through Micrometer's JVM
 * binders.
 *
 * <p>{@code argosTick}: this class sits in package {@code dev.argos.observers} (a split package,
 * fine in a benchmark jar) so that it can call the package-private {@code
 * SamplerEngine.runOnce(nowNanos)} of an {@code Argos} created with every default but a {@link
 * ManualClock}, advanced by the default sample rate (100 ms) before each tick: every sampler
 * registered at the defaults runs once per operation, exactly as on the {@code argos-sampler}
 * thread, windows rolling over as they would. The manual clock means GC notifications are not
 * fed into the tick (they arrive on a JMX thread in production, not on the sampler's).
 *
 * <p>{@code argosSnapshot}: the public read path, {@code Argos.snapshot()}, of the same Argos.
 *
 * <p>{@code micrometerRead}: every meter that Micrometer's {@code JvmMemoryMetrics}, {@code
 * JvmGcMetrics}, {@code JvmThreadMetrics}, {@code ProcessorMetrics} and {@code
 * FileDescriptorMetrics} register, read once through {@code Meter.measure()} (what a registry
 * does at each publish), on a {@link SimpleMeterRegistry}.
 *
 * <p>Run: {@code java -jar argos-benchmarks/target/benchmarks.jar SamplerTickBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SamplerTickBenchmark {
  private final ManualClock clock = Clock.manual();
  private Argos argos = Argos.createArgos(ArgosConfig.builder().clock(clock).build());
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
  private List<Meter> meters = List.of();
  private long periodMillis;

  @Setup
  public void setUp() {
    argos.close();
    argos = Argos.createArgos(ArgosConfig.builder().clock(clock).build());
    periodMillis = argos.config().sampleRate().toMillis();
    new JvmMemoryMetrics().bindTo(registry);
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    meters = List.copyOf(registry.getMeters());
  }

  @TearDown
  public void tearDown() {
    argos.close();
    gcMetrics.close();
    registry.close();
  }

  @Benchmark
  public long argosTick() {
    clock.advanceMillis(periodMillis);
    argos.engine().runOnce(clock.nanoTime());
    return argos.engine().ticks();
  }

  @Benchmark
  public Object argosSnapshot() {
    return argos.snapshot();
  }

  @Benchmark
  public double micrometerRead() {
    double sum = 0;
    for (Meter m : meters) {
      for (io.micrometer.core.instrument.Measurement x : m.measure()) {
        sum += x.getValue();
      }
    }
    return sum;
  }
}
