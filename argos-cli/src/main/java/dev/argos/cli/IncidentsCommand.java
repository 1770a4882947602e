package dev.argos.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code argos incidents FILE}: the incidents with their chains, origins and evidence. */
@Command(
    name = "incidents",
    mixinStandardHelpOptions = true,
    versionProvider = ArgosCommand.Version.class,
    description = "Incidents (records of type \"incident\"), newest first: origin, chain, evidence.")
final class IncidentsCommand implements Callable<Integer> {
  @Spec @SuppressWarnings("NullAway.Init")
  CommandSpec spec;

  @Mixin Common.Input input = new Common.Input();

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "text or json (default: ${DEFAULT-VALUE}).")
  Common.Format format = Common.Format.text;

  @Option(
      names = "--state",
      paramLabel = "STATE",
      description = "Only incidents in this state: open or resolved.")
  @Nullable String state;

  @Override
  public Integer call() {
    Inputs.Loaded in = input.load();
    List<Incidents.Incident> all = Incidents.of(in.records());
    List<Incidents.Incident> shown = new ArrayList<>();
    for (Incidents.Incident i : all) {
      if (state == null || state.equals(i.state())) {
        shown.add(i);
      }
    }
    Path base = input.file.toAbsolutePath().getParent();
    PrintWriter out = spec.commandLine().getOut();
    if (format == Common.Format.json) {
      Map<String, @Nullable Object> m = new LinkedHashMap<>();
      m.put("files", in.fileNames());
      m.put("records", in.records().size());
      m.put("skippedLines", in.skippedLines());
      List<Map<String, @Nullable Object>> list = new ArrayList<>();
      shown.forEach(i -> list.add(i.toMap(base)));
      m.put("incidents", list);
      out.println(Json.pretty(m));
    } else if (shown.isEmpty()) {
      out.println("no incidents in " + in.records().size() + " record(s)");
    } else {
      shown.forEach(i -> out.print(text(i)));
    }
    out.flush();
    return 0;
  }

  static String text(Incidents.Incident i) {
    StringBuilder b = new StringBuilder();
    b.append(Text.safe(i.id(), 100))
        .append("  ")
        .append(Text.safe(i.state(), 20))
        .append("  ")
        .append(i.record().severity())
        .append("  opened ")
        .append(i.firstSeen())
        .append(System.lineSeparator());
    b.append("  ").append(Text.safe(i.record().message(), 1_000)).append(System.lineSeparator());
    Map<String, @Nullable Object> o = i.origin();
    Double c = i.confidence();
    b.append("  origin: ")
        .append(Text.safe(o.getOrDefault("kind", "unknown"), 40))
        .append(' ')
        .append(Text.safe(o.getOrDefault("name", ""), 200))
        .append(o.get("type") == null ? "" : " (" + Text.safe(o.get("type"), 60) + ")")
        .append(c == null ? "" : String.format(Locale.ROOT, ", confidence %.2f", c))
        .append(System.lineSeparator());
    String why = i.why();
    if (why != null) {
      b.append("  why: ").append(Text.safe(why, 500)).append(System.lineSeparator());
    }
    for (Map<String, @Nullable Object> step : i.chain()) {
      b.append("    ")
          .append(String.format(Locale.ROOT, "%-12s", Text.safe(step.getOrDefault("role", ""), 20)))
          .append(Text.safe(step.getOrDefault("type", ""), 60))
          .append(step.get("key") == null ? "" : " \"" + Text.safe(step.get("key"), 200) + "\"")
          .append(step.get("at") == null ? "" : " at " + Text.safe(step.get("at"), 40))
          .append(System.lineSeparator());
    }
    String ev = i.evidence();
    String skipped = i.evidenceSkipped();
    b.append("  evidence: ")
        .append(ev != null ? Text.safe(ev, 500)
            : skipped != null ? "none (" + Text.safe(skipped, 200) + ")" : "none")
        .append(System.lineSeparator());
    return b.toString();
  }
}
