package dev.argos.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code argos report FILE -o report.html}: one self-contained HTML page. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    versionProvider = ArgosCommand.Version.class,
    description = {
      "Writes one self-contained HTML page (no network needed to open it).",
      "It shows a timeline by type and severity, counts, top keys, recurring problems,"
          + " incidents with their chains and evidence links, and patterns."
    })
final class ReportCommand implements Callable<Integer> {
  @Spec @SuppressWarnings("NullAway.Init")
  CommandSpec spec;

  @Mixin Common.Input input = new Common.Input();

  @Option(
      names = {"-o", "--output"},
      paramLabel = "OUT",
      description = "The HTML file to write, or - for standard output (default: ${DEFAULT-VALUE}).")
  String output = "report.html";

  @Option(names = "--title", paramLabel = "TITLE", description = "The page's title.")
  @Nullable String title;

  @Override
  public Integer call() {
    Inputs.Loaded in = input.load();
    Path base = input.file.toAbsolutePath().getParent();
    String t = title != null ? title : "Argos report: " + input.file.getFileName();
    String html = Report.html(Report.model(in, input.zone, base, t, Instant.now()));
    PrintWriter out = spec.commandLine().getOut();
    if ("-".equals(output)) {
      out.print(html);
      out.flush();
      return 0;
    }
    Path to = Path.of(output);
    try {
      Files.writeString(to, html, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new Inputs.UnreadableException(
          "cannot write " + Inputs.describe(to) + ": " + Text.safe(e.getMessage(), 200), e);
    }
    spec.commandLine()
        .getErr()
        .println(String.format(Locale.ROOT, "argos: wrote %s (%d records, %,d bytes)",
            Inputs.describe(to), in.records().size(), html.getBytes(StandardCharsets.UTF_8).length));
    return 0;
  }
}
