package dev.argos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built target/argos.jar as a real process ({@code java -jar}), run by failsafe after the
 * package phase: exit statuses, pure JSON on stdout, one line on stderr, a report written.
 */
class ArgosJarIT {
  static final Path JAR = Path.of(System.getProperty("argos.jar", "target/argos.jar"));

  @TempDir Path dir;

  record Proc(int status, String out, String err) {}

  static Proc run(Path dir, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(JAR.toAbsolutePath().toString());
    cmd.addAll(List.of(args));
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    Process p = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("finished").isTrue();
    return new Proc(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void theJarRunsEveryConvention() throws Exception {
    assertThat(JAR).isRegularFile();
    Path file = dir.resolve("problems.jsonl");
    Registries.known(file);

    Proc help = run(dir, "--help");
    assertThat(help.status()).isZero();
    assertThat(help.out()).contains("Usage: argos");
    assertThat(help.err()).isEmpty();

    Proc version = run(dir, "--version");
    assertThat(version.status()).isZero();
    assertThat(version.out().strip()).isEqualTo("argos " + ArgosCommand.Version.version());

    Proc usage = run(dir, "stats");
    assertThat(usage.status()).isEqualTo(2);
    assertThat(usage.out()).isEmpty();
    assertThat(usage.err()).contains("Usage: argos stats");

    Proc missing = run(dir, "stats", "nope.jsonl");
    assertThat(missing.status()).isEqualTo(1);
    assertThat(missing.out()).isEmpty();
    assertThat(missing.err().lines()).singleElement().asString()
        .isEqualTo("argos: cannot read \"nope.jsonl\": no such file");

    Proc stats = run(dir, "stats", "--format", "json", file.toString());
    assertThat(stats.status()).isZero();
    assertThat(stats.err()).isEmpty(); // no SLF4J warning or anything else
    JsonNode n = new ObjectMapper().readTree(stats.out());
    assertThat(n.get("records").asLong()).isEqualTo(10);

    Proc incidents = run(dir, "incidents", "--format=json", file.toString());
    assertThat(new ObjectMapper().readTree(incidents.out()).get("incidents").size()).isEqualTo(1);

    Proc tail = run(dir, "tail", "--no-follow", file.toString());
    assertThat(tail.status()).isZero();
    assertThat(tail.out().lines()).hasSize(10);
    assertThat(tail.out()).doesNotContain("\u001b"); // stdout is a file, not a terminal

    Proc report = run(dir, "report", file.toString());
    assertThat(report.status()).isZero();
    assertThat(report.out()).isEmpty();
    assertThat(dir.resolve("report.html")).isRegularFile();
    assertThat(Files.readString(dir.resolve("report.html"))).contains("id=\"argos-data\"");
  }
}
