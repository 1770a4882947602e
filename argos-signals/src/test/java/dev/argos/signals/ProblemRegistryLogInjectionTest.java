package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user callback's exception message is attacker text: the registry logs it neutralised, on one
 * line, never verbatim. Run in a child JVM so the real SLF4J binding (slf4j-simple) logs at WARN to
 * a standard error we can read; the build runs tests at level error.
 */
class ProblemRegistryLogInjectionTest {
  static final String FORGED = "2026-12-02 03:00:00 [main] INFO dev.argos.Agent - all clear";
  static final String ATTACK = "bad key\n" + FORGED + "\u001b[2J\r\u2028x";

  @TempDir Path dir;

  @Test
  void exceptionsOfTheActionResolverAndErrorSinkAreLoggedNeutralised() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path err = dir.resolve("child.err");
    Process child =
        new ProcessBuilder(
                java,
                "-Xmx64m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                System.getProperty("java.class.path"),
                ProblemRegistryLogChild.class.getName(),
                dir.toString())
            .redirectError(err.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!child.waitFor(60, TimeUnit.SECONDS)) {
      child.destroyForcibly();
      throw new AssertionError("child JVM did not finish in 60 s");
    }
    String log = Files.readString(err, StandardCharsets.UTF_8);
    assertThat(child.exitValue()).as(log).isZero();
    assertThat(log.lines().filter(l -> l.contains("java.lang.IllegalArgumentException")))
        .as(log)
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("resolver")
        .contains("bad key\\n2026-12-02");
    assertThat(log.lines().filter(l -> l.contains("java.lang.IllegalStateException")))
        .as(log)
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("error sink")
        .contains("bad key\\n2026-12-02");
    assertThat(log.lines()).as(log).noneMatch(l -> l.startsWith(FORGED));
    assertThat(log).doesNotContain("\u001b").doesNotContain("\r").doesNotContain("\u2028");
  }
}
