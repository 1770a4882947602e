package dev.argos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The report of a 100 000-line registry: its size, the time to make it and the time Chromium
 * takes from navigation to the chart drawn. Prints the figures (quoted in docs/cli.md) and writes
 * them to target/report-scale.txt. Lines: {@code -Dargos.scale.lines} (default 100000).
 */
class ReportScaleTest {
  static final int LINES = Integer.getInteger("argos.scale.lines", 100_000);

  @TempDir Path dir;

  @Test
  void aHundredThousandLinesStayUsable() throws Exception {
    Assumptions.assumeFalse(Boolean.getBoolean("argos.skipBrowser"), "-Dargos.skipBrowser");
    Path registry = Synthetic.write(dir.resolve("problems.jsonl"), LINES, 7, 42);
    long registryBytes = Files.size(registry);
    Path html = dir.resolve("report.html");

    long t0 = System.nanoTime();
    Run r = Run.of("report", registry.toString(), "-o", html.toString());
    long reportMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.status()).isZero();
    assertThat(r.err()).contains("(" + LINES + " records");
    long htmlBytes = Files.size(html);

    try (Browser b = new Browser(1200, 800)) {
      long w0 = System.nanoTime();
      b.driver.get(html.toUri().toString());
      new WebDriverWait(b.driver, Duration.ofSeconds(60))
          .until(d -> d.findElements(By.cssSelector("#timeline-chart rect.seg")).size() > 0);
      long wallMs = (System.nanoTime() - w0) / 1_000_000;
      double chartMs =
          ((Number) b.driver.executeScript("return window.argosRendered")).doubleValue();
      double completeMs =
          ((Number) b.driver.executeScript(
                  "return performance.getEntriesByType('navigation')[0].loadEventEnd"))
              .doubleValue();
      // one bucket per hour of the week
      assertThat(b.driver.findElement(By.id("timeline-chart")).getAttribute("data-buckets"))
          .isEqualTo(String.valueOf(7 * 24));
      // long lists start short: 20 incidents, then all of them on a click
      long incidents = (Long) b.driver.executeScript(
          "return JSON.parse(document.getElementById('argos-data').textContent).incidents.length");
      assertThat(incidents).isGreaterThan(20);
      assertThat(b.driver.findElements(By.cssSelector("#incidents .incident"))).hasSize(20);
      b.driver.findElement(By.cssSelector("#incidents button.more")).click();
      assertThat(b.driver.findElements(By.cssSelector("#incidents .incident")))
          .hasSize((int) incidents);
      String figures = String.format(Locale.ROOT,
          "lines=%d registryBytes=%d reportMs=%d htmlBytes=%d chartDrawnMs=%.0f loadEventEndMs=%.0f"
              + " wallMs=%d%n",
          LINES, registryBytes, reportMs, htmlBytes, chartMs, completeMs, wallMs);
      System.out.print("REPORT-SCALE " + figures);
      Files.writeString(Path.of("target", "report-scale.txt"), figures, StandardCharsets.UTF_8);
      assertThat(htmlBytes).isLessThan(2_000_000);
      assertThat(chartMs).isLessThan(5_000);
    }
  }
}
