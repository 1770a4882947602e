package dev.argos.signals;

import dev.argos.core.Clock;
import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.SignalListener;
import dev.argos.core.internal.SafeText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of a registry file: appends whole lines, rotates, keeps the free-space floor,
 * notices a file deleted or replaced under it, and holds the file's lock. Every {@link
 * ProblemRegistry} opened on the same file in this JVM shares one writer (reference-counted); a
 * writer in another process is refused by a lock on the sidecar file {@code <file>.lock}.
 */
final class RegistryWriter {
  /*
   * Design notes.
   *
   * One writer per file. Two writers appending to one file each track their own size and rotate
   * the file under each other: lines land in a file just renamed away and are lost, and the size
   * limit is overshot. So in one JVM a table keyed by the canonical path (the directory resolved
   * with toRealPath, plus the file name) hands every open of the same file the same writer,
   * counted; the last release closes it. Across processes an exclusive FileLock on "<file>.lock"
   * refuses the second process. The lock is on a sidecar, not on the data file, because rotation
   * renames the data file (a lock follows the inode, not the name). The sidecar is never deleted:
   * deleting it while another process opens it would let two processes lock two different inodes.
   * The lock is advisory (it stops Argos writers, not other programs) and may not hold on network
   * file systems that do not support fcntl locks.
   *
   * Writing: a listener runs on a bus delivery thread, which may do I/O; so lines are written
   * synchronously under one lock (several registries sharing this writer, or two subscriptions
   * of one registry, may run on several threads). No user-space buffer: FileChannel.write in
   * APPEND mode hands the whole line to the kernel in one call (a loop only guards the
   * theoretical partial write), which is what makes the SIGKILL guarantee hold: the page cache
   * survives the process.
   *
   * Torn lines: when the file does not end in '\n' at open (the previous writer died mid-line),
   * a '\n' is written first so the fragment stays a line of its own.
   *
   * Once a second on the writing path (the injected Clock decides), two cheap checks:
   * FileStore.getUsableSpace (a statfs) for the disk floor, and the file's identity (a stat of
   * the path compared with the fileKey, device and inode, recorded when the channel was opened).
   * A file deleted or renamed away (an external rotator) is reopened, so at most a second of
   * lines goes to the old inode; the size is re-read from the channel at the same time (a
   * copy-and-truncate rotator). While below the disk floor every line is dropped and counted.
   *
   * Failure: any IOException closes the channel, is reported once, and the file is reopened at
   * most once a second; lines in between are dropped and counted.
   *
   * Lock order: the table (OPEN) before the writer's lock; append takes only the writer's lock.
   */

  /** How often the disk floor and the file's identity are checked, and a failure retried. */
  static final long CHECK_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();

  private static final Logger log = LoggerFactory.getLogger(ProblemRegistry.class);

  /** The open writers of this JVM, by canonical path. Bounded by the files open. */
  private static final Map<Path, RegistryWriter> OPEN = new HashMap<>(); // guarded by OPEN

  /** The settings every registry sharing one writer must agree on. */
  record Settings(long maxFileBytes, int backups, long minFreeBytes, boolean syncEachLine) {}

  /** Where usable space comes from: a FileStore, or a fake in tests. */
  @FunctionalInterface
  interface FreeSpace {
    long usableBytes(Path path) throws IOException;
  }

  /** The line counters of one {@link ProblemRegistry}: the writer counts on its caller's. */
  static final class Counters {
    final AtomicLong written = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong failures = new AtomicLong();

    void drop() {
      dropped.incrementAndGet();
    }

    void fail() {
      dropped.incrementAndGet();
      failures.incrementAndGet();
    }
  }

  private final Path path;
  private final Path lockPath;
  private final Settings settings;
  private final Clock clock;
  private final FreeSpace freeSpace;
  private final long pid;
  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicLong rotations = new AtomicLong();
  private final AtomicLong reopens = new AtomicLong();
  private final List<SignalListener> errorTargets = new CopyOnWriteArrayList<>();
  private int refs; // guarded by OPEN

  // guarded by OPEN (taken and released with the table); closing it releases the file lock
  private @Nullable FileChannel lockChannel;

  // guarded by lock
  private @Nullable FileChannel channel;
  private @Nullable Object fileKey;
  private long size;
  private boolean lowSpace;
  private boolean failing;
  private boolean spaceChecked;
  private long nextSpaceCheck;
  private long nextRetry;
  private long nextIdentityCheck;
  private boolean closed;

  private RegistryWriter(Path path, Settings settings, Clock clock, FreeSpace freeSpace) {
    this.path = path;
    this.lockPath = path.resolveSibling(path.getFileName() + ".lock");
    this.settings = settings;
    this.clock = clock;
    this.freeSpace = freeSpace;
    this.pid = ProblemRecordCodec.currentPid();
  }

  /**
   * The writer of {@code requested}: this JVM's open one if there is one (its count raised), else a
   * new one (the directory created, the lock taken, the file opened for appending). {@code
   * errorTarget} receives the low-disk report until {@link #release(SignalListener)}; it must not
   * throw. A new writer uses {@code clock} and {@code freeSpace}; a shared one keeps its own.
   *
   * @throws UncheckedIOException if the file or its lock cannot be created or opened
   * @throws IllegalStateException if another process holds the file, or this JVM has it open with
   *     other {@code settings}
   */
  static RegistryWriter acquire(
      Path requested,
      Settings settings,
      Clock clock,
      @Nullable FreeSpace freeSpace,
      SignalListener errorTarget) {
    Path key = canonical(requested);
    synchronized (OPEN) {
      RegistryWriter w = OPEN.get(key);
      if (w == null) {
        w = openUnderAnotherName(key);
      }
      if (w == null) {
        w =
            new RegistryWriter(
                key, settings, clock, freeSpace != null ? freeSpace : new FileStoreSpace());
        w.start();
        OPEN.put(key, w);
      } else if (!w.settings.equals(settings)) {
        throw new IllegalStateException(
            "problem registry "
                + key
                + " is already open in this JVM with "
                + describe(w.settings)
                + "; a second open shares that writer and must ask for the same, but asked for "
                + describe(settings));
      }
      w.refs++;
      w.errorTargets.add(errorTarget);
      return w;
    }
  }

  private static String describe(Settings s) {
    return "maxFileBytes="
        + s.maxFileBytes()
        + ", backups="
        + s.backups()
        + ", minFreeBytes="
        + s.minFreeBytes()
        + ", syncEachLine="
        + s.syncEachLine();
  }

  /**
   * The open writer whose file {@code key} is under another name (a hard link), or null. Called
   * under OPEN, at open time only: one look at each open registry of this JVM.
   */
  private static @Nullable RegistryWriter openUnderAnotherName(Path key) {
    if (!Files.exists(key)) {
      return null;
    }
    for (RegistryWriter w : OPEN.values()) {
      try {
        if (Files.isSameFile(w.path, key)) {
          return w;
        }
      } catch (IOException | RuntimeException e) {
        // that writer's file is gone or unreadable now: not this file
      }
    }
    return null;
  }

  /**
   * The file resolved through links: the directory (created if missing) and, when the file exists,
   * the file itself (a symbolic link to a registry file is that file), plus the file name.
   */
  private static Path canonical(Path requested) {
    Path abs = requested.toAbsolutePath();
    Path name = abs.getFileName();
    Path parent = abs.getParent();
    if (name == null || parent == null) {
      throw new IllegalArgumentException("path must name a file but was " + requested);
    }
    try {
      Files.createDirectories(parent);
      Path key = parent.toRealPath().resolve(name);
      if (Files.isDirectory(key)) {
        throw new IOException(key + " is a directory");
      }
      return Files.exists(key) ? key.toRealPath() : key;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open problem registry " + requested, e);
    }
  }

  /** Takes the file's lock and opens it; on failure releases what it took. Called under OPEN. */
  private void start() {
    FileChannel lc = null;
    try {
      lc =
          FileChannel.open(
              lockPath,
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      FileLock fl;
      String holder;
      try {
        fl = lc.tryLock();
        holder = fl == null ? holder(lc) : "";
      } catch (OverlappingFileLockException e) {
        fl = null; // locked in this JVM outside Argos's table: not ours to share
        holder = "this JVM, outside Argos";
      }
      if (fl == null) {
        throw new IllegalStateException(
            "problem registry "
                + path
                + " is already being written by another process ("
                + holder
                + ", lock file "
                + lockPath
                + "); a registry file has one writer: give each process its own file");
      }
      lc.truncate(0);
      ByteBuffer me = ByteBuffer.wrap((pid + "\n").getBytes(StandardCharsets.US_ASCII));
      while (me.hasRemaining()) {
        lc.write(me, me.position());
      }
      lockChannel = lc;
      lock.lock();
      try {
        openChannel();
      } finally {
        lock.unlock();
      }
    } catch (IOException e) {
      closeLock(lc);
      throw new UncheckedIOException("cannot open problem registry " + path, e);
    } catch (RuntimeException e) {
      closeLock(lc);
      throw e;
    }
  }

  /** "pid N" as the holder wrote it in the lock file, or "pid unknown". */
  private static String holder(FileChannel lc) {
    try {
      ByteBuffer b = ByteBuffer.allocate(24);
      lc.read(b, 0);
      String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
      return s.matches("[0-9]{1,19}") ? "pid " + s : "pid unknown";
    } catch (IOException | RuntimeException e) {
      return "pid unknown";
    }
  }

  private void closeLock(@Nullable FileChannel lc) {
    lockChannel = null;
    if (lc != null) {
      try {
        lc.close(); // releases the lock too
      } catch (IOException e) {
        log.debug("argos: closing the lock file of problem registry failed", e);
      }
    }
  }

  /**
   * Lowers the count; the last release closes the file and frees its lock (for this JVM and other
   * processes). Called once per {@link #acquire}.
   */
  void release(SignalListener errorTarget) {
    synchronized (OPEN) {
      errorTargets.remove(errorTarget);
      if (--refs > 0) {
        return;
      }
      OPEN.remove(path, this);
      lock.lock();
      try {
        closed = true;
        closeChannelQuietly(null);
      } finally {
        lock.unlock();
      }
      closeLock(lockChannel);
    }
  }

  /**
   * Appends one serialised line, counting it on {@code counters} as written, or dropped (closed,
   * low disk, I/O failure). The low-disk report, if this line started one, goes to every error
   * target after the lock is released. Never throws an IOException.
   */
  boolean append(byte[] line, Counters counters) {
    @Nullable Signal report = null;
    boolean ok = false;
    lock.lock();
    try {
      if (closed) {
        counters.drop();
        return false;
      }
      long now = clock.nanoTime();
      report = checkSpace(now);
      if (lowSpace) {
        counters.drop();
      } else {
        ok = writeLine(line, now, counters);
      }
    } finally {
      lock.unlock();
    }
    if (report != null) {
      for (SignalListener target : errorTargets) {
        target.onSignal(report);
      }
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
    long minFreeBytes = settings.minFreeBytes();
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
      if (errorTargets.isEmpty()) {
        // with an error sink the report is logged once, by whoever receives it (the agent's
        // ErrorReporter for agent::publish), not here as well
        log.warn("argos: {}", SafeText.neutralise(msg, 512));
      }
      return Signal.builder(Signal.TYPE_ERROR)
          .severity(Severity.WARNING)
          .source("argos")
          .timestamp(clock.instant())
          .key(path.toString())
          .message(msg)
          .data(DataKeys.KIND, "registryLowDisk")
          .data(DataKeys.PATH, path.toString())
          .data(DataKeys.USABLE_BYTES, usable)
          .data(DataKeys.MIN_FREE_BYTES, minFreeBytes)
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

  private boolean writeLine(byte[] line, long now, Counters counters) {
    if (channel == null) {
      if (failing && now - nextRetry < 0) {
        counters.drop();
        return false;
      }
      try {
        openChannel();
      } catch (IOException e) {
        fail(e, now, counters);
        return false;
      }
    }
    try {
      if (now - nextIdentityCheck >= 0) {
        checkIdentity(counters);
      }
      if (size > 0 && size + line.length > settings.maxFileBytes()) {
        rotate(counters);
      }
      FileChannel ch = Objects.requireNonNull(channel);
      ByteBuffer buf = ByteBuffer.wrap(line);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      if (settings.syncEachLine()) {
        ch.force(false);
      }
      size += line.length;
      counters.written.incrementAndGet();
      if (failing) {
        failing = false;
        log.info(
            "argos: problem registry {} is writing again",
            SafeText.neutralise(path.toString(), 256));
      }
      return true;
    } catch (IOException e) {
      fail(e, now, counters);
      return false;
    }
  }

  /**
   * Reopens the file when the path no longer names the file the channel writes to (deleted, or
   * renamed away), and re-reads the size (truncated by someone else). One stat and one fstat.
   */
  private void checkIdentity(Counters counters) throws IOException {
    nextIdentityCheck = clock.nanoTime() + CHECK_INTERVAL_NANOS;
    FileChannel ch = Objects.requireNonNull(channel);
    @Nullable Object now;
    try {
      now = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      reopen("was deleted", counters);
      return;
    }
    Object recorded = fileKey;
    if (recorded != null && now != null && !recorded.equals(now)) {
      reopen("was replaced", counters);
      return;
    }
    size = ch.size();
  }

  private void reopen(String what, Counters counters) throws IOException {
    closeChannelQuietly(counters);
    reopens.incrementAndGet();
    log.warn(
        "argos: problem registry {} {} while open; writing to a new file at that path (lines of"
            + " the last second went to the old one)",
        SafeText.neutralise(path.toString(), 256),
        what);
    openChannel();
  }

  private void fail(IOException e, long now, Counters counters) {
    counters.fail();
    closeChannelQuietly(counters);
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
      fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
      channel = ch;
      size = existing;
      nextIdentityCheck = clock.nanoTime() + CHECK_INTERVAL_NANOS;
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

  private void rotate(Counters counters) throws IOException {
    closeChannelQuietly(counters);
    int backups = settings.backups();
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

  private void closeChannelQuietly(@Nullable Counters counters) {
    FileChannel ch = channel;
    channel = null;
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        if (counters != null) {
          counters.failures.incrementAndGet();
        }
      }
    }
  }

  /** The canonical path written to. */
  Path path() {
    return path;
  }

  /** Rotations since this writer opened. */
  long rotations() {
    return rotations.get();
  }

  /** Times the file was found deleted or replaced and reopened. */
  long reopens() {
    return reopens.get();
  }

  /** True while writing is stopped because the disk is below the free-space floor. */
  boolean isStoppedForLowDisk() {
    lock.lock();
    try {
      return lowSpace;
    } finally {
      lock.unlock();
    }
  }

  /** The real free-space probe: the usable space of the file's FileStore. */
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
}
