package dev.argos.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Quarantine;
import dev.argos.core.Severity;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.signals.InMemoryQuarantine;
import dev.argos.signals.Quarantines;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestGuardTest {
  private final ManualClock clock = Clock.manual();
  private final Argos argos =
      Argos.createArgos(ArgosConfig.builder().clock(clock).build()); // not started: recording only
  private final InMemoryQuarantine quarantine = Quarantines.builder().clock(clock).build();

  private static HeaderKeyResolverTest.FakeRequest from(String remote) {
    return new HeaderKeyResolverTest.FakeRequest(remote, Map.of());
  }

  @Test
  void aQuarantinedKeyGetsTheSecondsLeftRoundedUp() {
    RequestGuard guard =
        new RequestGuard(argos, quarantine, ClientKeyResolver.Request::remoteAddress, true,
            Duration.ofMinutes(5));
    assertThat(guard.admit(from("1.2.3.4"))).isEqualTo(RequestGuard.ADMIT);
    quarantine.quarantine("1.2.3.4", Duration.ofSeconds(90), Severity.WARNING, "test");
    assertThat(guard.admit(from("1.2.3.4"))).isEqualTo(90);
    clock.advance(Duration.ofMillis(30_500));
    assertThat(guard.admit(from("1.2.3.4"))).isEqualTo(60); // 59.5 s left
    assertThat(guard.admit(from("5.6.7.8"))).isEqualTo(RequestGuard.ADMIT);
    clock.advance(Duration.ofSeconds(60));
    assertThat(guard.admit(from("1.2.3.4"))).isEqualTo(RequestGuard.ADMIT);
    // every request was recorded, refused or not
    assertThat(argos.snapshot().getLong("requests.total", -1)).isEqualTo(5);
  }

  @Test
  void aQuarantineThatDoesNotTellTheTimeLeftGivesTheTtl() {
    Quarantine always = new Quarantine() {
      @Override public boolean isQuarantined(String key) {
        return "bad".equals(key);
      }
      @Override public boolean quarantine(String key, Severity s, String reason) {
        return false;
      }
      @Override public boolean quarantine(String key, Duration ttl, Severity s, String reason) {
        return false;
      }
      @Override public boolean release(String key) {
        return false;
      }
      @Override public int size() {
        return 1;
      }
    };
    RequestGuard guard =
        new RequestGuard(argos, always, r -> "bad", true, Duration.ofSeconds(42));
    assertThat(guard.admit(from("1.2.3.4"))).isEqualTo(42);
  }

  @Test
  void rejectOffOnlyRecords() {
    quarantine.quarantine("1.2.3.4", Severity.WARNING, "test");
    RequestGuard guard =
        new RequestGuard(argos, quarantine, ClientKeyResolver.Request::remoteAddress, false,
            Duration.ofMinutes(5));
    assertThat(guard.admit(from("1.2.3.4"))).isEqualTo(RequestGuard.ADMIT);
    assertThat(argos.snapshot().getLong("requests.total", -1)).isEqualTo(1);
  }

  @Test
  void aThrowingResolverFallsBackToTheRemoteAddressAndNeverThrows() {
    quarantine.quarantine("1.2.3.4", Severity.WARNING, "test");
    RequestGuard guard =
        new RequestGuard(argos, quarantine, r -> { throw new IllegalStateException("boom\n"); },
            true, Duration.ofMinutes(5));
    assertThat(guard.admit(from("1.2.3.4"))).isPositive(); // keyed by remote address: refused
    assertThat(guard.admit(from("9.9.9.9"))).isEqualTo(RequestGuard.ADMIT);
  }

  @Test
  void aNullKeyIsCountedAndNeverRefused() {
    RequestGuard guard =
        new RequestGuard(argos, quarantine, r -> null, true, Duration.ofMinutes(5));
    assertThat(guard.admit(from("1.2.3.4"))).isEqualTo(RequestGuard.ADMIT);
    assertThat(argos.snapshot().getLong("requests.total", -1)).isEqualTo(1);
  }
}
