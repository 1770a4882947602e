package dev.argos.benchmarks;

import dev.argos.core.Quarantine;
import dev.argos.core.Severity;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.signals.Quarantines;
import java.time.Duration;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The per-key hot path as a server sees it: every call builds its key afresh ({@code "10." + a
 * + "." + b + "." + c}, so its hash is not cached yet and is paid inside the call), against the
 * map a user would write, a {@code ConcurrentHashMap<String, LongAdder>} (get, then
 * computeIfAbsent on a miss). {@code keys=1000} cycles 1 000 distinct keys (the map stays in
 * cache, and every key is heavy enough that Argos may watch up to 256 of them exactly: a string
 * comparison and an atomic add, like the map); {@code keys=65536} a /16 of clients (the map
 * holds about 8 MB); {@code keys=1000000} a million (the map's entries, keys and adders, about
 * 150 MB, are far beyond the caches, so its look-ups miss; Argos's sketch is 256 KiB whatever
 * the keys).
 *
 * <p>{@code keyOnly} and {@code keyAndHash} are the floors every other figure includes: building
 * the key, and hashing it once. {@code argosRecordAndCheck} counts then checks the same fresh
 * key: its hash is computed once (String caches it), so it should cost little more than
 * {@code argosRecordRequest}. The quarantine holds 1 000 other keys, so every look-up misses,
 * as most requests do.
 *
 * <p>Run: {@code java -jar argos-benchmarks/target/benchmarks.jar FreshKeyBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class FreshKeyBenchmark {
  @Param({"1000", "65536", "1000000"})
  public int keys;

  private int next;
  private Argos argos = Argos.createArgos();
  private final Quarantine quarantine = Quarantines.inMemory();
  private final ConcurrentHashMap<String, LongAdder> map = new ConcurrentHashMap<>();

  @Setup
  public void setUp() {
    argos = Argos.createArgos(ArgosConfig.defaults()).start();
    for (int i = 0; i < 1000; i++) {
      quarantine.quarantine(
          "192.168." + (i >>> 8) + "." + (i & 0xff),
          Duration.ofMinutes(30),
          Severity.WARNING,
          "benchmark");
    }
  }

  @TearDown
  public void tearDown() {
    argos.close();
  }

  /** A key built now, as a server parses it from a request: its hash is not computed yet. */
  private String freshKey() {
    int i = next;
    next = i + 1 == keys ? 0 : i + 1;
    return "10." + (i >>> 16) + "." + ((i >>> 8) & 0xff) + "." + (i & 0xff);
  }

  @Benchmark
  public String keyOnly() {
    return freshKey();
  }

  @Benchmark
  public int keyAndHash() {
    return freshKey().hashCode();
  }

  @Benchmark
  public void argosRecordRequest() {
    argos.recordRequest(freshKey());
  }

  @Benchmark
  public void argosIsQuarantined(Blackhole bh) {
    bh.consume(quarantine.isQuarantined(freshKey()));
  }

  @Benchmark
  public void argosRecordAndCheck(Blackhole bh) {
    String key = freshKey();
    argos.recordRequest(key);
    bh.consume(quarantine.isQuarantined(key));
  }

  @Benchmark
  public void concurrentHashMapLongAdder() {
    String key = freshKey();
    LongAdder a = map.get(key);
    if (a == null) {
      a = map.computeIfAbsent(key, k -> new LongAdder());
    }
    a.increment();
  }
}
