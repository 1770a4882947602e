package dev.argos.examples;

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
 * The README's path (Argos at its defaults under an agent with an in-memory quarantine, running
 * and sampling, a key quarantined and checked) loads no Jackson class: nothing on it writes
 * JSON (issue 12 §2). Checked in a fresh JVM from its own class-loading log, since a class this
 * test JVM loaded already would hide the fault.
 */
class FullStartNoJacksonTest {
  @TempDir Path dir;

  @Test
  void argosUnderAnAgentWithAnInMemoryQuarantineLoadsNoJackson() throws Exception {
    Path log = dir.resolve("classes.log");
    Path out = dir.resolve("out.txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-Xmx128m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Xlog:class+load=info:file=" + log,
                "-cp",
                System.getProperty("java.class.path"),
                FullStartChild.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String printed = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(child.exitValue()).as(printed).isZero();
    assertThat(printed).contains("hit=true");
    assertThat(printed).doesNotContain("ticks=0 ").doesNotContain("ticks=-1 ");
    List<String> loaded = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
        .filter(l -> l.contains("[class,load] "))
        .map(l -> l.substring(l.indexOf("[class,load] ") + 13).split(" ", 2)[0])
        .collect(Collectors.toList());
    // the log is read right: the samplers were built and the quarantine changed
    assertThat(loaded).contains("dev.argos.observers.HeapSampler",
        "dev.argos.observers.ResourceSampler", "dev.argos.signals.AuditRecord");
    assertThat(loaded).filteredOn(c -> c.startsWith("com.fasterxml.jackson")).isEmpty();
  }
}
