package dev.argos.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;

/** The live page in headless Chromium (Selenium): what a person sees. */
@Tag("browser")
class LivePageBrowserTest {
  private static Browser browser;

  @BeforeAll
  static void startBrowser() {
    browser = new Browser(1280, 900);
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.close();
    }
  }

  private static void open(Fixture f, String query) {
    browser.driver.get(f.page.uri() + query);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "live".equals(browser.driver.findElement(By.id("status")).getText()));
  }

  @Test
  void aPublishedSignalShowsWithinASecond() {
    try (Fixture f = new Fixture()) {
      open(f, "");
      String key = "client-" + System.nanoTime();
      long start = System.nanoTime();
      f.publish("test.browser", key, "shown live");
      try {
        await()
            .atMost(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(10))
            .until(() -> signalRow(key) != null);
      } catch (RuntimeException e) {
        System.out.println("PAGE: " + browser.driver.findElement(By.tagName("body")).getText());
        System.out.println("LOG: " + browser.driver.manage().logs().get("browser").getAll());
        throw e;
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      System.out.println("live page: signal shown " + took.toMillis() + " ms after publish");
      assertThat(took).isLessThanOrEqualTo(Duration.ofSeconds(1));
      WebElement row = signalRow(key);
      assertThat(row).isNotNull();
      assertThat(row.getText()).contains("test.browser", "shown live", "WARNING");
    }
  }

  @Test
  void aKeyWithMarkupShowsAsTextAndRunsNothing() {
    String key = "<img src=x onerror=\"window.pwned=1\"><script>window.pwned=2</script><b>bold</b>";
    try (Fixture f = new Fixture(b -> b.allowRelease(true))) {
      open(f, "");
      f.quarantine.quarantine(key, Severity.WARNING, "<i>reason</i>");
      f.agent.publish(
          Signal.builder("test.markup")
              .key(key)
              .message("<script>window.pwned=3</script>")
              .data("episode", "test.markup-1")
              .build());
      await().atMost(Duration.ofSeconds(5)).until(() -> signalRow(key) != null);
      assertThat(signalRow(key).findElement(By.cssSelector("td.msg")).getText())
          .startsWith("<script>window.pwned=3</script>");
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> browser.driver.findElements(By.cssSelector("#quarantine td.key")).size() == 1);
      assertThat(text("#quarantine td.key")).isEqualTo(key);
      await().atMost(Duration.ofSeconds(5)).until(() -> texts("#episodes td.key").contains(key));
      // nothing was parsed as markup, nothing ran
      assertThat(browser.driver.findElements(By.cssSelector("main img, main b, main i, main script")))
          .isEmpty();
      assertThat(browser.driver.executeScript("return window.pwned === undefined")).isEqualTo(true);
    }
  }

  @Test
  void releaseButtonsOnlyWhenEnabledAndOneReleasesTheKey() {
    try (Fixture f = new Fixture()) {
      f.quarantine.quarantine("198.51.100.1", Severity.WARNING, "burst");
      open(f, "");
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> browser.driver.findElements(By.cssSelector("#quarantine td.key")).size() == 1);
      assertThat(browser.driver.findElements(By.cssSelector("#quarantine button"))).isEmpty();
    }
    String token = "browser+token/0123456789="; // base64-like: the + typed as it is
    try (Fixture f = new Fixture(b -> b.allowRelease(true).accessToken(token))) {
      f.quarantine.quarantine("198.51.100.2", Severity.WARNING, "burst");
      open(f, "?token=" + token);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> browser.driver.findElements(By.cssSelector("#quarantine button")).size() == 1);
      await() // a row rebuilt between finding and clicking (a quarantine change) is found again
          .atMost(Duration.ofSeconds(5))
          .ignoreException(StaleElementReferenceException.class)
          .until(() -> {
            browser.driver.findElement(By.cssSelector("#quarantine button")).click();
            return true;
          });
      await().atMost(Duration.ofSeconds(5)).until(() -> !f.quarantine.isQuarantined("198.51.100.2"));
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> browser.driver.findElements(By.cssSelector("#quarantine td.key")).isEmpty());
    }
  }

  @Test
  void theSparklinesDrawTheSampledFigures() {
    try (Fixture f = new Fixture()) {
      open(f, "");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> points("card-lagP99Ms") >= 3 && points("card-liveSetBytes") >= 3);
      assertThat(text("#card-lagP99Ms .value")).endsWith(" ms");
    }
  }

  private static int points(String card) {
    Object pts =
        browser.driver.executeScript(
            "const p = document.querySelector(arguments[0]); return p ? p.getAttribute('points') : ''",
            "#" + card + " polyline");
    String s = pts == null ? "" : pts.toString().trim();
    return s.isEmpty() ? 0 : s.split(" ").length;
  }

  /** The texts of every element matching {@code css}, read in one script call (atomic). */
  @SuppressWarnings("unchecked")
  private static List<String> texts(String css) {
    return (List<String>)
        browser.driver.executeScript(
            "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent)",
            css);
  }

  /** The text of the first element matching {@code css}, read in one script call (atomic). */
  private static String text(String css) {
    Object t =
        browser.driver.executeScript(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null", css);
    return t == null ? null : t.toString();
  }

  /** The newest row of a signal (not a quarantine change) about {@code key}, or null. */
  private static WebElement signalRow(String key) {
    List<WebElement> rows = browser.driver.findElements(By.cssSelector("#signals tr.signal"));
    for (WebElement row : rows) {
      List<WebElement> cells = row.findElements(By.tagName("td"));
      if (cells.size() == 5 && cells.get(3).getText().equals(key)
          && !cells.get(2).getText().equals("quarantine")) {
        return row;
      }
    }
    return null;
  }
}
