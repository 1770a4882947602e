package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starting an agent with an in-memory quarantine loads no Jackson class: nothing on that path
 * writes JSON. Checked in a fresh JVM from its own class-loading log ({@code
 * -Xlog:class+load}), since a class already loaded by this test JVM would hide the fault.
 */
class StartupNoJacksonTest {
  @TempDir Path dir;

  @Test
  void anAgentWithAnInMemoryQuarantineLoadsNoJackson() throws Exception {
    List<String> loaded = classesLoadedBy("plain");
    assertThat(loaded).contains("dev.argos.signals.InMemoryQuarantine"); // the log is read right
    assertThat(loaded).filteredOn(c -> c.startsWith("com.fasterxml.jackson")).isEmpty();
  }

  /** A quarantine change writes an audit record but no JSON: still no Jackson. */
  @Test
  void aQuarantineChangeLoadsNoJacksonEither() throws Exception {
    List<String> loaded = classesLoadedBy("change");
    assertThat(loaded).contains("dev.argos.signals.AuditRecord");
    assertThat(loaded).filteredOn(c -> c.startsWith("com.fasterxml.jackson")).isEmpty();
  }

  @Test
  void theControlWritingJsonDoesLoadJackson() throws Exception {
    List<String> loaded = classesLoadedBy("json");
    assertThat(loaded).anyMatch(c -> c.startsWith("com.fasterxml.jackson"));
  }

  /** The classes the child loaded, in order, from its {@code -Xlog:class+load} file. */
  private List<String> classesLoadedBy(String mode) throws Exception {
    Path log = dir.resolve(mode + "-classes.log");
    Path out = dir.resolve(mode + "-out.txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-Xmx64m",
                "-Xlog:class+load=info:file=" + log,
                "-cp",
                System.getProperty("java.class.path"),
                StartupChild.class.getName(),
                mode)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String printed = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(child.exitValue()).as(printed).isZero();
    assertThat(printed).contains("hit=false");
    // lines look like "[0.217s][info][class,load] com.example.Name source: ..."
    return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
        .filter(l -> l.contains("[class,load] "))
        .map(l -> l.substring(l.indexOf("[class,load] ") + 13).split(" ", 2)[0])
        .collect(Collectors.toList());
  }
}
