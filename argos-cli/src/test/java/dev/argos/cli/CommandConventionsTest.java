package dev.argos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The conventions every subcommand keeps: exit statuses, where text goes, pure JSON. */
class CommandConventionsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  Path file;

  @BeforeEach
  void write() {
    file = dir.resolve("problems.jsonl");
    Registries.known(file);
  }

  @Test
  void helpAndVersionExitZeroOnStandardOutput() {
    Run help = Run.of("--help");
    assertThat(help.status()).isZero();
    assertThat(help.out())
        .contains("Usage: argos")
        .contains("stats")
        .contains("patterns")
        .contains("incidents")
        .contains("report")
        .contains("tail");
    assertThat(help.err()).isEmpty();

    Run version = Run.of("--version");
    assertThat(version.status()).isZero();
    assertThat(version.out().strip()).matches("argos \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
    assertThat(version.err()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"stats", "patterns", "incidents", "report", "tail"})
  void eachCommandHasHelpAndVersion(String command) {
    Run help = Run.of(command, "--help");
    assertThat(help.status()).isZero();
    assertThat(help.out()).contains("Usage: argos " + command).contains("FILE");
    assertThat(help.err()).isEmpty();
    assertThat(Run.of("help", command).out()).contains("Usage: argos " + command);
    Run version = Run.of(command, "--version");
    assertThat(version.status()).isZero();
    assertThat(version.out()).startsWith("argos ");
  }

  @Test
  void noCommandIsAUsageError() {
    Run r = Run.of();
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("Missing a command").contains("Usage: argos");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "bogus",
        "stats",
        "stats --bogus FILE",
        "stats --format xml FILE",
        "patterns --zone Mars/Olympus FILE",
        "incidents --format FILE",
        "stats FILE extra",
        "tail --interval 0 FILE",
        "report"
      })
  void usageErrorsExitTwoWithTheUsageOnStandardError(String line) {
    String[] args = line.replace("FILE", file.toString()).split(" ");
    Run r = Run.of(args);
    assertThat(r.status()).as(line).isEqualTo(2);
    assertThat(r.out()).as(line).isEmpty();
    assertThat(r.err()).as(line).contains("Usage: argos");
  }

  @ParameterizedTest
  @ValueSource(strings = {"stats", "patterns", "incidents", "report", "tail --no-follow"})
  void aMissingFileExitsOneWithOneLine(String command) {
    String missing = dir.resolve("nope.jsonl").toString();
    List<String> args = new java.util.ArrayList<>(List.of(command.split(" ")));
    args.add(missing);
    if (command.equals("report")) {
      args.addAll(List.of("-o", dir.resolve("r.html").toString()));
    }
    Run r = Run.of(args.toArray(String[]::new));
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).isEqualTo(1);
    assertThat(r.err()).startsWith("argos: cannot read \"" + missing + "\": no such file");
  }

  @Test
  void aDirectoryOrAForgedNameIsOneLineToo() throws Exception {
    Run r = Run.of("stats", dir.toString());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.errLines()).isEqualTo(1);
    assertThat(r.err()).contains("is a directory");

    Run forged = Run.of("stats", dir.resolve("a\nargos: forged\u001b[2J").toString());
    assertThat(forged.status()).isEqualTo(1);
    assertThat(forged.errLines()).isEqualTo(1);
    assertThat(forged.err()).doesNotContain("\u001b").contains("a\\nargos: forged");
  }

  @Test
  void anUnreadableFileExitsOne() throws Exception {
    Path locked = dir.resolve("locked.jsonl");
    Files.copy(file, locked);
    assertThat(locked.toFile().setReadable(false)).isTrue();
    org.junit.jupiter.api.Assumptions.assumeFalse(
        Files.isReadable(locked), "running as a user who reads everything (root)");
    Run r = Run.of("stats", locked.toString());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.errLines()).isEqualTo(1);
  }

  @Test
  void statsJsonIsPureJson() throws Exception {
    Run r = Run.of("stats", "--format", "json", file.toString());
    assertThat(r.status()).isZero();
    assertThat(r.err()).isEmpty();
    JsonNode n = JSON.readTree(r.out());
    assertThat(n.get("records").asLong()).isEqualTo(10);
    assertThat(n.get("byType").get("eventLoopLag").asLong()).isEqualTo(4);
    assertThat(n.get("bySeverity").get("CRITICAL").asLong()).isEqualTo(4);
    assertThat(n.get("byActionResult").get("success").asLong()).isEqualTo(1);
    assertThat(n.get("hourly").size()).isEqualTo(3);
  }

  @Test
  void statsTextForAPerson() {
    Run r = Run.of("stats", file.toString());
    assertThat(r.status()).isZero();
    assertThat(r.out())
        .contains("records       10 (2 resolved, 0 line(s) skipped)")
        .contains("by type       eventLoopLag 4, burst 2, incident 2, action 1,"
            + " resourceExhaustion 1")
        .contains("actions ok    100.0 % of 1")
        .contains("busiest hour  2026-11-01T13:00Z (5)");
  }

  @Test
  void patternsJsonIsPureJsonAndTextIsOneLinePerFinding() throws Exception {
    Run json = Run.of("patterns", "--format", "json", file.toString());
    assertThat(json.status()).isZero();
    JsonNode n = JSON.readTree(json.out());
    assertThat(n.get("findings").size()).isEqualTo(1);
    assertThat(n.get("findings").get(0).get("kind").asText()).isEqualTo("recurringProblem");

    Run text = Run.of("patterns", file.toString());
    assertThat(text.out().lines()).singleElement().asString()
        .startsWith("recurringProblem  x3  eventLoopLag on \"loop-0\"");
  }

  @Test
  void rotatedBackupsAreReadOnlyWhenAsked() throws Exception {
    Registries.write(dir.resolve("problems.jsonl.1"),
        List.of(Registries.signal(Signal.TYPE_BURST, Severity.WARNING, "09:00", "k", "older")));
    Registries.write(dir.resolve("problems.jsonl.2"),
        List.of(Registries.signal(Signal.TYPE_BURST, Severity.WARNING, "08:00", "k", "oldest"),
            Registries.signal(Signal.TYPE_BURST, Severity.WARNING, "08:01", "k", "oldest")));
    JsonNode plain = JSON.readTree(Run.of("stats", "--format=json", file.toString()).out());
    assertThat(plain.get("records").asLong()).isEqualTo(10);
    for (String flag : List.of("--all", "--include-rotated", "-a")) {
      JsonNode all = JSON.readTree(Run.of("stats", flag, "--format=json", file.toString()).out());
      assertThat(all.get("records").asLong()).isEqualTo(13);
      assertThat(all.get("first").asText()).isEqualTo("2026-11-01T08:00:00Z");
      assertThat(all.get("files")).extracting(JsonNode::asText).containsExactly(
          file + ".2", file + ".1", file.toString());
    }
  }

  @Test
  void textOutputCannotBeForgedByAKey() {
    Path forged = dir.resolve("forged.jsonl");
    Registries.write(forged, List.of(Registries.signal(Signal.TYPE_BURST, Severity.WARNING,
        "10:00", "k\n2026-12-02 forged\u001b[31m", "m")));
    Run r = Run.of("tail", "--no-follow", forged.toString());
    assertThat(r.status()).isZero();
    assertThat(r.out().lines()).singleElement().asString()
        .contains("k\\n2026-12-02 forged")
        .doesNotContain("\u001b");
  }
}
