package dev.argos.cli;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Follows a registry file across rotations, the way {@code tail -F} does: keeps the file it opened
 * (a rotated file keeps its inode), reads it to its end when the path names another file, then goes
 * on with the new file from its start. A file cut shorter than what was read is read again from the
 * start. Without {@code fromStart}, what the file held when the follower was made is skipped (a file
 * that appears later is read whole). Hands complete lines only (a line still being written waits for its {@code '\n'}); a line
 * longer than {@link #MAX_LINE_BYTES} is dropped and counted. Not thread-safe: one caller polls.
 */
final class Follower implements Closeable {
  static final int MAX_LINE_BYTES = 1 << 20;

  private final Path path;
  private final boolean skipExisting;
  private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private @Nullable FileChannel channel;
  private @Nullable Object fileKey;
  private long position;
  private boolean openedOnce;
  private boolean dropping;
  private long droppedLines;
  private long rotations;

  Follower(Path path, boolean fromStart) {
    this.path = path;
    this.skipExisting = !fromStart && Files.exists(path);
  }

  /**
   * Reads what was appended since the last call and hands each complete line to {@code lines}.
   *
   * @return the number of lines handed
   * @throws IOException if the file exists but cannot be read
   */
  int poll(Consumer<String> lines) throws IOException {
    int n = 0;
    if (channel == null && !open()) {
      return 0;
    }
    n += drain(lines);
    BasicFileAttributes now = attributes();
    if (now == null || !Objects.equals(now.fileKey(), fileKey)) {
      n += drain(lines); // what was written to the old file before it was moved away
      closeChannel();
      partial.reset();
      dropping = false;
      if (now != null) {
        rotations++;
        if (open()) {
          n += drain(lines);
        }
      }
    } else if (now.size() < position) {
      position = 0; // truncated: start over
      partial.reset();
      dropping = false;
      n += drain(lines);
    }
    return n;
  }

  /** Lines dropped for being longer than {@link #MAX_LINE_BYTES}. */
  long droppedLines() {
    return droppedLines;
  }

  /** Rotations seen (the path came to name another file). */
  long rotations() {
    return rotations;
  }

  private @Nullable BasicFileAttributes attributes() throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private boolean open() throws IOException {
    FileChannel ch;
    try {
      ch = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return false;
    }
    BasicFileAttributes a = attributes();
    fileKey = a == null ? null : a.fileKey();
    position = !openedOnce && skipExisting ? ch.size() : 0;
    openedOnce = true;
    channel = ch;
    return true;
  }

  private int drain(Consumer<String> lines) throws IOException {
    FileChannel ch = channel;
    if (ch == null) {
      return 0;
    }
    int n = 0;
    while (true) {
      buf.clear();
      int r = ch.read(buf, position);
      if (r <= 0) {
        return n;
      }
      position += r;
      byte[] a = buf.array();
      int start = 0;
      for (int i = 0; i < r; i++) {
        if (a[i] != '\n') {
          continue;
        }
        if (dropping) {
          dropping = false;
        } else if (partial.size() + (i - start) > MAX_LINE_BYTES) {
          droppedLines++;
        } else {
          partial.write(a, start, i - start);
          String line = partial.toString(StandardCharsets.UTF_8);
          if (!line.isBlank()) {
            lines.accept(line);
            n++;
          }
        }
        partial.reset();
        start = i + 1;
      }
      if (!dropping && start < r) {
        if (partial.size() + (r - start) > MAX_LINE_BYTES) {
          dropping = true;
          droppedLines++;
          partial.reset();
        } else {
          partial.write(a, start, r - start);
        }
      }
    }
  }

  private void closeChannel() throws IOException {
    FileChannel ch = channel;
    channel = null;
    if (ch != null) {
      ch.close();
    }
  }

  @Override
  public void close() throws IOException {
    closeChannel();
  }
}
