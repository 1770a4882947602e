package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Severity;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Records read back from a registry file are safe to log as they are. */
class RegistryTextTest {
  private static final String FORGED = "evil\n2026-12-02 [main] WARN forged\u001b[2J\u202e";

  @Test
  void aRecordsToStringIsOneNeutralisedLine() {
    ProblemRecord r =
        new ProblemRecord(
            Instant.EPOCH, Severity.WARNING, "burst", FORGED + "x".repeat(5_000), FORGED,
            Map.of("k", "v"), "burst:0123456789abcdef", "quarantine", FORGED, "host", 42, "app");
    String line = r.toString();
    assertThat(line)
        .doesNotContain("\n")
        .doesNotContain("\u001b")
        .doesNotContain("\u202e")
        .contains("evil\\n2026-12-02 [main] WARN forged")
        .hasSizeLessThan(1_200);
  }
}
