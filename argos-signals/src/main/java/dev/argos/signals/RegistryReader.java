package dev.argos.signals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads registry files: cuts lines on {@code '\n'} bytes, parses each with {@link
 * ProblemRecordCodec}, and skips (and counts) every line that is not a complete record (a torn last
 * line, a foreign line, a line over {@value #MAX_READ_LINE_BYTES} bytes). Takes no lock and writes
 * nothing, so it can read a file a live registry is appending to.
 */
final class RegistryReader {
  /** Longest line read; longer lines are skipped without being held in memory. */
  static final int MAX_READ_LINE_BYTES = 1 << 20;

  private static final int BUFFER_BYTES = 256 * 1024;

  private RegistryReader() {}

  /** Every complete record of {@code path}, oldest first, and the number of lines skipped. */
  static ProblemRegistry.ReadResult readAll(Path path) {
    List<ProblemRecord> records = new ArrayList<>();
    int skipped = forEach(path, records::add);
    return new ProblemRegistry.ReadResult(List.copyOf(records), skipped);
  }

  /**
   * Streams the records of one file to {@code sink}; returns the number of lines skipped. Lines are
   * handed to Jackson as UTF-8 bytes, straight from the read buffer when they fit in it.
   *
   * @throws UncheckedIOException if the file cannot be read
   */
  static int forEach(Path path, Consumer<ProblemRecord> sink) {
    int skipped = 0;
    try (InputStream in = Files.newInputStream(path)) {
      byte[] buf = new byte[BUFFER_BYTES];
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
      out = Arrays.copyOf(to, Math.max(used + len, out.length * 2));
    }
    System.arraycopy(from, off, out, used, len);
    return out;
  }

  /** Hands one line to {@code sink}; returns 1 when it was skipped, 0 otherwise (blank or read). */
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
}
