package dev.argos.forensics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Perttulands model on the manual clock: backoff 0 / 60 / 300 s, then a 1 h cooldown. */
class GuardrailsTest {
  final ManualClock clock = Clock.manual();
  final Guardrails g = new Guardrails(Set.of(), clock);

  private Instant at(Instant start, long seconds) {
    return start.plusSeconds(seconds);
  }

  @Test
  void backoffIsZeroSixtyThreeHundredSecondsThenAnHourOfCooldownWhichEnds() {
    Instant t0 = clock.instant();
    Guardrails.Decision d1 = g.admit("restart", "k");
    assertThat(d1.allowed()).isTrue();
    assertThat(d1.attempt()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(59));
    Guardrails.Decision early = g.admit("restart", "k");
    assertThat(early.refused()).isEqualTo(ActionResult.SUPPRESSED);
    assertThat(early.attempt()).isEqualTo(2);
    assertThat(early.reason()).startsWith("backoff");
    assertThat(early.nextAllowedAt()).isEqualTo(at(t0, 60));

    clock.advance(Duration.ofSeconds(1)); // t0 + 60 s
    Guardrails.Decision d2 = g.admit("restart", "k");
    assertThat(d2.allowed()).isTrue();
    assertThat(d2.attempt()).isEqualTo(2);

    clock.advance(Duration.ofSeconds(299)); // t0 + 359 s: attempt 3 needs 300 s after attempt 2
    Guardrails.Decision early3 = g.admit("restart", "k");
    assertThat(early3.refused()).isEqualTo(ActionResult.SUPPRESSED);
    assertThat(early3.nextAllowedAt()).isEqualTo(at(t0, 360));

    clock.advance(Duration.ofSeconds(1)); // t0 + 360 s
    Guardrails.Decision d3 = g.admit("restart", "k");
    assertThat(d3.allowed()).isTrue();
    assertThat(d3.attempt()).isEqualTo(3);

    clock.advance(Duration.ofSeconds(600)); // t0 + 960 s: a fourth trigger is a loop
    Guardrails.Decision loop = g.admit("restart", "k");
    assertThat(loop.refused()).isEqualTo(ActionResult.SUPPRESSED);
    assertThat(loop.reason()).contains("loop detected");
    assertThat(loop.nextAllowedAt()).isEqualTo(at(t0, 960 + 3600));

    clock.advance(Duration.ofSeconds(3599)); // still in the cooldown
    Guardrails.Decision cooling = g.admit("restart", "k");
    assertThat(cooling.refused()).isEqualTo(ActionResult.SUPPRESSED);
    assertThat(cooling.reason()).startsWith("cooldown");
    assertThat(cooling.nextAllowedAt()).isEqualTo(at(t0, 960 + 3600));
    assertThat(cooling.quiet()).as("the same suppression as the loop's: not reported again").isTrue();

    clock.advance(Duration.ofSeconds(1)); // the cooldown is over: start again (Perttulands never did)
    Guardrails.Decision again = g.admit("restart", "k");
    assertThat(again.allowed()).isTrue();
    assertThat(again.attempt()).isEqualTo(1);
    assertThat(again.heldBack()).isEqualTo(1);
    clock.advance(Duration.ofSeconds(1));
    assertThat(g.admit("restart", "k").refused()).isEqualTo(ActionResult.SUPPRESSED);
  }

  @Test
  void suppressedTriggersDoNotCountAsAttempts() {
    g.admit("a", "k");
    for (int i = 0; i < 10; i++) {
      clock.advance(Duration.ofSeconds(5));
      Guardrails.Decision d = g.admit("a", "k");
      assertThat(d.refused()).isEqualTo(ActionResult.SUPPRESSED);
      assertThat(d.quiet()).as("trigger %d: only the first is reported", i).isEqualTo(i > 0);
    }
    clock.advance(Duration.ofSeconds(10)); // 60 s after attempt 1
    Guardrails.Decision second = g.admit("a", "k");
    assertThat(second.attempt()).isEqualTo(2);
    assertThat(second.heldBack()).as("the 9 quiet suppressions").isEqualTo(9);
    clock.advance(Duration.ofSeconds(1));
    Guardrails.Decision next = g.admit("a", "k"); // a new suppression (until attempt 3): reported
    assertThat(next.quiet()).isFalse();
    assertThat(next.heldBack()).isZero();
  }

  @Test
  void anHourWithoutAttemptsStartsAgainAtAttemptOne() {
    g.admit("a", "k");
    clock.advance(Duration.ofSeconds(60));
    assertThat(g.admit("a", "k").attempt()).isEqualTo(2);
    clock.advance(Duration.ofHours(1));
    Guardrails.Decision d = g.admit("a", "k");
    assertThat(d.allowed()).isTrue();
    assertThat(d.attempt()).isEqualTo(1);
  }

  @Test
  void targetsAndActionsAreIndependent() {
    assertThat(g.admit("a", "k1").attempt()).isEqualTo(1);
    assertThat(g.admit("a", "k2").attempt()).isEqualTo(1);
    assertThat(g.admit("b", "k1").attempt()).isEqualTo(1);
    assertThat(g.admit("a", null).attempt()).isEqualTo(1);
    assertThat(g.admit("a", "k1").refused()).isEqualTo(ActionResult.SUPPRESSED);
    assertThat(g.admit("a", null).refused()).isEqualTo(ActionResult.SUPPRESSED);
    clock.advance(Duration.ofSeconds(60));
    assertThat(g.admit("a", "k2").attempt()).isEqualTo(2);
    assertThat(g.admit("a", "k1").attempt()).isEqualTo(2);
  }

  @Test
  void namesOutsideTheAllowlistAreSkippedAndNotCounted() {
    Guardrails only = new Guardrails(Set.of("quarantine"), clock);
    Guardrails.Decision d = only.admit("heapHistogram", "k");
    assertThat(d.refused()).isEqualTo(ActionResult.SKIPPED);
    assertThat(d.reason()).isEqualTo(Guardrails.NOT_ALLOWED);
    assertThat(only.size()).isZero();
    assertThat(only.admit("quarantine", "k").allowed()).isTrue();
  }

  @Test
  void rememberedPairsAreBounded() {
    Guardrails small = new Guardrails(Set.of(), clock, 3);
    for (int i = 0; i < 10; i++) {
      small.admit("a", "k" + i);
    }
    assertThat(small.size()).isEqualTo(3);
    // the least recently triggered pair was forgotten: it starts again at attempt 1
    assertThat(small.admit("a", "k0").attempt()).isEqualTo(1);
    assertThat(small.admit("a", "k9").refused()).isEqualTo(ActionResult.SUPPRESSED);
  }

  @Test
  void aFloodOfNewTargetsDoesNotLiftAPairsLoopCooldown() {
    Guardrails small = new Guardrails(Set.of(), clock, 3);
    // the victim's pair runs 3 times, then loops: 1 h cooldown
    small.admit("restart", "victim");
    clock.advance(Duration.ofSeconds(60));
    small.admit("restart", "victim");
    clock.advance(Duration.ofSeconds(300));
    small.admit("restart", "victim");
    clock.advance(Duration.ofSeconds(1));
    assertThat(small.admit("restart", "victim").reason()).contains("loop detected");
    // an attacker's keys, each new, push the victim's pair out of the least recently used order
    for (int i = 0; i < 100; i++) {
      small.admit("restart", "attacker-" + i);
    }
    assertThat(small.size()).isEqualTo(3);
    clock.advance(Duration.ofMinutes(1));
    Guardrails.Decision d = small.admit("restart", "victim");
    assertThat(d.refused()).as("still in its cooldown").isEqualTo(ActionResult.SUPPRESSED);
    assertThat(d.reason()).contains("cooldown");
  }
}
