package dev.argos.benchmarks;

import dev.argos.core.Quarantine;
import dev.argos.core.Severity;
import dev.argos.signals.Quarantines;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The other hot path: {@code Quarantines.inMemory().isQuarantined(key)} against {@code
 * ConcurrentHashMap.containsKey}. 1 000 keys are quarantined (for 30 minutes, longer than a
 * run) and put in the map; {@code lookup=miss} asks about 1 000 other keys (the common case: a
 * request from a well-behaved client), {@code lookup=hit} about the quarantined ones.
 *
 * <p>Run: {@code java -jar argos-benchmarks/target/benchmarks.jar QuarantineBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class QuarantineBenchmark {
  private static final int KEYS = 1000;

  @Param({"miss", "hit"})
  public String lookup = "miss";

  private final Quarantine quarantine = Quarantines.inMemory();
  private final ConcurrentHashMap<String, Boolean> map = new ConcurrentHashMap<>();
  /** The coarse-clock model: the same terms, checked against {@link #coarseNow}. */
  private final ConcurrentHashMap<String, Term> terms = new ConcurrentHashMap<>();
  /**
   * A coarse "now" that some thread would refresh every tick (none does here: the model
   * measures the read, not the refresh).
   */
  private volatile long coarseNow = System.nanoTime();
  private String[] queries = new String[0];
  private int next;

  @Setup
  public void setUp() {
    queries = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      String bad = "192.168." + (i >>> 8) + "." + (i & 0xff);
      quarantine.quarantine(bad, Duration.ofMinutes(30), Severity.WARNING, "benchmark");
      map.put(bad, Boolean.TRUE);
      terms.put(bad, new Term(System.nanoTime() + Duration.ofMinutes(30).toNanos()));
      queries[i] = "hit".equals(lookup) ? bad : "10.1." + (i >>> 8) + "." + (i & 0xff);
    }
  }

  private String nextKey() {
    int i = next;
    next = i + 1 == queries.length ? 0 : i + 1;
    return queries[i];
  }

  @Benchmark
  public void argosIsQuarantined(Blackhole bh) {
    bh.consume(quarantine.isQuarantined(nextKey()));
  }

  @Benchmark
  public void concurrentHashMapContainsKey(Blackhole bh) {
    bh.consume(map.containsKey(nextKey()));
  }

  /**
   * What a coarse clock would cost: the term's look-up and a comparison of its expiry with a
   * volatile "now" instead of {@code System.nanoTime()} (docs/quarantine.md, Cost).
   */
  @Benchmark
  public void coarseClockModel(Blackhole bh) {
    Term t = terms.get(nextKey());
    bh.consume(t != null && t.expiresAt - coarseNow > 0);
  }

  /** One read of the clock a hit pays: {@code System.nanoTime()} (Clock.system()). */
  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }

  private static final class Term {
    final long expiresAt;

    Term(long expiresAt) {
      this.expiresAt = expiresAt;
    }
  }
}
