package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The audit chain's promises under attack (issue 11 §2.7). */
class AuditRecordTest {
  private static final Instant T = Instant.parse("1970-01-02T00:00:00Z");

  private static List<AuditRecord> chainOf(int changes) {
    ManualClock clock = Clock.manual();
    InMemoryQuarantine q = Quarantines.builder().clock(clock).build();
    for (int i = 0; i < changes; i++) {
      q.quarantine("10.0.0." + i, Severity.WARNING, "burst");
    }
    return q.auditRecords();
  }

  /** Fails on the old code: a chain without its first records verified. */
  @Test
  void aChainWhoseFirstRecordsWereDeletedFailsTheDefaultVerify() {
    List<AuditRecord> chain = chainOf(5);
    assertThat(AuditRecord.verify(chain)).isTrue();
    List<AuditRecord> headless = chain.subList(2, chain.size());
    assertThat(AuditRecord.verify(headless)).isFalse();
    assertThat(AuditRecord.firstInvalid(headless)).isZero();
    assertThat(AuditRecord.verify(chain.subList(1, chain.size()))).isFalse();
    // the explicit mid-chain verify accepts it only against the true predecessor
    assertThat(AuditRecord.verifyAfter(headless, chain.get(1).hash())).isTrue();
    assertThat(AuditRecord.verifyAfter(headless, chain.get(0).hash())).isFalse();
    assertThat(AuditRecord.verifyAfter(headless, AuditRecord.GENESIS)).isFalse();
  }

  /** Fails on the old code: the action was not length-prefixed, so this rewrite kept the hash. */
  @Test
  void movingCharactersAcrossAFieldBoundaryIsDetected() {
    AuditRecord genuine =
        AuditRecord.next(
            1, T, "quarantined", "a|key=1:x", Severity.WARNING, 300_000, 1, "burst",
            AuditRecord.GENESIS);
    // move "|key=9:a" out of the key into the action: same text under the old canonical form
    String forged =
        genuine
            .toLine()
            .replace("\"action\":\"quarantined\"", "\"action\":\"quarantined|key=9:a\"")
            .replace("\"key\":\"a|key=1:x\"", "\"key\":\"x\"");
    assertThat(forged).isNotEqualTo(genuine.toLine());
    assertThat(acceptedAsChain(forged)).isFalse();
  }

  /** Fails on the old code: the hashed text had unprefixed fields. */
  @Test
  void theHashedTextLengthPrefixesEveryField() {
    AuditRecord r =
        AuditRecord.next(
            1, T, "quarantined", "10.0.0.7", Severity.WARNING, 300_000, 1, "burst",
            AuditRecord.GENESIS);
    assertThat(r.canonicalText())
        .isEqualTo(
            "seq=1:1|time=20:1970-01-02T00:00:00Z|action=11:quarantined|key=8:10.0.0.7"
                + "|severity=7:WARNING|ttlMs=6:300000|offences=1:1|reason=5:burst");
    assertThat(r.isSelfConsistent()).isTrue();
  }

  /** Fails on the old code: any action was accepted. */
  @Test
  void anUnknownActionIsRejected() {
    AuditRecord genuine = chainOf(1).get(0);
    String line = genuine.toLine().replace("\"action\":\"quarantined\"", "\"action\":\"pardoned\"");
    assertThatThrownBy(() -> AuditRecord.parse(line))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown action");
    assertThatThrownBy(
            () ->
                AuditRecord.next(
                    1, T, "pardoned", "k", Severity.INFO, 0, 1, "", AuditRecord.GENESIS))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Fails on the old code: UTF-8 turned a lone surrogate into '?', so both records hashed alike. */
  @Test
  void aLoneSurrogateAndAQuestionMarkHashDifferently() {
    AuditRecord a =
        AuditRecord.next(1, T, "quarantined", "k\uD800", Severity.WARNING, 1, 1, "",
            AuditRecord.GENESIS);
    AuditRecord b =
        AuditRecord.next(1, T, "quarantined", "k?", Severity.WARNING, 1, 1, "",
            AuditRecord.GENESIS);
    assertThat(a.hash()).isNotEqualTo(b.hash());
  }

  @Test
  void wellFormedTextIsHashedAsPlainUtf8() throws Exception {
    AuditRecord r =
        AuditRecord.next(1, T, "quarantined", "k\uD83D\uDE00\u00e9", Severity.WARNING, 1, 1,
            "r\u2026", AuditRecord.GENESIS);
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    byte[] d =
        md.digest(
            (AuditRecord.GENESIS + "\n" + r.canonicalText())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(r.hash()).isEqualTo(java.util.HexFormat.of().formatHex(d));
  }

  @Test
  void hashesAreLowerCaseHexAndParseRefusesOthers() {
    AuditRecord r = chainOf(1).get(0);
    assertThat(r.hash()).matches("[0-9a-f]{64}");
    String upper = r.toLine().replace(r.hash(), r.hash().toUpperCase(java.util.Locale.ROOT));
    assertThatThrownBy(() -> AuditRecord.parse(upper)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anEmptyChainIsIntact() {
    assertThat(AuditRecord.verify(List.of())).isTrue();
    assertThat(AuditRecord.firstInvalid(List.of())).isEqualTo(-1);
  }

  private static boolean acceptedAsChain(String line) {
    try {
      return AuditRecord.verify(List.of(AuditRecord.parse(line)));
    } catch (IllegalArgumentException refused) {
      return false;
    }
  }
}
