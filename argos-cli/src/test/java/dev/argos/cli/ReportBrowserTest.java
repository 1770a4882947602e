package dev.argos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The report in headless Chromium: the chart's bars, zoom, and markup from keys shown as text. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportBrowserTest {
  @TempDir static Path dir;
  Browser browser;
  Path registry;
  Path html;

  @BeforeAll
  void open() throws Exception {
    Assumptions.assumeFalse(Boolean.getBoolean("argos.skipBrowser"), "-Dargos.skipBrowser");
    registry = dir.resolve("problems.jsonl");
    Registries.known(registry);
    html = dir.resolve("report.html");
    assertThat(Run.of("report", registry.toString(), "-o", html.toString()).status()).isZero();
    browser = new Browser(1200, 800);
    browser.driver.get(html.toUri().toString());
    new WebDriverWait(browser.driver, Duration.ofSeconds(20))
        .until(d -> "true".equals(d.findElement(By.tagName("body")).getAttribute("data-complete")));
  }

  @AfterAll
  void close() throws Exception {
    if (browser != null) {
      browser.close();
    }
  }

  WebElement chart() {
    return browser.driver.findElement(By.id("timeline-chart"));
  }

  void click(String css) {
    browser.driver.findElement(By.cssSelector(css)).click();
  }

  @Test
  void theChartHasOneBucketPerHourAndOneBarPerNonEmptyGroup() {
    click("button[data-bucket=hour]");
    click("button[data-group=severity]");
    // 10:00 to 13:00: four hours, 12:00 empty
    assertThat(chart().getAttribute("data-buckets")).isEqualTo("4");
    List<WebElement> buckets = chart().findElements(By.cssSelector("g.bucket"));
    assertThat(buckets).extracting(b -> b.getAttribute("data-total"))
        .containsExactly("2", "3", "0", "5");
    // by severity: 10h WARNING+CRITICAL, 11h WARNING, 13h CRITICAL+INFO
    assertThat(chart().findElements(By.cssSelector("rect.seg"))).hasSize(5);
    click("button[data-group=type]");
    // by type: 10h burst, 11h eventLoopLag, 13h resourceExhaustion+incident+eventLoopLag+action
    assertThat(chart().findElements(By.cssSelector("rect.seg"))).hasSize(6);
    click("button[data-bucket=day]");
    assertThat(chart().getAttribute("data-buckets")).isEqualTo("1");
    assertThat(chart().findElements(By.cssSelector("rect.seg"))).hasSize(5); // five types that day
    click("button[data-bucket=hour]");
    click("button[data-group=severity]");
  }

  @Test
  void draggingAcrossTheChartZoomsIn() {
    click("button[data-bucket=hour]");
    WebElement svg = chart();
    int w = svg.getSize().getWidth();
    // from the middle of the first bucket to the middle of the third (plot starts at 48/1120)
    double plotLeft = w * 48.0 / 1120;
    double bucket = w * (1120 - 58.0) / 1120 / 4;
    int x1 = (int) (plotLeft + bucket * 0.5 - w / 2.0);
    int x2 = (int) (plotLeft + bucket * 2.5 - w / 2.0);
    new Actions(browser.driver)
        .moveToElement(svg, x1, 0)
        .clickAndHold()
        .moveToElement(svg, x2, 0)
        .release()
        .perform();
    assertThat(chart().getAttribute("data-buckets")).isEqualTo("3");
    assertThat(chart().findElements(By.cssSelector("g.bucket")))
        .extracting(b -> b.getAttribute("data-label"))
        .containsExactly("2026-11-01T10:00Z", "2026-11-01T11:00Z", "2026-11-01T12:00Z");
    click("#reset-zoom");
    assertThat(chart().getAttribute("data-buckets")).isEqualTo("4");
  }

  @Test
  void keysWithMarkupShowAsText() {
    List<String> cells = browser.driver.findElements(By.cssSelector("#top-keys td.mono"))
        .stream().map(WebElement::getText).toList();
    assertThat(cells).contains(Registries.SCRIPT_KEY, Registries.IMG_KEY);
    assertThat(browser.driver.findElement(By.id("incidents")).getText())
        .contains("burst from " + Registries.IMG_KEY + " exhausted file handles");
    assertThat(browser.driver.findElement(By.id("recurring")).getText())
        .doesNotContain("bold</b>").contains("loop-0");
    assertThat(browser.driver.findElements(By.tagName("img"))).isEmpty();
    assertThat(browser.driver.findElements(By.tagName("b")).stream()
        .map(WebElement::getText)).doesNotContain("bold");
    assertThat(browser.driver.findElements(By.tagName("script"))).hasSize(2);
    assertThat(browser.driver.executeScript("return window.__pwned === undefined")).isEqualTo(true);
    assertThatThrownBy(() -> browser.driver.switchTo().alert())
        .isInstanceOf(NoAlertPresentException.class);
  }

  @Test
  void theIncidentLinksToItsEvidence() {
    WebElement a = browser.driver.findElement(By.cssSelector("#incidents a.evidence"));
    assertThat(a.getText()).isEqualTo(Registries.EVIDENCE);
    assertThat(a.getAttribute("href"))
        .isEqualTo(dir.resolve(Registries.EVIDENCE).toUri().toString());
    assertThat(browser.driver.findElements(By.cssSelector("#incidents ol.chain li"))).hasSize(2);
  }

  @Test
  void theCountsAndPatternsAreShown() {
    List<String> rows = browser.driver.findElements(By.cssSelector("#counts tr")).stream()
        .map(r -> r.findElements(By.tagName("td")).stream().limit(2).map(WebElement::getText)
            .reduce((a, b) -> a + "=" + b).orElse(""))
        .toList();
    assertThat(rows).contains("eventLoopLag=4", "burst=2", "CRITICAL=4", "INFO=2", "success=1");
    assertThat(browser.driver.findElement(By.id("patterns")).getText())
        .contains("recurringProblem");
    assertThat(Files.exists(html)).isTrue();
  }
}
