package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What watching virtual threads costs an idle process (docs/virtual-threads.md, "Cost"): child
 * JVMs with Argos's defaults, {@code virtualThreads} off ("off", "off2": an A/A control) and on
 * ("on"), interleaved, {@code argos.idleCost.rounds} rounds of {@code argos.idleCost.seconds} s
 * measured after {@code argos.idleCost.warm} s ({@code argos.idleCost.modes}: also {@code probe}
 * and {@code jfr}, one part alone). A measurement, not a check: skipped unless
 * {@code -Dargos.idleCost=true}, and only on JDK 21+ (on 17 "on" is "off"). Run with:
 *
 * <pre>JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 ./mvnw -B -o -q -pl argos-observers -am test
 *   -Dtest=VirtualThreadsIdleCostTest -Dsurefire.failIfNoSpecifiedTests=false
 *   -Dargos.idleCost=true</pre>
 */
class VirtualThreadsIdleCostTest {
  private static final Pattern RESULT = Pattern.compile(
      "RESULT mode=(\\S+) startCpuMs=(\\d+) idleCpuPct=([0-9.]+) rssKb=(-?\\d+) threads=(\\d+)");

  @Test
  void idleCpuWithAndWithoutVirtualThreads() throws Exception {
    assumeTrue(Boolean.getBoolean("argos.idleCost"), "a measurement: -Dargos.idleCost=true");
    assumeTrue(VirtualThreads.supported(), "needs JDK 21 or later");
    int rounds = Integer.getInteger("argos.idleCost.rounds", 3);
    int seconds = Integer.getInteger("argos.idleCost.seconds", 15);
    int warm = Integer.getInteger("argos.idleCost.warm", 10);
    Map<String, List<double[]>> byMode = new LinkedHashMap<>();
    for (int r = 0; r < rounds; r++) {
      for (String mode : System.getProperty("argos.idleCost.modes", "off,on,off2").split(",")) {
        double[] m = run(mode, warm, seconds);
        byMode.computeIfAbsent(mode, k -> new ArrayList<>()).add(m);
        System.out.println(String.format(Locale.ROOT,
            "idle cost round %d %-4s: idle CPU %.3f %% of a core, start-up CPU %.0f ms,"
                + " RSS %.0f MB, threads %.0f",
            r, mode, m[1], m[0], m[2] / 1024, m[3]));
      }
    }
    for (Map.Entry<String, List<double[]>> e : byMode.entrySet()) {
      DoubleSummaryStatistics cpu = e.getValue().stream().mapToDouble(m -> m[1])
          .summaryStatistics();
      DoubleSummaryStatistics rss = e.getValue().stream().mapToDouble(m -> m[2] / 1024)
          .summaryStatistics();
      DoubleSummaryStatistics start = e.getValue().stream().mapToDouble(m -> m[0])
          .summaryStatistics();
      System.out.println(String.format(Locale.ROOT,
          "idle cost %-4s: idle CPU mean %.3f %% (%.3f to %.3f), start-up CPU mean %.0f ms"
              + " (%.0f to %.0f), RSS mean %.0f MB (%.0f to %.0f)",
          e.getKey(), cpu.getAverage(), cpu.getMin(), cpu.getMax(), start.getAverage(),
          start.getMin(), start.getMax(), rss.getAverage(), rss.getMin(), rss.getMax()));
    }
    assertThat(byMode.get("on")).hasSize(rounds);
  }

  /** One child JVM: {startCpuMs, idleCpuPct, rssKb, threads}. */
  private static double[] run(String mode, int warm, int seconds) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseG1GC",
        "-cp", System.getProperty("java.class.path"),
        VirtualThreadsIdleMain.class.getName(), mode, String.valueOf(warm),
        String.valueOf(seconds));
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String result = null;
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("RESULT")) {
          result = line;
        }
      }
    }
    assertThat(p.waitFor()).isZero();
    assertThat(result).isNotNull();
    Matcher m = RESULT.matcher(result);
    assertThat(m.find()).isTrue();
    return new double[] {
      Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
      Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5))
    };
  }
}
