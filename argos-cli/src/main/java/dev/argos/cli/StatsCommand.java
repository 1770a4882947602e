package dev.argos.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code argos stats FILE}: counts. */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    versionProvider = ArgosCommand.Version.class,
    description = "Counts by type, severity, action and action result; hourly and daily buckets.")
final class StatsCommand implements Callable<Integer> {
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
    RegistryStats s = RegistryStats.of(input.load(), input.zone);
    PrintWriter out = spec.commandLine().getOut();
    if (format == Common.Format.json) {
      out.println(s.toJson());
    } else {
      out.print(text(s));
    }
    out.flush();
    return 0;
  }

  static String text(RegistryStats s) {
    StringBuilder b = new StringBuilder();
    line(b, "records", s.records() + " (" + s.resolved() + " resolved, "
        + s.skippedLines() + " line(s) skipped)");
    line(b, "from", s.first() == null ? "-" : String.valueOf(s.first()));
    line(b, "to", s.last() == null ? "-" : String.valueOf(s.last()));
    line(b, "by type", counts(s.byType()));
    line(b, "by severity", counts(s.bySeverity()));
    line(b, "by action", counts(s.byActionTaken()));
    line(b, "by result", counts(s.byActionResult()));
    Double rate = s.actionSuccessRate();
    line(b, "actions ok", rate == null ? "-"
        : String.format(Locale.ROOT, "%.1f %% of %d", rate * 100, s.actionsTaken()));
    line(b, "busiest day", busiest(s.daily()));
    line(b, "busiest hour", busiest(s.hourly()));
    line(b, "zone", s.zone().getId());
    return b.toString();
  }

  private static void line(StringBuilder b, String name, String value) {
    b.append(String.format(Locale.ROOT, "%-13s %s%n", name, Text.safe(value, 2_000)));
  }

  static String counts(Map<String, Long> m) {
    if (m.isEmpty()) {
      return "-";
    }
    StringBuilder b = new StringBuilder();
    m.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed()
            .thenComparing(Map.Entry.comparingByKey()))
        .forEach(e -> b.append(b.length() == 0 ? "" : ", ")
            .append(e.getKey()).append(' ').append(e.getValue()));
    return b.toString();
  }

  private static String busiest(Map<String, Long> m) {
    return m.entrySet().stream()
        .max(Map.Entry.<String, Long>comparingByValue()
            .thenComparing(Map.Entry.comparingByKey(java.util.Comparator.reverseOrder())))
        .map(e -> e.getKey() + " (" + e.getValue() + ")")
        .orElse("-");
  }
}
