package dev.argos.signals;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Signal;
import dev.argos.core.SignalListener;
import dev.argos.core.internal.SafeText;
import dev.argos.core.internal.Throwables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
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
 *       once {@link #onSignal(Signal)} has returned, its line survives the process being killed at
 *       any moment (even {@code SIGKILL}); a kill loses at most the line being written, which a
 *       reader skips and counts. Lines are not forced to the disk ({@code fsync}) unless {@link
 *       Builder#syncEachLine(boolean)} asks for it, so a power cut may lose what the OS had not
 *       written yet.
 *   <li>One writer per file. Registries opened on the same file in one JVM (the same file name in
 *       the same directory, directories resolved through links) share one writer, counted: lines
 *       from both are all kept, rotation happens once, and the file is closed when the last of them
 *       is closed. They must ask for the same {@code maxFileBytes}, {@code backups}, {@code
 *       minFreeBytes} and {@code syncEachLine}, else the second open throws {@link
 *       IllegalStateException}; the clock of the first open is used. Another process opening the
 *       file while it is open here is refused with an {@link IllegalStateException} naming the
 *       file: an exclusive lock on the sidecar file {@code <file>.lock} (left in place, empty but
 *       for the holder's pid) says who writes.
 *   <li>A file deleted or renamed away while open (by hand, or by an external log rotator) is
 *       noticed within a second on the writing path and a new file is created at the path; the
 *       lines of that second went to the old file.
 *   <li>Bounded: the file is rotated when the next line would pass {@link
 *       Builder#maxFileBytes(long)} (10 MiB by default), keeping {@link Builder#backups(int)} (3)
 *       older files {@code file.1} (newest) to {@code file.3}; a line is at most 64 KiB (a record's
 *       {@code data} is replaced by {@code {"truncated":true,"originalBytes":n}} beyond that). So
 *       the registry uses at most about 40 MiB with the defaults.
 *   <li>Writing stops while the file system has less than {@link Builder#minFreeBytes(long)} (100
 *       MiB by default) usable: checked at most once a second. Stopping is reported once (a warning
 *       in the log, {@link #linesDropped()} counting the lines not written, and an {@code
 *       argosError} signal to the {@link Builder#errorSink(SignalListener) error sink} of every
 *       registry sharing the file); writing resumes by itself when space is back.
 *   <li>{@link #onSignal(Signal)} never throws: I/O errors are logged once per episode, counted,
 *       and retried at most once a second. It is safe to call from several threads. An exception
 *       thrown by the action resolver or the error sink is logged as its class name and its message
 *       neutralised (one line, no control characters, at most 200 characters), never with its stack
 *       trace.
 *   <li>Untrusted text (keys, messages, data) is JSON-escaped, including line and paragraph
 *       separators, bidi controls and C1 controls, so a line never splits and never carries a
 *       terminal control character.
 * </ul>
 */
public final class ProblemRegistry implements SignalListener, AutoCloseable {
  /*
   * Design notes. This class is the face: it turns a signal into a record (the action resolver)
   * and a line (ProblemRecordCodec), and counts what it handed over. The file itself is
   * RegistryWriter's job (one per file in this JVM: append, rotation, disk floor, file lock,
   * identity check), and reading is RegistryReader's.
   */

  /** Default rotation size: 10 MiB. */
  public static final long DEFAULT_MAX_FILE_BYTES = 10L * 1024 * 1024;

  /** Default number of rotated files kept. */
  public static final int DEFAULT_BACKUPS = 3;

  /** Default free-space floor: 100 MiB. */
  public static final long DEFAULT_MIN_FREE_BYTES = 100L * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(ProblemRegistry.class);

  /** Longest exception message logged for a user callback's exception, in characters. */
  private static final int MAX_LOGGED_MESSAGE_CHARS = 200;

  private final Path path;
  private final ActionResolver resolver;
  private final @Nullable SignalListener errorSink;
  private final String app;
  private final String host;
  private final long pid;
  private final RegistryWriter.Counters counters = new RegistryWriter.Counters();
  private final SignalListener errorTarget = this::deliverError;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final RegistryWriter writer;
  private volatile boolean resolverFailureReported;

  private ProblemRegistry(Builder b) {
    this.path = b.path;
    this.resolver = b.resolver;
    this.errorSink = b.errorSink;
    this.app = b.app;
    this.host = b.host != null ? b.host : ProblemRecordCodec.localHostName();
    this.pid = ProblemRecordCodec.currentPid();
    this.writer =
        RegistryWriter.acquire(
            b.path,
            new RegistryWriter.Settings(b.maxFileBytes, b.backups, b.minFreeBytes, b.syncEachLine),
            b.clock,
            b.freeSpace,
            errorTarget);
  }

  /**
   * Opens (creating it and its directory if needed) the registry at {@code path} with the defaults:
   * 10 MiB files, 3 backups, a 100 MiB free-space floor, app name from the system property {@code
   * argos.app} or {@code "unknown"}. If this JVM already has the file open, the two share its
   * writer (see the class guarantees).
   *
   * @throws UncheckedIOException if the file cannot be created or opened for appending
   * @throws IllegalStateException if another process is writing the file, or this JVM has it open
   *     with other settings
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
   * lines that are not a complete record (a torn last line after a crash). Takes no lock: a file
   * being written can be read.
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
    return RegistryReader.readAll(path);
  }

  /** Records {@code signal} as one line. Never throws; see the class guarantees. */
  @Override
  public void onSignal(Signal signal) {
    try {
      append(ProblemRecordCodec.fromSignal(signal, resolve(signal), host, pid, app));
    } catch (Throwable e) { // a listener never throws
      counters.fail();
      log.warn("argos: problem registry could not record a signal: {}", Throwables.describe(e, MAX_LOGGED_MESSAGE_CHARS));
    }
  }

  private Action resolve(Signal signal) {
    try {
      Action a = resolver.resolve(signal);
      return a != null ? a : Action.NONE;
    } catch (Throwable e) { // user code: an Error or a sneaky checked exception too
      if (!resolverFailureReported) {
        resolverFailureReported = true;
        log.warn(
            "argos: problem registry action resolver threw (reported once): {}",
            Throwables.describe(e, MAX_LOGGED_MESSAGE_CHARS));
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
      counters.fail();
      log.warn("argos: problem registry could not serialise a record: {}", Throwables.describe(e, MAX_LOGGED_MESSAGE_CHARS));
      return false;
    }
    if (closed.get()) {
      counters.drop();
      return false;
    }
    return writer.append(line, counters);
  }

  /** Hands the writer's low-disk report to this registry's error sink; never throws. */
  private void deliverError(Signal report) {
    SignalListener sink = errorSink;
    if (sink == null || closed.get()) {
      return;
    }
    try {
      sink.onSignal(report);
    } catch (RuntimeException e) {
      log.warn("argos: problem registry error sink threw: {}", Throwables.describe(e, MAX_LOGGED_MESSAGE_CHARS));
    }
  }

  /** The file written to, as given to {@link #builder(Path)}. */
  public Path path() {
    return path;
  }

  /** Lines this registry wrote since open. */
  public long linesWritten() {
    return counters.written.get();
  }

  /** Lines this registry did not write since open: low disk, I/O failures, or after close. */
  public long linesDropped() {
    return counters.dropped.get();
  }

  /** I/O or serialisation failures met by this registry's lines since open. */
  public long writeFailures() {
    return counters.failures.get();
  }

  /** Rotations of the file since its writer opened. */
  long rotations() {
    return writer.rotations();
  }

  /** True while writing is stopped because the disk is below the free-space floor. */
  public boolean isStoppedForLowDisk() {
    return writer.isStoppedForLowDisk();
  }

  /**
   * Closes this registry; later signals are dropped and counted. The file is closed, and its lock
   * freed, when the last registry sharing it is closed. Idempotent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      writer.release(errorTarget);
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
     * data.result} when it is a string, else {@code "ok"}; an action run under guardrails (type
     * {@value Signal#TYPE_ACTION}, published by {@code argos-forensics} on {@code argos:action})
     * is its {@code data.action} (the action's name; {@code "action"} when absent) with {@code
     * data.result} ({@code "success"}, {@code "failure"}, {@code "skipped"}, {@code
     * "suppressed"}, {@code "dryRun"}; null when absent); anything else is {@link Action#NONE}.
     */
    static ActionResolver defaults() {
      return signal -> {
        if (Signal.TYPE_QUARANTINE.equals(signal.type())) {
          Object result = signal.data().get(DataKeys.RESULT);
          return new Action("quarantine", result instanceof String s ? s : "ok");
        }
        if (Signal.TYPE_ACTION.equals(signal.type())) {
          Object name = signal.data().get(DataKeys.ACTION);
          Object result = signal.data().get(DataKeys.RESULT);
          return new Action(
              name instanceof String n && !n.isEmpty() ? n : "action",
              result instanceof String r ? r : null);
        }
        return Action.NONE;
      };
    }
  }

  /** The records of a file and the number of lines skipped (torn, foreign or too long). */
  public record ReadResult(List<ProblemRecord> records, int skippedLines) {}

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
    private RegistryWriter.@Nullable FreeSpace freeSpace;
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
    Builder freeSpace(RegistryWriter.FreeSpace probe) {
      this.freeSpace = Objects.requireNonNull(probe, "probe");
      return this;
    }

    /**
     * Opens the registry, creating the file and its directory if needed, or shares the writer of
     * the registry this JVM already has open on the file.
     *
     * @throws UncheckedIOException if the file cannot be created or opened for appending
     * @throws IllegalStateException if another process is writing the file (it holds {@code
     *     <file>.lock}), or this JVM has it open with other {@code maxFileBytes}, {@code backups},
     *     {@code minFreeBytes} or {@code syncEachLine}
     */
    public ProblemRegistry open() {
      return new ProblemRegistry(this);
    }
  }
}
