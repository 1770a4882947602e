package dev.argos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A pattern finding is safe to log as it is. */
class FindingTextTest {
  private static final String FORGED = "evil\n2026-12-02 [main] WARN forged\u001b[2J\u202e";

  @Test
  void aFindingsToStringIsOneNeutralisedLine() {
    RegistryPatterns.Finding f =
        new RegistryPatterns.Finding(
            RegistryPatterns.RECURRING_KEY, FORGED, "key " + FORGED + " came back", 3, Map.of());
    assertThat(f.toString())
        .doesNotContain("\n")
        .doesNotContain("\u001b")
        .doesNotContain("\u202e")
        .contains("x3");
  }
}
