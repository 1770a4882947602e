package dev.argos.forensics;

import dev.argos.core.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether an action may run now against a target (the Perttulands model, without its
 * bug): names outside the allowlist are skipped; per action and target, attempt 1 runs at once,
 * attempt 2 no sooner than 60 s after attempt 1, attempt 3 no sooner than 300 s after attempt 2;
 * a fourth trigger means a loop: the pair is suppressed for a 1 h cooldown. When the cooldown
 * ends, or after 1 h without an attempt, the pair starts again at attempt 1 (Perttulands' code
 * never leaves its cooldown once entered).
 *
 * <p>Repeats are quiet: a trigger suppressed for the same reason as the one before it (the same
 * pair, the same next allowed time: incident updates, a burst that goes on) is {@link
 * Decision#quiet() quiet}, counted, and the count is carried by the pair's next reported
 * decision ({@link Decision#heldBack()}), so a long incident does not write a record a second.
 *
 * <p>Bounded: at most {@value #MAX_TARGETS} (action, target) pairs are remembered; beyond that
 * the least recently triggered pair that is not in a loop cooldown is forgotten (it would start
 * again at attempt 1), so a flood of new targets cannot lift a cooldown.
 *
 * <p>Time comes from the injected {@link Clock} only. Thread-safe (synchronized: called once per
 * matching trigger on the {@code argos-actions} thread).
 */
final class Guardrails {
  /** The waits before attempts 1, 2 and 3, since the previous attempt. */
  static final List<Duration> BACKOFF =
      List.of(Duration.ZERO, Duration.ofSeconds(60), Duration.ofSeconds(300));
  /** How long a pair is suppressed once a loop is detected, and the quiet time that resets it. */
  static final Duration COOLDOWN = Duration.ofHours(1);
  /** Most (action, target) pairs remembered. */
  static final int MAX_TARGETS = 10_000;
  /** Eldest pairs looked at for one not in a cooldown when one must be forgotten. */
  static final int EVICTION_SCAN = 64;

  static final String NOT_ALLOWED = "not on the allowlist";

  private final Set<String> allowlist;
  private final Clock clock;
  private final int maxTargets;
  // guarded by this; access order: the eldest is the least recently triggered
  private final LinkedHashMap<Pair, State> states = new LinkedHashMap<>(64, 0.75f, true);

  /**
   * @param allowlist the action names that may run; empty: all
   */
  Guardrails(Set<String> allowlist, Clock clock) {
    this(allowlist, clock, MAX_TARGETS);
  }

  Guardrails(Set<String> allowlist, Clock clock, int maxTargets) {
    this.allowlist = Set.copyOf(allowlist);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.maxTargets = maxTargets;
  }

  /** The outcome for one trigger. */
  record Decision(
      @Nullable ActionResult refused,
      int attempt,
      @Nullable String reason,
      @Nullable Instant nextAllowedAt,
      boolean quiet,
      int heldBack) {
    /** True when the action may run (or, in dry-run, would run). */
    boolean allowed() {
      return refused == null;
    }
  }

  /** True when {@code action} is allowed by name. */
  boolean allowedByName(String action) {
    return allowlist.isEmpty() || allowlist.contains(action);
  }

  /**
   * Decides, and when the action may run counts the attempt (so a run, a failed run and a dry
   * run all count).
   *
   * @param target the trigger's key or incident id; null for all traffic
   */
  synchronized Decision admit(String action, @Nullable String target) {
    if (!allowedByName(action)) {
      return new Decision(ActionResult.SKIPPED, 0, NOT_ALLOWED, null, false, 0);
    }
    long now = clock.nanoTime();
    Pair pair = new Pair(action, target);
    State st = states.get(pair);
    if (st == null) {
      st = new State();
      states.put(pair, st);
      trim(st, now);
    }
    if (st.inCooldown) {
      long left = st.cooldownUntil - now;
      if (left > 0) {
        return suppressed(
            st, st.cooldownUntil, "cooldown: loop detected after " + BACKOFF.size() + " attempts", left);
      }
      st.reset();
    } else if (st.attempts > 0 && now - st.lastAttempt >= COOLDOWN.toNanos()) {
      st.reset(); // quiet for a cooldown's length: start again
    }
    if (st.attempts >= BACKOFF.size()) {
      st.inCooldown = true;
      st.cooldownUntil = now + COOLDOWN.toNanos();
      return suppressed(
          st,
          st.cooldownUntil,
          "loop detected: " + BACKOFF.size() + " attempts already, cooldown " + COOLDOWN.toMinutes() + " min",
          COOLDOWN.toNanos());
    }
    if (st.attempts > 0) {
      long wait = BACKOFF.get(st.attempts).toNanos();
      long left = st.lastAttempt + wait - now;
      if (left > 0) {
        return suppressed(
            st,
            st.lastAttempt + wait,
            "backoff: attempt " + (st.attempts + 1) + " needs " + BACKOFF.get(st.attempts).toSeconds()
                + " s after attempt " + st.attempts,
            left);
      }
    }
    st.attempts++;
    st.lastAttempt = now;
    st.reported = false;
    int held = st.heldBack;
    st.heldBack = 0;
    return new Decision(null, st.attempts, null, null, false, held);
  }

  /** A suppression: reported unless the last one of the pair had the same next allowed time. */
  private Decision suppressed(State st, long nextAllowedNanos, String reason, long leftNanos) {
    if (st.reported && st.reportedNext == nextAllowedNanos) {
      st.heldBack++;
      return new Decision(ActionResult.SUPPRESSED, st.attempts + 1, reason, at(leftNanos), true, 0);
    }
    st.reported = true;
    st.reportedNext = nextAllowedNanos;
    int held = st.heldBack;
    st.heldBack = 0;
    return new Decision(ActionResult.SUPPRESSED, st.attempts + 1, reason, at(leftNanos), false, held);
  }

  /** (action, target) pairs remembered now. */
  synchronized int size() {
    return states.size();
  }

  private Instant at(long nanosFromNow) {
    return clock.instant().plusNanos(nanosFromNow);
  }

  /**
   * Forgets pairs beyond the bound: the least recently triggered one that is not in a loop
   * cooldown (among the {@value #EVICTION_SCAN} eldest), else the eldest; never {@code fresh}.
   * So a flood of new targets (an attacker's keys) cannot lift another pair's cooldown.
   */
  private void trim(State fresh, long now) {
    while (states.size() > maxTargets) {
      Map.Entry<Pair, State> victim = null;
      Map.Entry<Pair, State> eldest = null;
      Iterator<Map.Entry<Pair, State>> it = states.entrySet().iterator();
      for (int scanned = 0; it.hasNext() && scanned < EVICTION_SCAN; scanned++) {
        Map.Entry<Pair, State> e = it.next();
        State st = e.getValue();
        if (st == fresh) {
          continue;
        }
        if (eldest == null) {
          eldest = e;
        }
        if (!(st.inCooldown && st.cooldownUntil - now > 0)) {
          victim = e;
          break;
        }
      }
      Map.Entry<Pair, State> out = victim != null ? victim : eldest;
      if (out == null) {
        return;
      }
      states.remove(out.getKey());
    }
  }

  private record Pair(String action, @Nullable String target) {}

  private static final class State {
    int attempts;
    long lastAttempt;
    boolean inCooldown;
    long cooldownUntil;
    boolean reported;
    long reportedNext;
    int heldBack;

    void reset() {
      attempts = 0;
      inCooldown = false;
      reported = false;
    }
  }
}
