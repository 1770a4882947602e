package dev.argos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Writes docs/images/report.png (1200x800) when run with {@code -Dargos.screenshot=PATH}: the
 * report of a synthetic three-day registry (3 000 lines) in headless Chromium. Skipped otherwise.
 * Command (from the repository root): {@code ./mvnw -B -pl argos-cli -am test
 * -Dtest=ReportScreenshotTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dargos.screenshot=$PWD/docs/images/report.png}
 */
class ReportScreenshotTest {
  @TempDir Path dir;

  @Test
  void screenshot() throws Exception {
    String to = System.getProperty("argos.screenshot", "");
    Assumptions.assumeFalse(to.isEmpty(), "no -Dargos.screenshot=PATH");
    Path registry = Synthetic.write(dir.resolve("argos-problems.jsonl"), 3_000, 3, 7);
    Path html = dir.resolve("report.html");
    assertThat(Run.of("report", registry.toString(), "-o", html.toString(), "--title",
        "Argos report: argos-problems.jsonl").status()).isZero();
    int height = Integer.getInteger("argos.screenshot.height", 800);
    try (Browser b = new Browser(1200, 800)) {
      // the viewport itself 1200 x 800 (the window size counts the browser's frame)
      b.driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", java.util.Map.of(
          "width", 1200, "height", height, "deviceScaleFactor", 1, "mobile", false));
      b.driver.get(html.toUri().toString());
      new WebDriverWait(b.driver, Duration.ofSeconds(30)).until(
          d -> "true".equals(d.findElement(By.tagName("body")).getAttribute("data-complete")));
      byte[] png = b.driver.getScreenshotAs(OutputType.BYTES);
      Path out = Path.of(to);
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.write(out, png);
      assertThat(png.length).isGreaterThan(10_000);
    }
  }
}
