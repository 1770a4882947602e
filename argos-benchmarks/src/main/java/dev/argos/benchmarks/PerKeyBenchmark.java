package dev.argos.benchmarks;

import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * Counting per key: {@code Argos.recordRequest(key)} against the map a user would write, a
 * {@code ConcurrentHashMap<String, LongAdder>} (get, then computeIfAbsent on a miss). The keys
 * are built in setup and cycled through in order: {@code keys=1000} is a hot set that stays in
 * cache, {@code keys=1000000} a million distinct keys (a scan, or a spoofed-address flood),
 * where the map has to hold one entry per key. Memory retained by each is measured separately
 * by the harness ({@code Harness memory}), not here.
 *
 * <p>Run: {@code java -jar argos-benchmarks/target/benchmarks.jar PerKeyBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PerKeyBenchmark {
  @Param({"1000", "1000000"})
  public int keys;

  private String[] keySet = new String[0];
  private int next;
  private Argos argos = Argos.createArgos();
  private final ConcurrentHashMap<String, LongAdder> map = new ConcurrentHashMap<>();

  @Setup
  public void setUp() {
    keySet = new String[keys];
    for (int i = 0; i < keys; i++) {
      keySet[i] = "10.0." + (i >>> 16) + "." + (i & 0xffff);
    }
    argos = Argos.createArgos(ArgosConfig.defaults()).start();
  }

  @TearDown
  public void tearDown() {
    argos.close();
  }

  private String nextKey() {
    int i = next;
    next = i + 1 == keySet.length ? 0 : i + 1;
    return keySet[i];
  }

  @Benchmark
  public void argosRecordRequestKey() {
    argos.recordRequest(nextKey());
  }

  @Benchmark
  public void concurrentHashMapLongAdder() {
    String key = nextKey();
    LongAdder a = map.get(key);
    if (a == null) {
      a = map.computeIfAbsent(key, k -> new LongAdder());
    }
    a.increment();
  }
}
