package dev.argos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's file: self-contained, its data escaped, its aggregates right (no browser). */
class ReportTest {
  @TempDir Path dir;
  Path file;
  Path html;
  String page;

  @BeforeEach
  void write() throws Exception {
    file = dir.resolve("problems.jsonl");
    Registries.known(file);
    html = dir.resolve("report.html");
    Run r = Run.of("report", file.toString(), "-o", html.toString());
    assertThat(r.status()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("argos: wrote \"" + html + "\" (10 records, ");
    page = Files.readString(html, StandardCharsets.UTF_8);
  }

  static JsonNode data(String page) throws Exception {
    Matcher m = Pattern.compile(
        "<script type=\"application/json\" id=\"argos-data\">(.*?)</script>", Pattern.DOTALL)
        .matcher(page);
    assertThat(m.find()).isTrue();
    return new ObjectMapper().readTree(m.group(1));
  }

  @Test
  void selfContainedNothingFetched() {
    assertThat(page).startsWith("<!DOCTYPE html>");
    assertThat(page).doesNotContainPattern("(?i)<(script|img|iframe)[^>]*\\ssrc=");
    assertThat(page).doesNotContainPattern("(?i)<link");
    assertThat(page).doesNotContainPattern("(?i)@import|url\\(");
    assertThat(page).contains("default-src 'none'");
    // the only URL in the page is the SVG namespace, an identifier the browser never fetches
    assertThat(page.replace("http://www.w3.org/2000/svg", ""))
        .doesNotContainPattern("(?i)https?://");
    assertThat(page).doesNotContain("/*ARGOS_");
  }

  @Test
  void registryTextCannotCloseTheDataElement() throws Exception {
    assertThat(page).doesNotContain(Registries.SCRIPT_KEY).doesNotContain("<img").doesNotContain(
        "<b>bold</b>");
    // exactly the three script elements of the template: data, code... and no other
    assertThat(Pattern.compile("(?i)<script").matcher(page).results().count()).isEqualTo(2);
    JsonNode d = data(page);
    assertThat(d.get("topKeys")).extracting(k -> k.get("key").asText())
        .contains(Registries.SCRIPT_KEY, Registries.IMG_KEY);
  }

  @Test
  void aKeyThatLooksLikeATemplateMarkerStaysData() throws Exception {
    Path f = dir.resolve("markers.jsonl");
    Registries.write(f, java.util.List.of(
        Registries.signal("burst", dev.argos.core.Severity.WARNING, "10:00", "/*ARGOS_JS*/", "m"),
        Registries.signal("burst", dev.argos.core.Severity.WARNING, "10:01", "/*ARGOS_CSS*/",
            "/*ARGOS_DATA*/")));
    Run r = Run.of("report", f.toString(), "-o", "-");
    assertThat(r.status()).isZero();
    JsonNode d = data(r.out());
    assertThat(d.get("topKeys")).extracting(k -> k.get("key").asText())
        .containsExactlyInAnyOrder("/*ARGOS_JS*/", "/*ARGOS_CSS*/");
    assertThat(d.get("recurring").size()).isZero();
  }

  @Test
  void timelineBucketsCountEveryRecord() throws Exception {
    JsonNode hour = data(page).get("timeline").get("hour");
    assertThat(hour.get("labels")).extracting(JsonNode::asText).containsExactly(
        "2026-11-01T10:00Z", "2026-11-01T11:00Z", "2026-11-01T12:00Z", "2026-11-01T13:00Z");
    long total = 0;
    for (JsonNode s : hour.get("series")) {
      assertThat(s.get("counts").size()).isEqualTo(4);
      assertThat(s.get("counts").get(2).asLong()).isZero(); // nothing at 12:xx
      for (JsonNode c : s.get("counts")) {
        total += c.asLong();
      }
    }
    assertThat(total).isEqualTo(10);
    JsonNode day = data(page).get("timeline").get("day");
    assertThat(day.get("labels")).extracting(JsonNode::asText).containsExactly("2026-11-01");
  }

  @Test
  void countsKeysRecurringIncidentsAndPatterns() throws Exception {
    JsonNode d = data(page);
    assertThat(d.get("records").asLong()).isEqualTo(10);
    assertThat(d.get("byActionResult").get("success").asLong()).isEqualTo(1);
    assertThat(d.get("topKeys").get(0).get("key").asText()).isEqualTo("loop-0");
    assertThat(d.get("topKeys").get(0).get("count").asLong()).isEqualTo(4);
    // the incident id is not a key of the top keys
    assertThat(d.get("topKeys")).extracting(k -> k.get("key").asText())
        .doesNotContain(Registries.INCIDENT_ID);
    assertThat(d.get("recurring")).singleElement()
        .satisfies(p -> assertThat(p.get("count").asLong()).isEqualTo(3));
    assertThat(d.get("incidents")).singleElement()
        .satisfies(i -> assertThat(i.get("state").asText()).isEqualTo("resolved"));
    assertThat(d.get("patterns")).singleElement()
        .satisfies(p -> assertThat(p.get("kind").asText()).isEqualTo("recurringProblem"));
  }

  @Test
  void toStandardOutputWithDash() {
    Run r = Run.of("report", file.toString(), "-o", "-");
    assertThat(r.status()).isZero();
    assertThat(r.out()).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void anUnwritableOutputIsOneLine() {
    Run r = Run.of("report", file.toString(), "-o", dir.resolve("no/such/dir/r.html").toString());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.errLines()).isEqualTo(1);
    assertThat(r.err()).startsWith("argos: cannot write");
  }

  @Test
  void anEmptyRegistryStillMakesAPage() throws Exception {
    Path empty = dir.resolve("empty.jsonl");
    Files.writeString(empty, "");
    Run r = Run.of("report", empty.toString(), "-o", "-");
    assertThat(r.status()).isZero();
    JsonNode d = data(r.out());
    assertThat(d.get("records").asLong()).isZero();
    assertThat(d.get("timeline").get("hour").isNull()).isTrue();
  }
}
