package dev.argos.benchmarks;

import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.internal.JfrSignals;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
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
 * What the bus pays per routed signal for the JFR event {@code dev.argos.Signal}: {@code
 * JfrSignals.commit(signal)} with no recording running ({@code recording=off}: the cost every
 * Argos user pays), with a recording that has the event disabled ({@code disabled}) and with one
 * that records it ({@code on}, in memory). {@code baseline} reads the same fields without JFR, for
 * scale.
 *
 * <p>Run: {@code java -jar argos-benchmarks/target/benchmarks.jar JfrSignalBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JfrSignalBenchmark {
  @Param({"off", "disabled", "on"})
  public String recording = "off";

  private final Signal signal =
      Signal.builder(Signal.TYPE_EVENT_LOOP_LAG)
          .severity(Severity.WARNING)
          .source("argos")
          .key("jvm")
          .message("the JVM stalled for 120 ms")
          .data(DataKeys.EPISODE, "eventLoopLag-1")
          .build();
  private Recording jfr = new Recording();

  @Setup
  public void setUp() {
    jfr.close();
    jfr = new Recording();
    switch (recording) {
      case "on" -> jfr.enable(JfrSignals.EVENT_NAME);
      case "disabled" -> {
        jfr.disable(JfrSignals.EVENT_NAME);
        jfr.enable("jdk.ThreadStart");
      }
      default -> {
        return;
      }
    }
    jfr.setToDisk(false);
    jfr.setMaxAge(Duration.ofSeconds(10));
    jfr.start();
  }

  @TearDown
  public void tearDown() {
    jfr.close();
  }

  @Benchmark
  public void commit() {
    JfrSignals.commit(signal);
  }

  @Benchmark
  public int baseline() {
    Object episode = signal.data().get(DataKeys.EPISODE);
    return signal.type().length()
        + signal.severity().name().length()
        + signal.message().length()
        + (episode == null ? 0 : 1);
  }
}
