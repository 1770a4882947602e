package dev.argos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code argos incidents}: one entry per incident id, its last record winning. */
class IncidentsCommandTest {
  @TempDir Path dir;
  Path file;

  @BeforeEach
  void write() {
    file = dir.resolve("problems.jsonl");
    Registries.known(file);
  }

  @Test
  void theLastRecordOfAnIdWins() throws Exception {
    Run r = Run.of("incidents", "--format", "json", file.toString());
    assertThat(r.status()).isZero();
    assertThat(r.err()).isEmpty();
    JsonNode n = new ObjectMapper().readTree(r.out());
    assertThat(n.get("incidents").size()).isEqualTo(1);
    JsonNode i = n.get("incidents").get(0);
    assertThat(i.get("id").asText()).isEqualTo(Registries.INCIDENT_ID);
    assertThat(i.get("state").asText()).isEqualTo("resolved");
    assertThat(i.get("opened").asText()).isEqualTo("2026-11-01T13:01:00Z");
    assertThat(i.get("updated").asText()).isEqualTo("2026-11-01T13:40:00Z");
    assertThat(i.get("updates").asInt()).isEqualTo(2);
    assertThat(i.get("origin").get("kind").asText()).isEqualTo("key");
    assertThat(i.get("origin").get("name").asText()).isEqualTo(Registries.IMG_KEY);
    assertThat(i.get("confidence").asDouble()).isEqualTo(0.8);
    assertThat(i.get("chain")).extracting(c -> c.get("role").asText())
        .containsExactly("origin", "symptom");
    assertThat(i.get("evidence").asText()).isEqualTo(Registries.EVIDENCE);
    // a relative evidence path is resolved against the registry's directory
    assertThat(i.get("evidenceUri").asText())
        .isEqualTo(dir.resolve(Registries.EVIDENCE).toAbsolutePath().toUri().toString());

    assertThat(Run.of("incidents", "--state", "open", "--format=json", file.toString()).out())
        .contains("\"incidents\" : [ ]");
  }

  @Test
  void outOfOrderRecordsStillLetTheLatestWin() throws Exception {
    Path f = dir.resolve("ooo.jsonl");
    // the resolved record written first (e.g. from another process), the open one after
    Registries.write(f, List.of(Registries.incident("13:40", "resolved"),
        Registries.incident("13:01", "open")));
    JsonNode i = new ObjectMapper()
        .readTree(Run.of("incidents", "--format=json", f.toString()).out())
        .get("incidents").get(0);
    assertThat(i.get("state").asText()).isEqualTo("resolved");
    assertThat(i.get("opened").asText()).isEqualTo("2026-11-01T13:01:00Z");
  }

  @Test
  void textShowsOriginChainAndEvidence() {
    Run r = Run.of("incidents", file.toString());
    assertThat(r.status()).isZero();
    assertThat(r.out())
        .contains(Registries.INCIDENT_ID + "  resolved  CRITICAL  opened 2026-11-01T13:01:00Z")
        .contains("origin: key " + Registries.IMG_KEY + " (burst), confidence 0.80")
        .contains("why: the burst started 40 min before the descriptors ran out")
        .contains("origin      burst")
        .contains("symptom     resourceExhaustion \"fileHandles\" at 2026-11-01T13:00:00Z")
        .contains("evidence: " + Registries.EVIDENCE);
    assertThat(Run.of("incidents", dir.resolve("none.jsonl").toString()).status()).isEqualTo(1);
  }

  @Test
  void anEvidenceLinkIsOnlyEverAFileUri() {
    Signal evil = Registries.incident("13:01", "open").toBuilder()
        .data("evidence", "javascript:alert(1)")
        .build();
    Incidents.Incident i = incident(evil);
    assertThat(i.evidenceUri(dir)).startsWith("file:").doesNotStartWith("javascript");
    Signal none = Registries.incident("13:01", "open").toBuilder()
        .removeData("evidence")
        .data("evidenceSkipped", "cooldown")
        .build();
    assertThat(incident(none).evidenceUri(dir)).isNull();
    assertThat(Run.of("incidents", write(none).toString()).out())
        .contains("evidence: none (cooldown)");
  }

  @Test
  void confidenceMayComeAsAMapWithWhy() {
    Signal s = Registries.incident("13:01", "open").toBuilder()
        .removeData("why")
        .data("confidence", Map.of("value", 0.55, "why", "a lock owner was stalled"))
        .build();
    Incidents.Incident i = incident(s);
    assertThat(i.confidence()).isEqualTo(0.55);
    assertThat(i.why()).isEqualTo("a lock owner was stalled");
  }

  @Test
  void otherTypesAreNotIncidents() {
    Path f = dir.resolve("plain.jsonl");
    Registries.write(f, List.of(Registries.signal(Signal.TYPE_BURST, Severity.WARNING, "10:00",
        "inc-1", "not an incident")));
    assertThat(Run.of("incidents", f.toString()).out()).isEqualTo(
        "no incidents in 1 record(s)" + System.lineSeparator());
  }

  private Path write(Signal s) {
    Path f = dir.resolve("one-" + System.nanoTime() + ".jsonl");
    Registries.write(f, List.of(s));
    return f;
  }

  private Incidents.Incident incident(Signal s) {
    Path f = write(s);
    return Incidents.of(Inputs.load(List.of(f)).records()).get(0);
  }
}
