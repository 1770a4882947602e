package dev.argos.forensics;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.argos.core.Clock;
import dev.argos.core.Signal;
import dev.argos.core.SignalSink;
import dev.argos.core.internal.ErrorReporter;
import dev.argos.core.internal.SafeText;
import dev.argos.core.internal.Throwables;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes evidence bundles: {@code <dir>/<incident id>/} with {@code incident.json} (the incident
 * as given), {@code threads.txt} ({@link ThreadDump}), {@code signals.jsonl} (the recent
 * signals, one JSON object a line), {@code recording.jfr} (a dump of the {@link JfrRing}, when
 * JFR is enabled and works) and {@code bundle.json} (what was written, what was not and why, how
 * long it took; it also marks the directory as a bundle Argos may remove).
 *
 * <h2>Guardrails</h2>
 *
 * <ul>
 *   <li>At most one capture per {@link EvidenceSettings#cooldown()}: a capture asked for sooner
 *       is skipped {@value EvidenceResult#COOLDOWN} at once. A capture that wrote nothing (free
 *       space, failure) does not start the cooldown.
 *   <li>Captures run on the daemon thread {@value #THREAD_NAME}, never on the caller's; one may
 *       wait while another runs, a further one is skipped {@value EvidenceResult#BUSY}.
 *   <li>Free-space floor: no bundle while the directory's file system has less usable space
 *       than {@link EvidenceSettings#freeSpaceFloorBytes()} ({@value
 *       EvidenceResult#FREE_SPACE}).
 *   <li>Disk budget: after a bundle is written, the oldest bundles in the directory (only
 *       directories holding a {@code bundle.json} written by Argos) are removed until all fit in
 *       {@link EvidenceSettings#diskBudgetBytes()}; a bundle that alone does not fit loses its
 *       {@code recording.jfr}, then, if still too large, is removed ({@value
 *       EvidenceResult#DISK_BUDGET}). So the directory exceeds the budget by at most one bundle,
 *       for the time it takes to write it.
 *   <li>JFR missing, disabled or failing: the rest of the bundle is still written, and {@code
 *       bundle.json} says why there is no recording.
 *   <li>Bounded: at most {@value #MAX_SIGNALS} signals and every thread's stack; JFR's dump is
 *       bounded by JFR's memory buffers.
 * </ul>
 *
 * <p>Faults (a write that fails, JFR that does not start) are reported as {@code argosError}
 * signals to the error sink, rate-limited, and never thrown.
 */
final class EvidenceCapture implements AutoCloseable {
  /*
   * Design notes. Concurrency: capture() decides the cooldown and queues the job under `lock`,
   * so two callers cannot both pass the cooldown; the job runs on the one worker thread, which
   * first starts the JFR ring (a few hundred ms, kept off the caller's thread). A job that
   * writes nothing hands its cooldown slot back (`lastAccepted` restored). close() empties the
   * queue (their callers hear "disabled"), interrupts the worker, joins it, then closes the
   * ring; a worker stuck in an uninterruptible write is left to finish (it is a daemon).
   */

  /** The worker thread's name. */
  static final String THREAD_NAME = "argos-evidence";
  /** Most signals written to {@code signals.jsonl}. */
  static final int MAX_SIGNALS = 10_000;
  /** The manifest that marks a bundle directory. */
  static final String MANIFEST = "bundle.json";

  static final String INCIDENT_FILE = "incident.json";
  static final String THREADS_FILE = "threads.txt";
  static final String SIGNALS_FILE = "signals.jsonl";
  static final String RECORDING_FILE = "recording.jfr";

  /** The manifest's field that marks it as Argos's own. */
  private static final String MARK = "argosEvidenceBundle";

  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final long JOIN_MILLIS = 2_000;
  private static final Logger log = LoggerFactory.getLogger(EvidenceCapture.class);

  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .build();

  private final EvidenceSettings settings;
  private final Clock clock;
  private final ErrorReporter errors;
  private final BlockingQueue<Job> queue = new ArrayBlockingQueue<>(1);
  private final CompletableFuture<Boolean> jfrReady = new CompletableFuture<>();
  private final Object lock = new Object();
  private final @Nullable Thread worker;

  // guarded by lock
  private boolean closed;
  private boolean anyAccepted;
  private long lastAcceptedNanos;

  private volatile @Nullable JfrRing ring;
  private volatile @Nullable String jfrProblem;

  /**
   * Starts the {@value #THREAD_NAME} thread, and on it the JFR recording (when {@code
   * settings.dir() != null && settings.jfr()}), unless no directory is set: then nothing starts
   * and every capture is skipped {@value EvidenceResult#DISABLED}.
   *
   * @param errors receives Argos's own faults ({@code argosError} signals), e.g. {@code
   *     agent::publish}
   */
  EvidenceCapture(EvidenceSettings settings, Clock clock, SignalSink errors) {
    this.settings = settings;
    this.clock = clock;
    this.errors = new ErrorReporter(clock, log, errors::emit);
    if (settings.dir() == null) {
      jfrProblem = "no evidence directory";
      jfrReady.complete(false);
      this.worker = null;
    } else {
      if (!settings.jfr()) {
        jfrProblem = "JFR disabled by configuration";
      }
      Thread t = new Thread(this::work, THREAD_NAME);
      t.setDaemon(true);
      this.worker = t;
      t.start();
    }
  }

  /**
   * Asks for a bundle for {@code incidentId}. Never blocks, never throws: the guardrails are
   * checked here, the bundle is written on the {@value #THREAD_NAME} thread, and {@code done}
   * receives the result there (or at once, on this thread, when a guardrail skips it). An
   * exception thrown by {@code done} is reported, not thrown.
   *
   * @param incidentId the bundle directory's name: letters, digits, {@code . _ -}, at most 128,
   *     not starting with {@code .}; another is refused ({@code "failed: ..."}); when the
   *     directory exists already, {@code -2}, {@code -3}... is appended
   * @param incidentJson written as {@code incident.json}
   * @param recentSignals written as {@code signals.jsonl} (the first {@value #MAX_SIGNALS})
   * @param firstThreadIds the threads {@code threads.txt} starts with
   */
  void capture(
      String incidentId,
      Map<String, ?> incidentJson,
      List<Signal> recentSignals,
      Collection<Long> firstThreadIds,
      Consumer<EvidenceResult> done) {
    EvidenceResult now;
    try {
      now = admit(incidentId, incidentJson, recentSignals, firstThreadIds, done);
    } catch (RuntimeException e) {
      errors.report("evidenceFailed", "capture", "evidence capture refused: " + Throwables.describe(e), e);
      now = EvidenceResult.failed(Throwables.describe(e));
    }
    if (now != null) {
      deliver(done, now);
    }
  }

  private @Nullable EvidenceResult admit(
      String incidentId,
      Map<String, ?> incidentJson,
      List<Signal> recentSignals,
      Collection<Long> firstThreadIds,
      Consumer<EvidenceResult> done) {
    if (settings.dir() == null) {
      return EvidenceResult.skippedBecause(EvidenceResult.DISABLED);
    }
    if (incidentId == null || !SAFE_ID.matcher(incidentId).matches()) {
      return EvidenceResult.failed(
          "incident id is not a safe directory name: " + SafeText.neutralise(incidentId, 64));
    }
    synchronized (lock) {
      if (closed) {
        return EvidenceResult.skippedBecause(EvidenceResult.DISABLED);
      }
      long now = clock.nanoTime();
      if (anyAccepted && now - lastAcceptedNanos < settings.cooldown().toNanos()) {
        return EvidenceResult.skippedBecause(EvidenceResult.COOLDOWN);
      }
      Job job =
          new Job(
              incidentId,
              copyOf(incidentJson),
              firstSignals(recentSignals),
              nonNull(firstThreadIds),
              done,
              anyAccepted,
              lastAcceptedNanos,
              now);
      if (!queue.offer(job)) {
        return EvidenceResult.skippedBecause(EvidenceResult.BUSY);
      }
      anyAccepted = true;
      lastAcceptedNanos = now;
      return null;
    }
  }

  /** Completes when the JFR ring has started (true) or will not run (false). For tests. */
  CompletableFuture<Boolean> jfrReady() {
    return jfrReady;
  }

  /** The running ring, or null. For tests. */
  @Nullable JfrRing ring() {
    return ring;
  }

  /**
   * Stops: pending captures are skipped {@value EvidenceResult#DISABLED}, the worker is
   * interrupted and joined (up to about 2 s), the JFR recording is closed. Idempotent.
   */
  @Override
  public void close() {
    List<Job> pending = new ArrayList<>();
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      queue.drainTo(pending);
    }
    for (Job j : pending) {
      deliver(j.done, EvidenceResult.skippedBecause(EvidenceResult.DISABLED));
    }
    Thread t = worker;
    if (t != null && t != Thread.currentThread()) {
      t.interrupt();
      try {
        t.join(JOIN_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeRing();
  }

  // ---- the worker ----

  private void work() {
    try {
      startRing();
      while (true) {
        synchronized (lock) {
          if (closed) {
            return;
          }
        }
        Job job;
        try {
          job = queue.poll(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          return;
        }
        if (job != null) {
          EvidenceResult r = run(job);
          deliver(job.done, r);
        }
      }
    } finally {
      jfrReady.complete(false);
      closeRing();
    }
  }

  private void startRing() {
    if (!settings.jfr()) {
      jfrReady.complete(false);
      return;
    }
    try {
      JfrRing r = JfrRing.start(settings.jfrMaxAge(), settings.jfrMaxSizeBytes());
      boolean keep;
      synchronized (lock) {
        keep = !closed;
      }
      if (keep) {
        ring = r;
      } else {
        r.close();
      }
      jfrReady.complete(keep);
    } catch (Exception | LinkageError e) {
      jfrProblem = "JFR did not start: " + Throwables.describe(e);
      errors.report("evidenceJfr", "jfr", "the evidence JFR recording did not start: " + Throwables.describe(e), e);
      jfrReady.complete(false);
    }
  }

  private void closeRing() {
    JfrRing r = ring;
    ring = null;
    if (r != null) {
      try {
        r.close();
      } catch (RuntimeException | LinkageError e) {
        log.debug("closing the JFR recording failed: {}", Throwables.describe(e));
      }
    }
  }

  /** Writes one bundle; never throws. */
  private EvidenceResult run(Job job) {
    Path dir = settings.dir();
    if (dir == null) {
      return EvidenceResult.skippedBecause(EvidenceResult.DISABLED);
    }
    long start = System.nanoTime();
    Path bundle = null;
    try {
      Files.createDirectories(dir);
      if (settings.freeSpaceFloorBytes() > 0
          && Files.getFileStore(dir).getUsableSpace() < settings.freeSpaceFloorBytes()) {
        giveBackCooldown(job);
        return EvidenceResult.skippedBecause(EvidenceResult.FREE_SPACE);
      }
      bundle = newBundleDir(dir, job.incidentId);
      Map<String, Object> manifest = new LinkedHashMap<>();
      manifest.put(MARK, 1);
      manifest.put("incident", job.incidentId);
      manifest.put("capturedAt", clock.instant().toString());
      Map<String, Object> files = new LinkedHashMap<>();
      manifest.put("files", files);
      writeManifest(bundle, manifest);
      Path incidentFile = bundle.resolve(INCIDENT_FILE);
      files.put(INCIDENT_FILE, step(incidentFile, () -> writeJson(incidentFile, job.incidentJson)));
      Path threadsFile = bundle.resolve(THREADS_FILE);
      files.put(THREADS_FILE, step(threadsFile, () -> writeThreads(threadsFile, job.firstThreadIds)));
      Path signalsFile = bundle.resolve(SIGNALS_FILE);
      files.put(SIGNALS_FILE, step(signalsFile, () -> writeSignals(signalsFile, job.signals)));
      files.put(RECORDING_FILE, recording(bundle.resolve(RECORDING_FILE)));
      long writeMs = (System.nanoTime() - start) / 1_000_000;
      manifest.put("writeMs", writeMs);
      manifest.put("bytes", sizeOf(bundle));
      writeManifest(bundle, manifest);
      EvidenceResult budget = enforceBudget(dir, bundle, manifest, files);
      if (budget != null) {
        giveBackCooldown(job);
        return budget;
      }
      log.info(
          "evidence bundle written to {} in {} ms",
          SafeText.neutralise(bundle.toString(), 512),
          writeMs);
      return EvidenceResult.written(bundle);
    } catch (IOException | RuntimeException e) {
      errors.report(
          "evidenceFailed",
          "capture",
          "evidence capture failed: " + Throwables.describe(e),
          e);
      giveBackCooldown(job);
      if (bundle != null) {
        deleteTree(bundle);
      }
      return EvidenceResult.failed(Throwables.describe(e));
    }
  }

  private Object recording(Path file) {
    JfrRing r = ring;
    if (r == null) {
      String why = jfrProblem;
      return "not written: " + (why != null ? why : "JFR recording not running");
    }
    return step(file, () -> r.dump(file));
  }

  /** Writes one part of the bundle: its size in bytes when written, else why not. */
  private Object step(Path file, IoStep s) {
    try {
      s.write();
      return Files.size(file);
    } catch (IOException | RuntimeException | LinkageError e) {
      errors.report("evidencePartFailed", "part", "an evidence file was not written: " + Throwables.describe(e), e);
      return "not written: " + Throwables.describe(e);
    }
  }

  @FunctionalInterface
  private interface IoStep {
    void write() throws IOException;
  }

  private void giveBackCooldown(Job job) {
    synchronized (lock) {
      if (anyAccepted && lastAcceptedNanos == job.acceptedNanos) {
        anyAccepted = job.hadPrevious;
        lastAcceptedNanos = job.previousNanos;
      }
    }
  }

  private static Path newBundleDir(Path dir, String id) throws IOException {
    for (int n = 1; n <= 1000; n++) {
      Path p = dir.resolve(n == 1 ? id : id + "-" + n);
      try {
        return Files.createDirectory(p);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // try the next suffix
      }
    }
    throw new IOException("1000 bundles named " + id + " exist already");
  }

  private static void writeManifest(Path bundle, Map<String, Object> manifest) throws IOException {
    Path tmp = bundle.resolve(MANIFEST + ".tmp");
    JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), manifest);
    Files.move(tmp, bundle.resolve(MANIFEST), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static void writeJson(Path file, Map<String, @Nullable Object> value) throws IOException {
    try (Writer w = newWriter(file)) {
      JSON.writerWithDefaultPrettyPrinter().writeValue(w, value);
    }
  }

  private void writeThreads(Path file, List<Long> first) throws IOException {
    try (Writer w = newWriter(file)) {
      ThreadDump.write(w, first, clock.instant());
    }
  }

  private static void writeSignals(Path file, List<Signal> signals) throws IOException {
    try (BufferedWriter w = newWriter(file)) {
      for (Signal s : signals) {
        Map<String, @Nullable Object> m = new LinkedHashMap<>();
        m.put("ts", s.timestamp().toString());
        m.put("severity", s.severity().name());
        m.put("type", s.type());
        m.put("source", s.source());
        m.put("key", s.key());
        m.put("message", s.message());
        m.put("data", s.data());
        w.write(JSON.writeValueAsString(m));
        w.write('\n');
      }
    }
  }

  private static BufferedWriter newWriter(Path file) throws IOException {
    return Files.newBufferedWriter(
        file, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }

  /**
   * Removes the oldest bundles until all fit in the budget; shrinks or removes {@code current}
   * when it alone does not fit (then returns the skip).
   */
  private @Nullable EvidenceResult enforceBudget(
      Path dir, Path current, Map<String, Object> manifest, Map<String, Object> files)
      throws IOException {
    long budget = settings.diskBudgetBytes();
    List<Bundle> others = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (!p.equals(current) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          Instant at = bundleTime(p);
          if (at != null) {
            others.add(new Bundle(p, at, sizeOf(p)));
          }
        }
      }
    }
    others.sort(Comparator.comparing(Bundle::at).thenComparing(b -> b.path().getFileName().toString()));
    long total = sizeOf(current);
    for (Bundle b : others) {
      total += b.bytes();
    }
    for (Bundle b : others) {
      if (total <= budget) {
        break;
      }
      deleteTree(b.path());
      total -= b.bytes();
      log.info(
          "evidence bundle {} removed: the bundles exceeded the disk budget of {} bytes",
          SafeText.neutralise(b.path().getFileName().toString(), 200),
          budget);
    }
    if (total <= budget) {
      return null;
    }
    Path jfr = current.resolve(RECORDING_FILE);
    if (Files.exists(jfr, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(jfr);
      files.put(RECORDING_FILE, "removed: the bundle alone exceeded the disk budget of " + budget + " bytes");
      manifest.put("bytes", sizeOf(current));
      writeManifest(current, manifest);
      if (sizeOf(current) <= budget) {
        return null;
      }
    }
    deleteTree(current);
    return EvidenceResult.skippedBecause(EvidenceResult.DISK_BUDGET);
  }

  private record Bundle(Path path, Instant at, long bytes) {}

  /** The capture time of a bundle Argos wrote, or null when {@code dir} is not one. */
  static @Nullable Instant bundleTime(Path dir) {
    Path m = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(m, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    try (InputStream in = Files.newInputStream(m)) {
      byte[] head = in.readNBytes(64 * 1024);
      Object tree = JSON.readValue(head, Object.class);
      if (tree instanceof Map<?, ?> map && map.get(MARK) != null && map.get("capturedAt") instanceof String s) {
        return Instant.parse(s);
      }
      return null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static long sizeOf(Path dir) throws IOException {
    long[] total = {0};
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            total[0] += attrs.size();
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException exc) {
            return FileVisitResult.CONTINUE;
          }
        });
    return total[0];
  }

  /** Deletes a directory tree without following links; failures are logged. */
  static void deleteTree(Path dir) {
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, @Nullable IOException exc) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException | RuntimeException e) {
      log.warn(
          "could not remove evidence bundle {}: {}",
          SafeText.neutralise(dir.toString(), 512),
          Throwables.describe(e));
    }
  }

  private void deliver(Consumer<EvidenceResult> done, EvidenceResult r) {
    try {
      done.accept(r);
    } catch (RuntimeException e) {
      errors.report("evidenceCallback", "callback", "an evidence callback threw: " + Throwables.describe(e), e);
    }
  }

  /** An insertion-ordered copy (nulls kept: they are JSON nulls). */
  private static Map<String, @Nullable Object> copyOf(Map<String, ?> m) {
    Map<String, @Nullable Object> out = new LinkedHashMap<>();
    m.forEach(
        (k, v) -> {
          if (k != null) {
            out.put(k, v);
          }
        });
    return Collections.unmodifiableMap(out);
  }

  private static List<Signal> firstSignals(List<Signal> signals) {
    List<Signal> out = new ArrayList<>(Math.min(signals.size(), MAX_SIGNALS));
    for (Signal s : signals) {
      if (out.size() >= MAX_SIGNALS) {
        break;
      }
      if (s != null) {
        out.add(s);
      }
    }
    return Collections.unmodifiableList(out);
  }

  private static List<Long> nonNull(Collection<Long> ids) {
    List<Long> out = new ArrayList<>(Math.min(ids.size(), 10_000));
    for (Long id : ids) {
      if (out.size() >= 10_000) {
        break;
      }
      if (id != null) {
        out.add(id);
      }
    }
    return Collections.unmodifiableList(out);
  }

  /** One accepted capture. */
  private record Job(
      String incidentId,
      Map<String, @Nullable Object> incidentJson,
      List<Signal> signals,
      List<Long> firstThreadIds,
      Consumer<EvidenceResult> done,
      boolean hadPrevious,
      long previousNanos,
      long acceptedNanos) {}
}
