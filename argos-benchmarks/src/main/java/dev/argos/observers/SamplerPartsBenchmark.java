package dev.argos.observers;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * What two samplers' own work costs on the {@code argos-sampler} thread (moved here from tests
 * that only printed timings: a test must be able to fail, a measurement belongs in JMH).
 *
 * <p>{@code heapSamplerTick}: one {@code HeapSampler.tick} at the defaults (60 s window) on a
 * {@link ManualClock} advanced by the default sample rate (100 ms), after three windows of history
 * with one young collection every 500 ms; {@code gcEvent=true} records one new GC event on the
 * manual {@code GcMonitor} before each tick (the tick then folds it into its sub-window), {@code
 * false} ticks with nothing new (the common case: 10 ticks a second, a few collections a minute).
 *
 * <p>{@code resourceProbeRead}: one {@code OsResourceProbe.read()} of this JVM (Linux {@code
 * /proc}); {@code probe=default} tells sockets apart every few reads, as Argos does, {@code
 * everyRead} on every read (a {@code readlink} per descriptor, the worst case); {@code
 * extraFiles} descriptors are held open on top of the JVM's own. Argos reads resources at most
 * once a second. On an OS without {@code /proc/self/fd} the figures measure the fallback only.
 *
 * <p>Run: {@code java -jar argos-benchmarks/target/benchmarks.jar SamplerPartsBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SamplerPartsBenchmark {
  private static final long MIB = 1L << 20;

  /** A heap sampler with three windows of history, fed by a manual GC monitor. */
  @State(Scope.Thread)
  public static class Heap {
    @Param({"false", "true"})
    public boolean gcEvent;

    final ManualClock clock = Clock.manual();
    final GcMonitor gc = GcMonitor.manual();
    final HeapSampler sampler =
        new HeapSampler(
            ArgosConfig.builder().clock(clock).windowSize(Duration.ofSeconds(60)).build(),
            gc,
            s -> {});

    @Setup(Level.Trial)
    public void setUp() {
      for (int k = 0; k < 1800; k++) { // 3 windows: one young GC every 500 ms
        clock.advanceMillis(100);
        if (k % 5 == 0) {
          youngGc();
        }
        sampler.tick(clock.nanoTime());
      }
    }

    void youngGc() {
      gc.record("G1 Young Generation", "end of minor GC", "G1 Evacuation Pause", clock.nanoTime(),
          5, false, 500 * MIB, 200 * MIB, 1024 * MIB);
    }
  }

  /** The real resource probe, with {@code extraFiles} more descriptors open. */
  @State(Scope.Thread)
  public static class Resources {
    @Param({"default", "everyRead"})
    public String probe = "default";

    @Param({"0", "2000"})
    public int extraFiles;

    OsResourceProbe reader = new OsResourceProbe();
    private final List<FileChannel> open = new ArrayList<>();
    private Path file = Path.of("unused");

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      reader =
          "everyRead".equals(probe)
              ? new OsResourceProbe(Path.of("/proc/self/fd"), Path.of("/proc/self/limits"),
                  Path.of("/proc/self/cgroup"), Path.of("/sys/fs/cgroup"), 1)
              : new OsResourceProbe();
      file = Files.createTempFile("argos-bench", ".txt");
      long limit = reader.read().fdMax();
      long n = limit > 0 ? Math.min(extraFiles, Math.max(0, limit - 200)) : extraFiles;
      for (long i = 0; i < n; i++) {
        open.add(FileChannel.open(file, StandardOpenOption.READ));
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      for (FileChannel c : open) {
        c.close();
      }
      open.clear();
      Files.deleteIfExists(file);
    }
  }

  @Benchmark
  public long heapSamplerTick(Heap h) {
    h.clock.advanceMillis(100);
    if (h.gcEvent) {
      h.youngGc();
    }
    h.sampler.tick(h.clock.nanoTime());
    return h.clock.nanoTime();
  }

  @Benchmark
  public long resourceProbeRead(Resources r) {
    ResourceProbe.Reading reading = r.reader.read();
    return reading.fdOpen() + reading.sockets();
  }
}
