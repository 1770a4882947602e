package dev.argos.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code argos tail FILE}: one line per signal as the registry grows, across rotations. */
@Command(
    name = "tail",
    mixinStandardHelpOptions = true,
    versionProvider = ArgosCommand.Version.class,
    description = {
      "Prints one line per signal appended to FILE, across rotations (Ctrl-C stops).",
      "Lines are coloured by severity only when standard output is a terminal."
    })
final class TailCommand implements Callable<Integer> {
  static final String RESET = "\u001b[0m";
  static final String RED = "\u001b[31m";
  static final String YELLOW = "\u001b[33m";
  static final String CYAN = "\u001b[36m";

  /** When to colour. */
  enum Color {
    auto,
    always,
    never
  }

  @Spec @SuppressWarnings("NullAway.Init")
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The registry file to follow.")
  @SuppressWarnings("NullAway.Init")
  Path file;

  @Option(names = "--from-start", description = "Print the lines already in FILE first.")
  boolean fromStart;

  @Option(names = "--no-follow", description = "Print what is there and stop.")
  boolean noFollow;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "text or json: one JSON object a line (default: ${DEFAULT-VALUE}).")
  Common.Format format = Common.Format.text;

  @Option(
      names = "--color",
      paramLabel = "WHEN",
      description = "auto (only on a terminal), always or never (default: ${DEFAULT-VALUE}).")
  Color color = Color.auto;

  @Option(
      names = "--interval",
      paramLabel = "MS",
      description = "Milliseconds between two looks at the file (default: ${DEFAULT-VALUE}).")
  long intervalMs = 250;

  @Override
  public Integer call() throws IOException {
    if (intervalMs < 10 || intervalMs > 60_000) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--interval must be within [10, 60000] ms but was " + intervalMs);
    }
    PrintWriter out = spec.commandLine().getOut();
    boolean colour = color == Color.always || (color == Color.auto && stdoutIsTerminal());
    if (java.nio.file.Files.isDirectory(file)
        || (!java.nio.file.Files.exists(file) && noFollow)) {
      throw Inputs.unreadable(file, new java.nio.file.NoSuchFileException(file.toString()));
    }
    try (Follower f = new Follower(file, fromStart || noFollow)) {
      while (true) {
        try {
          f.poll(line -> out.println(format(line, format, colour)));
        } catch (IOException e) {
          throw Inputs.unreadable(file, e);
        }
        out.flush();
        if (noFollow || out.checkError()) {
          return 0;
        }
        try {
          TimeUnit.MILLISECONDS.sleep(intervalMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return 0;
        }
      }
    }
  }

  /**
   * True when standard output is a terminal: {@code System.console() != null}, and on JDK 22 and
   * later also {@code Console.isTerminal()} (there {@code System.console()} is no longer null when
   * the output is redirected).
   */
  static boolean stdoutIsTerminal() {
    java.io.Console console = System.console();
    if (Runtime.version().feature() < 22) {
      // JDK 17 to 21: a console exists only on a terminal (from 22, isTerminal() below decides)
      return java.util.Objects.nonNull(console);
    }
    try {
      return Boolean.TRUE.equals(java.io.Console.class.getMethod("isTerminal").invoke(console));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false; // no console at all (a null receiver) counts as no terminal
    }
  }

  /** One registry line as printed: text (one safe line) or compact JSON. */
  static String format(String line, Common.Format format, boolean colour) {
    JsonNode n;
    try {
      n = Json.reader().readTree(line);
    } catch (JsonProcessingException e) {
      n = null;
    }
    if (n == null || !n.isObject()) {
      return format == Common.Format.json
          ? Json.compact(java.util.Map.of("unparsed", line.length() > 4096
              ? line.substring(0, 4096) : line))
          : "? " + Text.safe(line, 300);
    }
    if (format == Common.Format.json) {
      return Json.compact(n);
    }
    String severity = text(n, "severity");
    String key = n.hasNonNull("key") ? " \"" + Text.safe(text(n, "key"), 200) + "\"" : "";
    String action = text(n, "actionTaken");
    String s =
        Text.safe(text(n, "ts"), 40)
            + " "
            + String.format(java.util.Locale.ROOT, "%-8s", Text.safe(severity, 10))
            + " "
            + Text.safe(text(n, "type"), 60)
            + key
            + "  "
            + Text.safe(text(n, "message"), 500)
            + (action.isEmpty() || "none".equals(action)
                ? ""
                : "  [" + Text.safe(action, 60) + " " + Text.safe(text(n, "actionResult"), 60)
                    + "]");
    @Nullable String c = colour ? colourOf(severity) : null;
    return c == null ? s : c + s + RESET;
  }

  private static @Nullable String colourOf(String severity) {
    return switch (severity) {
      case "CRITICAL" -> RED;
      case "WARNING" -> YELLOW;
      case "INFO" -> CYAN;
      default -> null;
    };
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString();
  }
}
