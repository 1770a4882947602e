package dev.argos.signals;

import dev.argos.core.Clock;
import dev.argos.core.SafeText;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The problem registry: an append-only JSON Lines file with one {@link ProblemRecord} a line,
 * written by subscribing it to an agent topic:
 *
 * <pre>{@code
 * ProblemRegistry registry = ProblemRegistry.open(Path.of("argos-problems.jsonl"));
 * agent.on(Agent.TOPIC_SIGNAL, registry);
 * agent.on(Agent.TOPIC_QUARANTINE, registry);
 * ...
 * List<ProblemRecord> all = ProblemRegistry.read(Path.of("argos-problems.jsonl"));
 * }</pre>
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>Each line is serialised whole, then handed to the operating system in one write on a
 *       channel opened in append mode, and ends with {@code '\n'}. Nothing is buffered in the JVM:
 *       a process killed at any moment (even {@code SIGKILL}) loses at most the line being written,
 *       which a reader skips and counts. Lines are not forced to the disk ({@code fsync}) unless
 *       {@link Builder#syncEachLine(boolean)} asks for it, so a power cut may lose what the OS had
 *       not written yet.
 *   <li>Bounded: the file is rotated when the next line would pass {@link
 *       Builder#maxFileBytes(long)} (10 MiB by default), keeping {@link Builder#backups(int)} (3)
 *       older files {@code file.1} (newest) to {@code file.3}; a line is at most 64 KiB (a record's
 *       {@code data} is replaced by {@code {"truncated":true,"originalBytes":n}} beyond that). So
 *       the registry uses at most about 40 MiB with the defaults.
 *   <li>Writing stops while the file system has less than {@link Builder#minFreeBytes(long)} (100
 *       MiB by default) usable: checked at most once a second. Stopping is reported once (a warning
 *       in the log, {@link #linesDropped()} counting the lines not written, and an {@code
 *       argosError} signal to the {@link Builder#errorSink(SignalListener) error sink}); writing
 *       resumes by itself when space is back.
 *   <li>{@link #onSignal(Signal)} never throws: I/O errors are logged once per episode, counted,
 *       and retried at most once a second. It is safe to call from several threads.
 *   <li>Untrusted text (keys, messages, data) is JSON-escaped, including line and paragraph
 *       separators, bidi controls and C1 controls, so a line never splits and never carries a
 *       terminal control character.
 * </ul>
 *
 * <p>One process should write one registry file; several processes appending to the same file would
 * interleave whole lines but rotate it under each other.
 */
public final class ProblemRegistry implements SignalListener, AutoCloseable {
  /*
   * Design notes.
   *
   * Writing: a listener runs on a bus delivery thread, which may do I/O; so lines are written
   * synchronously under one lock (two subscriptions of the same registry may run on two pool
   * threads). No user-space buffer: FileChannel.write in APPEND mode hands the whole line to the
   * kernel in one call (a loop only guards the theoretical partial write), which is what makes
   * the SIGKILL guarantee hold: the page cache survives the process.
   *
   * Torn lines: when the file does not end in '\n' at open (the previous writer died mid-line),
   * a '\n' is written first so the fragment stays a line of its own and the next record is not
   * glued to it. Readers skip (and count) any line that is not a complete record.
   *
   * Disk floor: FileStore.getUsableSpace is a statfs call; it runs at most once a second (the
   * injected Clock decides), and before the first line. While below the floor every line is
   * dropped and counted, and the floor is re-checked once a second.
   *
   * Failure: any IOException closes the channel, is reported once, and the file is reopened at
   * most once a second; lines in between are dropped and counted. Nothing ever escapes
   * onSignal.
   */

  /** Default rotation size: 10 MiB. */
  public static final long DEFAULT_MAX_FILE_BYTES = 10L * 1024 * 1024;

  /** Default number of rotated files kept. */
  public static final int DEFAULT_BACKUPS = 3;

  /** Default free-space floor: 100 MiB. */
  public static final long DEFAULT_MIN_FREE_BYTES = 100L * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(ProblemRegistry.class);
  private static final long CHECK_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();
  private static final int MAX_READ_LINE_BYTES = 1 << 20;

  private final Path path;
  private final long maxFileBytes;
  private final int backups;
  private final long minFreeBytes;
  private final boolean syncEachLine;
  private final ActionResolver resolver;
  private final @Nullable SignalListener errorSink;
  private final Clock clock;
  private final FreeSpace freeSpace;
  private final String app;
  private final String host;
  private final long pid;

  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong rotations = new AtomicLong();

  // guarded by lock
  private @Nullable FileChannel channel;
  private long size;
  private boolean lowSpace;
  private boolean failing;
  private boolean spaceChecked;
  private long nextSpaceCheck;
  private long nextRetry;
  private boolean closed;
  private volatile boolean resolverFailureReported;

  private ProblemRegistry(Builder b) {
    this.path = b.path;
    this.maxFileBytes = b.maxFileBytes;
    this.backups = b.backups;
    this.minFreeBytes = b.minFreeBytes;
    this.syncEachLine = b.syncEachLine;
    this.resolver = b.resolver;
    this.errorSink = b.errorSink;
    this.clock = b.clock;
    this.app = b.app;
    this.host = b.host != null ? b.host : ProblemRecordCodec.localHostName();
    this.pid = ProblemRecordCodec.currentPid();
    FreeSpace probe = b.freeSpace;
    this.freeSpace = probe != null ? probe : new FileStoreSpace();
  }

  /**
   * Opens (creating it and its directory if needed) the registry at {@code path} with the defaults:
   * 10 MiB files, 3 backups, a 100 MiB free-space floor, app name from the system property {@code
   * argos.app} or {@code "unknown"}.
   *
   * @throws UncheckedIOException if the file cannot be created or opened for appending
   */
  public static ProblemRegistry open(Path path) {
    return builder(path).open();
  }

  /** A builder for a registry at {@code path}, to change the defaults. */
  public static Builder builder(Path path) {
    return new Builder(path);
  }

  /**
   * The problem key of a signal: {@code type + ":" +} the first 16 hex digits of SHA-256 over the
   * UTF-8 bytes of {@code key + "|" + messageWithoutNumbers}, where a null key counts as the empty
   * string and every run of ASCII digits in the message is replaced by one {@code '#'} ({@code "lag
   * 120 ms over 50 ms"} becomes {@code "lag # ms over # ms"}; {@code "1.5"} becomes {@code "#.#"}).
   * So the same problem on the same subject has the same key whatever its measurements.
   */
  public static String problemKey(String type, @Nullable String key, String message) {
    return ProblemRecordCodec.problemKey(type, key, message);
  }

  /**
   * Reads every complete record of one registry file (not its backups), oldest first, skipping
   * lines that are not a complete record (a torn last line after a crash).
   *
   * @throws UncheckedIOException if the file cannot be read
   */
  public static List<ProblemRecord> read(Path path) {
    return readAll(path).records();
  }

  /**
   * Reads one registry file like {@link #read(Path)} and also says how many lines were skipped.
   * Lines longer than 1 MiB are skipped without being held in memory.
   *
   * @throws UncheckedIOException if the file cannot be read
   */
  public static ReadResult readAll(Path path) {
    List<ProblemRecord> records = new ArrayList<>();
    int skipped = forEach(path, records::add);
    return new ReadResult(List.copyOf(records), skipped);
  }

  /**
   * Streams the records of one file to {@code sink}; returns the number of lines skipped. Lines are
   * cut on {@code '\n'} bytes and handed to Jackson as UTF-8 bytes, straight from the read buffer
   * when they fit in it.
   */
  static int forEach(Path path, Consumer<ProblemRecord> sink) {
    int skipped = 0;
    try (InputStream in = Files.newInputStream(path)) {
      byte[] buf = new byte[256 * 1024];
      byte[] carry = new byte[4096];
      int carried = 0;
      boolean oversize = false;
      int n;
      while ((n = in.read(buf)) > 0) {
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (buf[i] != '\n') {
            continue;
          }
          if (oversize) {
            skipped++;
          } else if (carried == 0) {
            skipped += accept(buf, start, i - start, sink);
          } else {
            carry = append(carry, carried, buf, start, i - start);
            carried += i - start;
            skipped += accept(carry, 0, carried, sink);
          }
          carried = 0;
          oversize = false;
          start = i + 1;
        }
        if (!oversize && start < n) {
          if (carried + (n - start) > MAX_READ_LINE_BYTES) {
            oversize = true;
            carried = 0;
          } else {
            carry = append(carry, carried, buf, start, n - start);
            carried += n - start;
          }
        }
      }
      if (oversize) {
        skipped++;
      } else if (carried > 0) {
        skipped += accept(carry, 0, carried, sink);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read problem registry " + path, e);
    }
    return skipped;
  }

  private static byte[] append(byte[] to, int used, byte[] from, int off, int len) {
    byte[] out = to;
    if (used + len > out.length) {
      out = java.util.Arrays.copyOf(to, Math.max(used + len, out.length * 2));
    }
    System.arraycopy(from, off, out, used, len);
    return out;
  }

  private static int accept(byte[] b, int off, int len, Consumer<ProblemRecord> sink) {
    boolean blank = true;
    for (int i = off; i < off + len && blank; i++) {
      blank = b[i] == ' ' || b[i] == '\t' || b[i] == '\r';
    }
    if (blank) {
      return 0;
    }
    ProblemRecord rec = ProblemRecordCodec.parse(b, off, len);
    if (rec == null) {
      return 1;
    }
    sink.accept(rec);
    return 0;
  }

  /** Records {@code signal} as one line. Never throws; see the class guarantees. */
  @Override
  public void onSignal(Signal signal) {
    try {
      append(ProblemRecordCodec.fromSignal(signal, resolve(signal), host, pid, app));
    } catch (RuntimeException e) {
      dropped.incrementAndGet();
      failures.incrementAndGet();
      log.warn("argos: problem registry could not record a signal: {}", e.toString());
    }
  }

  private Action resolve(Signal signal) {
    try {
      Action a = resolver.resolve(signal);
      return a != null ? a : Action.NONE;
    } catch (RuntimeException e) {
      if (!resolverFailureReported) {
        resolverFailureReported = true;
        log.warn("argos: problem registry action resolver threw (reported once): {}", e.toString());
      }
      return Action.NONE;
    }
  }

  /** Appends one record; false when it was dropped (closed, low disk, I/O failure). */
  boolean append(ProblemRecord record) {
    byte[] line;
    try {
      line = ProblemRecordCodec.toLine(record);
    } catch (IOException e) {
      dropped.incrementAndGet();
      failures.incrementAndGet();
      log.warn("argos: problem registry could not serialise a record: {}", e.toString());
      return false;
    }
    @Nullable Signal report = null;
    boolean ok = false;
    lock.lock();
    try {
      if (closed) {
        dropped.incrementAndGet();
        return false;
      }
      long now = clock.nanoTime();
      report = checkSpace(now);
      if (lowSpace) {
        dropped.incrementAndGet();
      } else {
        ok = writeLine(line, now);
      }
    } finally {
      lock.unlock();
    }
    if (report != null) {
      deliverError(report);
    }
    return ok;
  }

  /** Checks the floor when due; returns the one error signal to deliver when writing stops. */
  private @Nullable Signal checkSpace(long now) {
    if (spaceChecked && now - nextSpaceCheck < 0) {
      return null;
    }
    spaceChecked = true;
    nextSpaceCheck = now + CHECK_INTERVAL_NANOS;
    long usable;
    try {
      usable = freeSpace.usableBytes(path);
    } catch (IOException | RuntimeException e) {
      return null; // cannot tell: keep writing, the write itself will report a real failure
    }
    if (usable < minFreeBytes && !lowSpace) {
      lowSpace = true;
      String msg =
          "problem registry "
              + path
              + " stopped writing: "
              + usable / (1024 * 1024)
              + " MiB usable, below the floor of "
              + minFreeBytes / (1024 * 1024)
              + " MiB";
      log.warn("argos: {}", SafeText.neutralise(msg, 512));
      return Signal.builder(Signal.TYPE_ERROR)
          .severity(Severity.WARNING)
          .source("argos")
          .timestamp(clock.instant())
          .key(path.toString())
          .message(msg)
          .data("kind", "registryLowDisk")
          .data("path", path.toString())
          .data("usableBytes", usable)
          .data("minFreeBytes", minFreeBytes)
          .build();
    }
    if (usable >= minFreeBytes && lowSpace) {
      lowSpace = false;
      log.info(
          "argos: problem registry {} resumed writing ({} MiB usable)",
          SafeText.neutralise(path.toString(), 256),
          usable / (1024 * 1024));
    }
    return null;
  }

  private boolean writeLine(byte[] line, long now) {
    if (channel == null) {
      if (failing && now - nextRetry < 0) {
        dropped.incrementAndGet();
        return false;
      }
      try {
        openChannel();
      } catch (IOException e) {
        fail(e, now);
        dropped.incrementAndGet();
        return false;
      }
    }
    try {
      if (size > 0 && size + line.length > maxFileBytes) {
        rotate();
      }
      FileChannel ch = Objects.requireNonNull(channel);
      ByteBuffer buf = ByteBuffer.wrap(line);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      if (syncEachLine) {
        ch.force(false);
      }
      size += line.length;
      written.incrementAndGet();
      if (failing) {
        failing = false;
        log.info(
            "argos: problem registry {} is writing again",
            SafeText.neutralise(path.toString(), 256));
      }
      return true;
    } catch (IOException e) {
      fail(e, now);
      dropped.incrementAndGet();
      return false;
    }
  }

  private void fail(IOException e, long now) {
    failures.incrementAndGet();
    closeChannelQuietly();
    nextRetry = now + CHECK_INTERVAL_NANOS;
    if (!failing) {
      failing = true;
      log.warn(
          "argos: problem registry {} failed to write, retrying at most once a second: {}",
          SafeText.neutralise(path.toString(), 256),
          SafeText.neutralise(e.toString(), 512));
    }
  }

  private void openChannel() throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    FileChannel ch =
        FileChannel.open(
            path, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    try {
      long existing = ch.size();
      if (existing > 0 && !endsWithNewline(existing)) {
        // seal a torn line left by a writer that died, so the next record is not glued to it
        ByteBuffer nl = ByteBuffer.wrap(new byte[] {'\n'});
        while (nl.hasRemaining()) {
          ch.write(nl);
        }
        existing++;
      }
      channel = ch;
      size = existing;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private boolean endsWithNewline(long fileSize) throws IOException {
    try (FileChannel r = FileChannel.open(path, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      return r.read(b, fileSize - 1) == 1 && b.get(0) == '\n';
    }
  }

  private void rotate() throws IOException {
    closeChannelQuietly();
    if (backups == 0) {
      Files.deleteIfExists(path);
    } else {
      for (int i = backups - 1; i >= 1; i--) {
        Path from = backup(i);
        if (Files.exists(from)) {
          Files.move(from, backup(i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.move(path, backup(1), StandardCopyOption.REPLACE_EXISTING);
    }
    rotations.incrementAndGet();
    openChannel();
  }

  private Path backup(int i) {
    return path.resolveSibling(path.getFileName() + "." + i);
  }

  private void closeChannelQuietly() {
    FileChannel ch = channel;
    channel = null;
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        failures.incrementAndGet();
      }
    }
  }

  private void deliverError(Signal report) {
    SignalListener sink = errorSink;
    if (sink == null) {
      return;
    }
    try {
      sink.onSignal(report);
    } catch (RuntimeException e) {
      log.warn("argos: problem registry error sink threw: {}", e.toString());
    }
  }

  /** The file written to. */
  public Path path() {
    return path;
  }

  /** Lines written since open. */
  public long linesWritten() {
    return written.get();
  }

  /** Lines not written since open: low disk, I/O failures, or written after close. */
  public long linesDropped() {
    return dropped.get();
  }

  /** I/O or serialisation failures since open. */
  public long writeFailures() {
    return failures.get();
  }

  /** Rotations since open. */
  long rotations() {
    return rotations.get();
  }

  /** True while writing is stopped because the disk is below the free-space floor. */
  public boolean isStoppedForLowDisk() {
    lock.lock();
    try {
      return lowSpace;
    } finally {
      lock.unlock();
    }
  }

  /** Closes the file; later signals are dropped and counted. Idempotent. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      closeChannelQuietly();
    } finally {
      lock.unlock();
    }
  }

  /** What was done about a problem: see {@link Builder#actionResolver(ActionResolver)}. */
  public record Action(String taken, @Nullable String result) {
    /** No action: {@code actionTaken = "none"}, {@code actionResult = null}. */
    public static final Action NONE = new Action("none", null);

    /** Checks the fields. */
    public Action {
      Objects.requireNonNull(taken, "taken");
    }
  }

  /**
   * Decides the {@code actionTaken}/{@code actionResult} fields of a signal's record. Called on the
   * writing thread; should be quick. If it throws or returns null, {@link Action#NONE} is recorded.
   */
  @FunctionalInterface
  public interface ActionResolver {
    Action resolve(Signal signal);

    /**
     * The default: a quarantine change (type {@value Signal#TYPE_QUARANTINE}, with {@code
     * data.action} saying which change) is {@code "quarantine"}, with the result from {@code
     * data.result} when it is a string, else {@code "ok"}; anything else is {@link Action#NONE}.
     */
    static ActionResolver defaults() {
      return signal -> {
        if (Signal.TYPE_QUARANTINE.equals(signal.type())) {
          Object result = signal.data().get("result");
          return new Action("quarantine", result instanceof String s ? s : "ok");
        }
        return Action.NONE;
      };
    }
  }

  /** The records of a file and the number of lines skipped (torn, foreign or too long). */
  public record ReadResult(List<ProblemRecord> records, int skippedLines) {}

  /** Where usable space comes from: a FileStore, or a fake in tests. */
  @FunctionalInterface
  interface FreeSpace {
    long usableBytes(Path path) throws IOException;
  }

  private static final class FileStoreSpace implements FreeSpace {
    private @Nullable FileStore store;

    @Override
    public long usableBytes(Path path) throws IOException {
      FileStore s = store;
      if (s == null) {
        Path p = path.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
          p = p.getParent();
        }
        if (p == null) {
          throw new IOException("no existing directory above " + path);
        }
        s = Files.getFileStore(p);
        store = s;
      }
      return s.getUsableSpace();
    }
  }

  /** Options of a {@link ProblemRegistry}. Not thread-safe. */
  public static final class Builder {
    private final Path path;
    private long maxFileBytes = DEFAULT_MAX_FILE_BYTES;
    private int backups = DEFAULT_BACKUPS;
    private long minFreeBytes = DEFAULT_MIN_FREE_BYTES;
    private boolean syncEachLine;
    private ActionResolver resolver = ActionResolver.defaults();
    private @Nullable SignalListener errorSink;
    private Clock clock = Clock.system();
    private @Nullable FreeSpace freeSpace;
    private String app = System.getProperty("argos.app", "unknown");
    private @Nullable String host;

    private Builder(Path path) {
      this.path = Objects.requireNonNull(path, "path");
    }

    /** The {@code app} field of every line. Default: system property {@code argos.app}. */
    public Builder app(String app) {
      this.app = SafeText.neutralise(Objects.requireNonNull(app, "app"), 128);
      return this;
    }

    /** The {@code host} field. Default: $HOSTNAME or /etc/hostname (no DNS lookup). */
    public Builder host(String host) {
      this.host = SafeText.neutralise(Objects.requireNonNull(host, "host"), 255);
      return this;
    }

    /** Rotation size in bytes, at least 1 024. Default 10 MiB. */
    public Builder maxFileBytes(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxFileBytes must be at least 1024 but was " + bytes);
      }
      this.maxFileBytes = bytes;
      return this;
    }

    /** Rotated files kept, 0 to 100 ({@code file.1} newest). Default 3. */
    public Builder backups(int backups) {
      if (backups < 0 || backups > 100) {
        throw new IllegalArgumentException("backups must be in [0, 100] but was " + backups);
      }
      this.backups = backups;
      return this;
    }

    /** Writing stops while less than this many bytes are usable. Default 100 MiB; 0 disables. */
    public Builder minFreeBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("minFreeBytes must be >= 0 but was " + bytes);
      }
      this.minFreeBytes = bytes;
      return this;
    }

    /** Force every line to the disk (fsync) before returning. Default false: much slower. */
    public Builder syncEachLine(boolean sync) {
      this.syncEachLine = sync;
      return this;
    }

    /**
     * Decides {@code actionTaken}/{@code actionResult}. Default {@link ActionResolver#defaults()}.
     */
    public Builder actionResolver(ActionResolver resolver) {
      this.resolver = Objects.requireNonNull(resolver, "resolver");
      return this;
    }

    /**
     * Receives the one {@code argosError} signal sent when writing stops for low disk, e.g. {@code
     * agent::publish} to put it on {@code argos:error}. Default: none (log only).
     */
    public Builder errorSink(SignalListener sink) {
      this.errorSink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /** Time source for the once-a-second checks. Default {@link Clock#system()}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Replaces the FileStore probe (tests). */
    Builder freeSpace(FreeSpace probe) {
      this.freeSpace = Objects.requireNonNull(probe, "probe");
      return this;
    }

    /**
     * Opens the registry, creating the file and its directory if needed.
     *
     * @throws UncheckedIOException if the file cannot be created or opened for appending
     */
    public ProblemRegistry open() {
      ProblemRegistry r = new ProblemRegistry(this);
      r.lock.lock();
      try {
        r.openChannel();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open problem registry " + path, e);
      } finally {
        r.lock.unlock();
      }
      return r;
    }
  }
}
