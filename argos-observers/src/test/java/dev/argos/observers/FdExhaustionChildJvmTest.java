package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real descriptor exhaustion: a child JVM under {@code ulimit -n 256} opens files until Argos
 * signals (see {@link FdExhaustionMain}); a child, because lowering the limit of the test JVM
 * itself could break the build.
 */
class FdExhaustionChildJvmTest {
  @TempDir Path tmp;

  @Test
  void childJvmUnderLoweredLimitSignalsFileHandles() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "Linux only");
    assumeTrue(new File("/bin/bash").canExecute(), "needs bash");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    Path out = tmp.resolve("child.out");
    ProcessBuilder pb =
        new ProcessBuilder(
            "/bin/bash", "-c",
            "ulimit -n 256 && exec \"$0\" -Xmx64m -XX:+UseSerialGC -cp \"$1\" "
                + "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn dev.argos.observers.FdExhaustionMain",
            java, cp)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    Process p = pb.start();
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly();
    }
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    assertThat(exited).as("child exited; output: %s", lines).isTrue();
    assertThat(p.exitValue()).as("child output: %s", lines).isZero();
    String line = lines.stream().filter(l -> l.startsWith("SIGNAL ")).findFirst().orElseThrow();
    System.out.println("child: " + line);
    Matcher m =
        Pattern.compile("severity=(\\w+) reason=(\\w+) open=(\\d+) max=(\\d+) usage=([0-9.]+)")
            .matcher(line);
    assertThat(m.find()).as(line).isTrue();
    assertThat(m.group(2)).isEqualTo("usage");
    assertThat(Long.parseLong(m.group(4))).isEqualTo(256);
    long open = Long.parseLong(m.group(3));
    assertThat(open).isBetween(231L, 256L);
    assertThat(Double.parseDouble(m.group(5))).isGreaterThanOrEqualTo(0.9);
    assertThat(m.group(1)).isIn("WARNING", "CRITICAL");
  }
}
