package dev.argos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Severity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Signal types are valid names such as {@code constructor}, {@code toString} or {@code
 * __proto__} (a registry may hold any): each is a group of the chart like any other, and none
 * changes the page's objects.
 */
class ReportGroupNamesBrowserTest {
  @TempDir Path dir;

  @Test
  void typesNamedLikeObjectMembersAreChartedAsTheirOwnGroups() throws Exception {
    Assumptions.assumeFalse(Boolean.getBoolean("argos.skipBrowser"), "-Dargos.skipBrowser");
    Path registry = dir.resolve("problems.jsonl");
    Registries.write(
        registry,
        List.of(
            Registries.signal("constructor", Severity.WARNING, "10:05", "a", "one"),
            Registries.signal("toString", Severity.WARNING, "10:10", "b", "two"),
            Registries.signal("__proto__", Severity.WARNING, "10:15", "c", "three"),
            Registries.signal("burst", Severity.WARNING, "10:20", "d", "four")));
    Path html = dir.resolve("report.html");
    assertThat(Run.of("report", registry.toString(), "-o", html.toString()).status()).isZero();
    try (Browser browser = new Browser(1200, 800)) {
      browser.driver.get(html.toUri().toString());
      new WebDriverWait(browser.driver, Duration.ofSeconds(20))
          .until(d -> "true".equals(d.findElement(By.tagName("body")).getAttribute("data-complete")));
      browser.driver.findElement(By.cssSelector("button[data-group=type]")).click();
      WebElement chart = browser.driver.findElement(By.id("timeline-chart"));
      assertThat(chart.findElements(By.cssSelector("g.bucket")))
          .extracting(b -> b.getAttribute("data-total"))
          .containsExactly("4");
      assertThat(chart.findElements(By.cssSelector("rect.seg")))
          .extracting(r -> r.getAttribute("data-group"))
          .containsExactlyInAnyOrder("constructor", "toString", "__proto__", "burst");
      assertThat(browser.driver.executeScript(
              "return Object.prototype.hasOwnProperty('0') || typeof Object[0] !== 'undefined'"))
          .as("no object of the page's polluted")
          .isEqualTo(false);
    }
  }
}
