package dev.argos.signals;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Command line for a problem registry: prints {@link RegistryStats} or {@link RegistryPatterns} as
 * JSON on standard output.
 *
 * <pre>
 * java -cp CLASSPATH dev.argos.signals.RegistryTool stats    [--zone ZONE] FILE...
 * java -cp CLASSPATH dev.argos.signals.RegistryTool patterns [--zone ZONE] FILE...
 * </pre>
 *
 * <p>FILE... are registry files, e.g. {@code argos-problems.jsonl argos-problems.jsonl.1}; ZONE
 * (default UTC) is a zone id such as {@code Europe/Paris} for days and hours. Exit status: 0 on
 * success, 1 when a file cannot be read, 2 on a usage error.
 */
public final class RegistryTool {
  private static final String USAGE =
      """
      usage: RegistryTool stats|patterns [--zone ZONE] FILE...
        stats     counts by type, severity, action result; hourly and daily buckets
        patterns  recurring problems, same-hour recurrences, rising trends, recurring keys\
      """;

  private RegistryTool() {}

  /** Runs the tool; exits with a non-zero status on failure. */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    int status = run(args, out, System.err);
    out.flush();
    if (status != 0) {
      System.exit(status);
    }
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length < 2 || !(args[0].equals("stats") || args[0].equals("patterns"))) {
      err.println(USAGE);
      return 2;
    }
    ZoneId zone = ZoneOffset.UTC;
    List<Path> files = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--zone")) {
        if (i + 1 >= args.length) {
          err.println(USAGE);
          return 2;
        }
        try {
          zone = ZoneId.of(args[++i]);
        } catch (DateTimeException e) {
          err.println("unknown zone: " + args[i]);
          return 2;
        }
      } else {
        files.add(Path.of(args[i]));
      }
    }
    if (files.isEmpty()) {
      err.println(USAGE);
      return 2;
    }
    try {
      out.println(
          args[0].equals("stats")
              ? RegistryStats.of(files, zone).toJson()
              : RegistryPatterns.of(files, zone).toJson());
      return 0;
    } catch (UncheckedIOException e) {
      err.println(e.getMessage() + ": " + e.getCause());
      return 1;
    }
  }

  /** Pretty JSON with the registry's escaping (no raw control or bidi characters). */
  static String json(Object value) {
    try {
      return ProblemRecordCodec.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise", e);
    }
  }
}
