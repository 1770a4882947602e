package dev.argos.cli;

import dev.argos.core.internal.SafeText;
import dev.argos.core.internal.Throwables;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code argos} command: {@code stats}, {@code patterns}, {@code incidents}, {@code report} and
 * {@code tail} over problem-registry files. Run it as {@code java -jar argos.jar --help}.
 *
 * <p>Exit status: 0 on success (and for {@code --help}, {@code --version}), 1 when an input file
 * cannot be read (one line on standard error), 2 on a usage error (the message and the usage on
 * standard error). JSON on standard output ({@code --format json}) is nothing but JSON.
 */
@Command(
    name = "argos",
    mixinStandardHelpOptions = true,
    versionProvider = ArgosCommand.Version.class,
    sortOptions = false,
    description = "Reads Argos problem-registry files (JSONL): counts, patterns, incidents,"
        + " an HTML report, and a live tail.",
    subcommands = {
      StatsCommand.class,
      PatternsCommand.class,
      IncidentsCommand.class,
      ReportCommand.class,
      TailCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Exit status: 0 ok, 1 an input cannot be read, 2 usage error.",
      "Examples:",
      "  java -jar argos.jar stats argos-problems.jsonl",
      "  java -jar argos.jar patterns --all --format json argos-problems.jsonl | jq .",
      "  java -jar argos.jar report argos-problems.jsonl -o report.html",
      "  java -jar argos.jar tail argos-problems.jsonl"
    })
public final class ArgosCommand implements Runnable {
  @Spec @SuppressWarnings("NullAway.Init")
  CommandSpec spec;

  ArgosCommand() {}

  /**
   * Runs the command and exits the JVM with its status (see the class description).
   *
   * @param args the command line, e.g. {@code stats argos-problems.jsonl}
   */
  public static void main(String[] args) {
    PrintWriter out =
        new PrintWriter(
            new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    PrintWriter err =
        new PrintWriter(
            new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    int status = execute(out, err, args);
    out.flush();
    err.flush();
    System.exit(status);
  }

  /** Runs the command with the given streams; returns the exit status. */
  static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    int status = cl.execute(args);
    out.flush();
    err.flush();
    return status;
  }

  /** The configured command line (exit codes, one-line errors). */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new ArgosCommand());
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          if (e instanceof Inputs.UnreadableException) {
            err.println("argos: " + e.getMessage());
          } else {
            err.println("argos: failed: " + SafeText.neutralise(Throwables.describe(e), 500));
          }
          err.flush();
          return 1;
        });
    return cl;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "Missing a command: stats, patterns, incidents, report or tail");
  }

  /** The version from the build. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"argos " + version()};
    }

    static String version() {
      Properties p = new Properties();
      try (InputStream in = ArgosCommand.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        // fall through to "unknown"
      }
      return p.getProperty("version", "unknown");
    }
  }
}
