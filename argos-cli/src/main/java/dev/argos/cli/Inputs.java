package dev.argos.cli;

import dev.argos.core.internal.SafeText;
import dev.argos.signals.ProblemRecord;
import dev.argos.signals.ProblemRegistry;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Reads the registry files a command was given, with their rotated backups when asked. */
final class Inputs {
  /** Highest backup number looked for ({@code FILE.1} ... {@code FILE.N}). */
  static final int MAX_BACKUPS = 99;

  /** A file the command could not read; the message is one line, safe to print. */
  static final class UnreadableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnreadableException(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * What was read.
   *
   * @param files the files, oldest first
   * @param records every complete record, oldest file first, in file order
   * @param skippedLines lines that were not complete records
   */
  record Loaded(List<Path> files, List<ProblemRecord> records, long skippedLines) {
    List<String> fileNames() {
      return files.stream().map(Path::toString).toList();
    }
  }

  private Inputs() {}

  /**
   * The files to read for {@code file}: its rotated backups first when {@code withBackups} (the
   * highest number, the oldest, first), then the file itself.
   */
  static List<Path> files(Path file, boolean withBackups) {
    List<Path> out = new ArrayList<>();
    if (withBackups) {
      for (int i = 1; i <= MAX_BACKUPS; i++) {
        Path b = file.resolveSibling(file.getFileName() + "." + i);
        if (Files.isRegularFile(b)) {
          out.add(b);
        }
      }
      out.sort(Comparator.comparing(Inputs::backupNumber).reversed());
    }
    out.add(file);
    return out;
  }

  private static int backupNumber(Path p) {
    String n = p.getFileName().toString();
    return Integer.parseInt(n.substring(n.lastIndexOf('.') + 1));
  }

  /**
   * Reads the files.
   *
   * @throws UnreadableException when one cannot be read (missing, a directory, no permission)
   */
  static Loaded load(List<Path> files) {
    List<ProblemRecord> records = new ArrayList<>();
    long skipped = 0;
    for (Path f : files) {
      if (Files.isDirectory(f)) {
        throw new UnreadableException("cannot read " + describe(f) + ": it is a directory", null);
      }
      try {
        ProblemRegistry.ReadResult r = ProblemRegistry.readAll(f);
        records.addAll(r.records());
        skipped += r.skippedLines();
      } catch (UncheckedIOException e) {
        throw unreadable(f, e.getCause() != null ? e.getCause() : e);
      }
    }
    return new Loaded(List.copyOf(files), records, skipped);
  }

  static UnreadableException unreadable(Path f, Throwable cause) {
    String why = cause.getClass().getSimpleName();
    if (cause instanceof java.nio.file.NoSuchFileException) {
      why = "no such file";
    } else if (cause instanceof java.nio.file.AccessDeniedException) {
      why = "permission denied";
    } else if (cause.getMessage() != null) {
      why = why + " " + cause.getMessage();
    }
    return new UnreadableException(
        "cannot read " + describe(f) + ": " + SafeText.neutralise(why, 200), cause);
  }

  /** The path, quoted and neutralised for one line of text. */
  static String describe(Path f) {
    return "\"" + SafeText.neutralise(f.toString(), 300) + "\"";
  }
}
