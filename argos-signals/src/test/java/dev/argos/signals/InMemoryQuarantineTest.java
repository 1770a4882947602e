package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Deterministic tests of {@link InMemoryQuarantine}, driven by a {@link ManualClock}. */
class InMemoryQuarantineTest {
  private final ManualClock clock = Clock.manual();
  private final List<Signal> changes = new CopyOnWriteArrayList<>();

  private InMemoryQuarantine quarantine(Quarantines.Builder b) {
    InMemoryQuarantine q = b.clock(clock).build();
    q.onChange(changes::add);
    return q;
  }

  private List<String> actions() {
    return changes.stream().map(s -> (String) s.data().get("action")).collect(Collectors.toList());
  }

  @Test
  void quarantinesForTheDefaultTtlThenExpires() {
    InMemoryQuarantine q = quarantine(Quarantines.builder());
    assertThat(q.quarantine("10.0.0.7", Severity.WARNING, "burst of 900 req/s")).isTrue();
    assertThat(q.isQuarantined("10.0.0.7")).isTrue();
    assertThat(q.isQuarantined("10.0.0.8")).isFalse();
    assertThat(q.size()).isEqualTo(1);
    assertThat(q.remaining("10.0.0.7")).isEqualTo(Duration.ofMinutes(5));

    Signal in = changes.get(0);
    assertThat(in.type()).isEqualTo(Signal.TYPE_QUARANTINE);
    assertThat(in.key()).isEqualTo("10.0.0.7");
    assertThat(in.source()).isEqualTo("argos");
    assertThat(in.severity()).isEqualTo(Severity.WARNING);
    assertThat(in.timestamp()).isEqualTo(clock.instant());
    assertThat(in.data())
        .containsEntry("action", "quarantined")
        .containsEntry("ttlMs", 300_000L)
        .containsEntry("severity", "WARNING")
        .containsEntry("reason", "burst of 900 req/s")
        .containsEntry("offences", 1);

    clock.advance(Duration.ofMinutes(5).minusMillis(1));
    assertThat(q.isQuarantined("10.0.0.7")).isTrue();
    clock.advanceMillis(1);
    // the hot path turns false exactly at expiry, before any sweep
    assertThat(q.isQuarantined("10.0.0.7")).isFalse();
    assertThat(changes).hasSize(1);
    assertThat(q.size()).isZero(); // size() sweeps: the expiry is reported now
    Signal out = changes.get(1);
    assertThat(out.severity()).isEqualTo(Severity.INFO);
    assertThat(out.data())
        .containsEntry("action", "expired")
        .containsEntry(Signal.DATA_STATE, Signal.STATE_RESOLVED)
        .containsEntry("durationMs", 300_000L);
    assertThat(q.stats().expired()).isEqualTo(1);
  }

  @Test
  void expiryIsReportedAtTheNextWrite() {
    InMemoryQuarantine q = quarantine(Quarantines.builder().ttl(Duration.ofSeconds(10)));
    q.quarantine("a", Severity.WARNING, "x");
    clock.advance(Duration.ofSeconds(11));
    q.quarantine("b", Severity.WARNING, "y");
    assertThat(actions()).containsExactly("quarantined", "expired", "quarantined");
    assertThat(changes.get(1).key()).isEqualTo("a");
  }

  @Test
  void explicitTtlAndExtension() {
    InMemoryQuarantine q = quarantine(Quarantines.builder());
    assertThat(q.quarantine("k", Duration.ofSeconds(30), Severity.WARNING, "first")).isTrue();
    clock.advance(Duration.ofSeconds(20));
    // a quarantine of a quarantined key extends its term; no new offence
    assertThat(q.quarantine("k", Duration.ofSeconds(30), Severity.CRITICAL, "again")).isTrue();
    assertThat(q.remaining("k")).isEqualTo(Duration.ofSeconds(30));
    Signal ext = changes.get(1);
    assertThat(ext.data())
        .containsEntry("action", "quarantined")
        .containsEntry("extended", true)
        .containsEntry("severity", "CRITICAL")
        .containsEntry("offences", 1);
    // nothing to extend: same severity, earlier expiry
    assertThat(q.quarantine("k", Duration.ofSeconds(5), Severity.WARNING, "less")).isFalse();
    assertThatThrownBy(() -> q.quarantine("k", Duration.ZERO, Severity.WARNING, "r"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ttl");
  }

  @Test
  void releaseEndsTheTermAndIsReported() {
    InMemoryQuarantine q = quarantine(Quarantines.builder());
    q.quarantine("k", Severity.WARNING, "r");
    clock.advance(Duration.ofSeconds(7));
    assertThat(q.release("k")).isTrue();
    assertThat(q.isQuarantined("k")).isFalse();
    assertThat(q.release("k")).isFalse();
    assertThat(q.release("never")).isFalse();
    assertThat(actions()).containsExactly("quarantined", "released");
    assertThat(changes.get(1).data())
        .containsEntry(Signal.DATA_STATE, Signal.STATE_RESOLVED)
        .containsEntry("durationMs", 7_000L);
  }

  @Test
  void allowlistedKeysAreNeverQuarantined() {
    InMemoryQuarantine q = quarantine(Quarantines.builder().allow("127.0.0.1", "health"));
    assertThat(q.quarantine("127.0.0.1", Severity.CRITICAL, "r")).isFalse();
    assertThat(q.quarantine("health", Duration.ofHours(1), Severity.CRITICAL, "r")).isFalse();
    assertThat(q.isQuarantined("127.0.0.1")).isFalse();
    assertThat(q.size()).isZero();
    assertThat(changes).isEmpty();
    assertThat(q.stats().refused()).isEqualTo(2);
    assertThat(q.allowlist()).containsExactlyInAnyOrder("127.0.0.1", "health");
  }

  @Test
  void refusesEmptyKeysAndNullsOnTheHotPath() {
    InMemoryQuarantine q = quarantine(Quarantines.builder());
    assertThat(q.quarantine("", Severity.WARNING, "r")).isFalse();
    assertThat(q.quarantine("x".repeat(Signal.MAX_KEY_LENGTH), Severity.WARNING, "r")).isTrue();
    assertThat(q.isQuarantined(null)).isFalse();
    assertThat(q.release(null)).isFalse();
  }

  @Test
  void evictsLowestSeverityFirstThenOldest() {
    InMemoryQuarantine q = quarantine(Quarantines.builder().maxKeys(4));
    q.quarantine("c1", Severity.CRITICAL, "r");
    clock.advanceMillis(1);
    q.quarantine("w1", Severity.WARNING, "r");
    clock.advanceMillis(1);
    q.quarantine("i1", Severity.INFO, "r");
    clock.advanceMillis(1);
    q.quarantine("w2", Severity.WARNING, "r");
    clock.advanceMillis(1);

    q.quarantine("n1", Severity.WARNING, "r"); // evicts the only INFO key
    assertThat(q.isQuarantined("i1")).isFalse();
    q.quarantine("n2", Severity.WARNING, "r"); // then the oldest WARNING
    assertThat(q.isQuarantined("w1")).isFalse();
    q.quarantine("n3", Severity.CRITICAL, "r"); // then the next oldest WARNING
    assertThat(q.isQuarantined("w2")).isFalse();
    assertThat(q.size()).isEqualTo(4);
    List<String> evicted =
        changes.stream()
            .filter(s -> "evicted".equals(s.data().get("action")))
            .map(Signal::key)
            .collect(Collectors.toList());
    assertThat(evicted).containsExactly("i1", "w1", "w2");
    assertThat(q.stats().evicted()).isEqualTo(3);
  }

  @Test
  void aNewKeyNeverEvictsAMoreSevereOne() {
    InMemoryQuarantine q = quarantine(Quarantines.builder().maxKeys(2));
    q.quarantine("c1", Severity.CRITICAL, "r");
    q.quarantine("c2", Severity.CRITICAL, "r");
    assertThat(q.quarantine("w", Severity.WARNING, "r")).isFalse();
    assertThat(q.isQuarantined("c1")).isTrue();
    assertThat(q.isQuarantined("c2")).isTrue();
    assertThat(q.stats().refused()).isEqualTo(1);
  }

  @Test
  void expiredKeysAreReclaimedBeforeAnyEviction() {
    InMemoryQuarantine q = quarantine(Quarantines.builder().maxKeys(2));
    q.quarantine("short", Duration.ofSeconds(1), Severity.INFO, "r");
    q.quarantine("long", Duration.ofMinutes(10), Severity.WARNING, "r");
    clock.advance(Duration.ofSeconds(2));
    q.quarantine("new", Severity.WARNING, "r");
    assertThat(q.isQuarantined("long")).isTrue();
    assertThat(q.isQuarantined("new")).isTrue();
    assertThat(q.stats().evicted()).isZero();
    assertThat(q.stats().expired()).isEqualTo(1);
  }

  @Test
  void aRepeatOffenceSoonAfterReleaseDoublesTheTermUpToTheCap() {
    InMemoryQuarantine q = quarantine(Quarantines.builder().repeatOffenderThreshold(16));
    List<Long> ttls = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      q.quarantine("k", Severity.WARNING, "burst");
      ttls.add(q.remaining("k").toMinutes());
      clock.advance(Duration.ofSeconds(10));
      q.release("k");
      clock.advance(Duration.ofMinutes(1)); // well within the 1 h reoffend window
    }
    // 5, 10, 20, 40 min, then capped at 1 h
    assertThat(ttls).containsExactly(5L, 10L, 20L, 40L, 60L, 60L, 60L);
    List<Long> reported =
        changes.stream()
            .filter(s -> "quarantined".equals(s.data().get("action")))
            .map(s -> (Long) s.data().get("ttlMs"))
            .collect(Collectors.toList());
    assertThat(reported)
        .containsExactly(300_000L, 600_000L, 1_200_000L, 2_400_000L, 3_600_000L, 3_600_000L,
            3_600_000L);
  }

  @Test
  void theTermResetsAfterTheReoffendWindow() {
    InMemoryQuarantine q = quarantine(Quarantines.builder());
    q.quarantine("k", Severity.WARNING, "burst");
    clock.advance(Duration.ofMinutes(5)); // expires
    q.quarantine("k", Severity.WARNING, "burst");
    assertThat(q.remaining("k")).isEqualTo(Duration.ofMinutes(10)); // expiry counts as an end
    clock.advance(Duration.ofMinutes(10));
    q.sweep();
    clock.advance(Duration.ofHours(1).plusSeconds(1)); // past the reoffend window
    q.quarantine("k", Severity.WARNING, "burst");
    assertThat(q.remaining("k")).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void theFourthOffenceInADayRaisesACriticalAlarm() {
    InMemoryQuarantine q = quarantine(Quarantines.builder());
    for (int i = 1; i <= 5; i++) {
      q.quarantine("k", Severity.WARNING, "burst");
      q.release("k");
      clock.advance(Duration.ofHours(2)); // 5 offences within 10 h
    }
    List<Signal> alarms =
        changes.stream()
            .filter(s -> "repeatOffender".equals(s.data().get("action")))
            .collect(Collectors.toList());
    assertThat(alarms).hasSize(1);
    Signal alarm = alarms.get(0);
    assertThat(alarm.type()).isEqualTo(Signal.TYPE_QUARANTINE);
    assertThat(alarm.severity()).isEqualTo(Severity.CRITICAL);
    assertThat(alarm.key()).isEqualTo("k");
    assertThat(alarm.data()).containsEntry("offences", 4);
    assertThat(alarm.message()).contains("a person should look");
    assertThat(q.stats().repeatOffenders()).isEqualTo(1);
    // it follows the fourth "quarantined" change
    int idx = changes.indexOf(alarm);
    assertThat(changes.get(idx - 1).data()).containsEntry("offences", 4);
  }

  @Test
  void offencesOutsideTheDayDoNotCount() {
    InMemoryQuarantine q = quarantine(Quarantines.builder());
    for (int i = 1; i <= 6; i++) {
      q.quarantine("k", Severity.WARNING, "burst");
      q.release("k");
      clock.advance(Duration.ofHours(9)); // at most 3 starts within any 24 h
    }
    assertThat(actions()).doesNotContain("repeatOffender");
  }

  @Test
  void offenceHistoryIsBounded() {
    InMemoryQuarantine q = quarantine(Quarantines.builder().maxOffenders(100));
    for (int i = 0; i < 1_000; i++) {
      q.quarantine("k" + i, Severity.WARNING, "r");
    }
    assertThat(q.stats().offenderHistories()).isEqualTo(100);
  }

  @Test
  void holdsTenThousandKeysAndNoMore() {
    InMemoryQuarantine q = quarantine(Quarantines.builder());
    for (int i = 0; i < 12_000; i++) {
      assertThat(q.quarantine("10.1." + (i / 256) + "." + (i % 256), Severity.WARNING, "r"))
          .isTrue();
    }
    assertThat(q.size()).isEqualTo(Quarantines.DEFAULT_MAX_KEYS);
    assertThat(q.stats().evicted()).isEqualTo(2_000);
    assertThat(q.isQuarantined("10.1.0.0")).isFalse(); // the oldest went first
    assertThat(q.isQuarantined("10.1.7.207")).isFalse(); // key 1999
    assertThat(q.isQuarantined("10.1.7.208")).isTrue(); // key 2000
    assertThat(q.isQuarantined("10.1.46.223")).isTrue(); // key 11999
  }

  @Test
  void auditChainVerifiesAndDetectsTampering() {
    InMemoryQuarantine q = quarantine(Quarantines.builder().maxKeys(2));
    q.quarantine("a", Severity.WARNING, "burst");
    q.quarantine("b", Severity.INFO, "manual");
    q.quarantine("c", Severity.WARNING, "burst"); // evicts b
    q.release("a");
    clock.advance(Duration.ofMinutes(6));
    q.sweep(); // c expires

    List<AuditRecord> chain = q.auditRecords();
    assertThat(chain)
        .extracting(AuditRecord::action)
        .containsExactly("quarantined", "quarantined", "evicted", "quarantined", "released",
            "expired");
    assertThat(chain.get(0).prevHash()).isEqualTo(AuditRecord.GENESIS);
    assertThat(chain.get(0).seq()).isEqualTo(1);
    assertThat(chain.get(0).hash()).hasSize(64).matches("[0-9a-f]{64}");
    assertThat(AuditRecord.verify(chain)).isTrue();
    assertThat(AuditRecord.verifyAfter(chain, AuditRecord.GENESIS)).isTrue();
    assertThat(q.verifyAudit()).isTrue();
    assertThat(q.auditHead()).isEqualTo(chain.get(chain.size() - 1).hash());

    // export as lines, read back: still verifies
    List<String> lines = chain.stream().map(AuditRecord::toLine).collect(Collectors.toList());
    List<AuditRecord> read = lines.stream().map(AuditRecord::parse).collect(Collectors.toList());
    assertThat(read).isEqualTo(chain);
    assertThat(AuditRecord.verify(read)).isTrue();

    // tamper with one field of record 2 (the key): its hash no longer matches
    List<String> tampered = new ArrayList<>(lines);
    tampered.set(2, tampered.get(2).replace("\"key\":\"b\"", "\"key\":\"z\""));
    assertThat(tampered.get(2)).isNotEqualTo(lines.get(2));
    List<AuditRecord> t = tampered.stream().map(AuditRecord::parse).collect(Collectors.toList());
    assertThat(AuditRecord.firstInvalid(t)).isEqualTo(2);

    // a forger who also recomputes that record's hash breaks the next link
    AuditRecord orig = chain.get(2);
    AuditRecord forged =
        AuditRecord.next(orig.seq(), orig.time(), "released", orig.key(), orig.severity(),
            orig.ttlMs(), orig.offences(), orig.reason(), orig.prevHash());
    List<AuditRecord> f = new ArrayList<>(chain);
    f.set(2, forged);
    assertThat(AuditRecord.firstInvalid(f)).isEqualTo(3);

    // a dropped record is detected too
    List<AuditRecord> gap = new ArrayList<>(chain);
    gap.remove(3);
    assertThat(AuditRecord.firstInvalid(gap)).isEqualTo(3);
  }

  @Test
  void auditChainIsBoundedAndItsRetainedTailStillVerifies() {
    List<AuditRecord> exported = new ArrayList<>();
    InMemoryQuarantine q =
        quarantine(Quarantines.builder().auditCapacity(10).onAudit(exported::add));
    for (int i = 0; i < 25; i++) {
      q.quarantine("k" + i, Severity.WARNING, "r");
    }
    List<AuditRecord> tail = q.auditRecords();
    assertThat(tail).hasSize(10);
    assertThat(tail.get(0).seq()).isEqualTo(16);
    assertThat(q.stats().auditTrimmed()).isEqualTo(15);
    // a tail does not start at genesis: the default verify refuses it, the explicit
    // mid-chain verify accepts it against the hash of the record before it
    assertThat(AuditRecord.verify(tail)).isFalse();
    assertThat(q.verifyAudit()).isTrue();
    // the continuous export holds the whole chain, and the tail links onto it
    assertThat(exported).hasSize(25);
    assertThat(AuditRecord.verify(exported)).isTrue();
    assertThat(AuditRecord.verifyAfter(tail, exported.get(14).hash())).isTrue();
    assertThat(AuditRecord.verifyAfter(tail, exported.get(13).hash())).isFalse();
  }

  @Test
  void aThrowingListenerDoesNotBreakTheQuarantine() {
    InMemoryQuarantine q = Quarantines.builder().clock(clock).build();
    q.onChange(
        s -> {
          throw new IllegalStateException("boom");
        });
    List<Signal> seen = new ArrayList<>();
    q.onChange(seen::add);
    assertThat(q.quarantine("k", Severity.WARNING, "r")).isTrue();
    assertThat(q.isQuarantined("k")).isTrue();
    assertThat(seen).hasSize(1);
  }

  @Test
  void aListenerMayCallBackIntoTheQuarantine() {
    InMemoryQuarantine q = Quarantines.builder().clock(clock).build();
    List<String> seen = new ArrayList<>();
    q.onChange(
        s -> {
          seen.add(s.key() + ":" + s.data().get("action"));
          if ("a".equals(s.key()) && "quarantined".equals(s.data().get("action"))) {
            q.quarantine("b", Severity.WARNING, "linked");
          }
        });
    q.quarantine("a", Severity.WARNING, "r");
    assertThat(seen).containsExactly("a:quarantined", "b:quarantined");
  }

  @Test
  void subscriptionCloseStopsDelivery() {
    InMemoryQuarantine q = Quarantines.builder().clock(clock).build();
    List<Signal> seen = new ArrayList<>();
    var sub = q.onChange(seen::add);
    q.quarantine("a", Severity.WARNING, "r");
    sub.close();
    q.quarantine("b", Severity.WARNING, "r");
    assertThat(seen).hasSize(1);
  }

  @Test
  void invalidSettingsAreRejectedWithTheirName() {
    assertThatThrownBy(() -> Quarantines.builder().maxKeys(0))
        .hasMessageContaining("maxKeys")
        .hasMessageContaining("0");
    assertThatThrownBy(() -> Quarantines.builder().ttl(Duration.ofSeconds(-1)))
        .hasMessageContaining("ttl");
    assertThatThrownBy(() -> Quarantines.builder().repeatOffenderThreshold(1))
        .hasMessageContaining("repeatOffenderThreshold");
  }
}
