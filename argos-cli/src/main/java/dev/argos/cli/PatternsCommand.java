package dev.argos.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code argos patterns FILE}: what keeps coming back. */
@Command(
    name = "patterns",
    mixinStandardHelpOptions = true,
    versionProvider = ArgosCommand.Version.class,
    description = "Recurring problems, same-hour recurrences, rising trends, recurring keys.")
final class PatternsCommand implements Callable<Integer> {
  @Spec @SuppressWarnings("NullAway.Init")
  CommandSpec spec;

  @Mixin Common.Input input = new Common.Input();

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "text or json (default: ${DEFAULT-VALUE}).")
  Common.Format format = Common.Format.text;

  @Override
  public Integer call() {
    RegistryPatterns p = RegistryPatterns.of(input.load(), input.zone);
    PrintWriter out = spec.commandLine().getOut();
    if (format == Common.Format.json) {
      out.println(p.toJson());
    } else if (p.findings().isEmpty()) {
      out.println("no patterns in " + p.records() + " record(s)");
    } else {
      for (RegistryPatterns.Finding f : p.findings()) {
        out.println(
            Text.safe(f.kind(), 32) + "  x" + f.count() + "  " + Text.safe(f.summary(), 1_000));
      }
    }
    out.flush();
    return 0;
  }
}
