package dev.argos.forensics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Agent;
import dev.argos.core.AgentConfig;
import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The runner on the manual clock: the guardrails' backoff, allowlist and dry run as published on
 * argos:action, failures of the user's actions, a hanging action, and close(). The runner's
 * threads are real, so each step waits for the published record (a queue poll with a timeout).
 */
class ActionRunnerTest {
  final ManualClock clock = Clock.manual();
  final BlockingQueue<Signal> published = new LinkedBlockingQueue<>();
  final Agent agent = Agent.createAgent(AgentConfig.builder().build());
  final List<ActionRunner> runners = new ArrayList<>();

  @AfterEach
  void close() {
    runners.forEach(ActionRunner::close);
    agent.close();
  }

  ActionRunner runner(List<ActionSpec> specs, Set<String> allow, boolean dryRun, Duration limit) {
    ActionRunner r =
        new ActionRunner(
            specs, allow, dryRun, clock, published::add, agent, new LoadShedGate(clock), null, limit);
    runners.add(r);
    return r;
  }

  ActionRunner runner(List<ActionSpec> specs) {
    return runner(specs, Set.of(), false, ActionRunner.DEFAULT_TIME_LIMIT);
  }

  static Signal burst(String key) {
    return Signal.builder(Signal.TYPE_BURST)
        .severity(Severity.WARNING)
        .key(key)
        .message("burst from " + key)
        .data("episode", "burst-7")
        .build();
  }

  Signal next() throws InterruptedException {
    Signal s = published.poll(10, TimeUnit.SECONDS);
    assertThat(s).as("an action record within 10 s").isNotNull();
    return s;
  }

  static ActionSpec onBurst(String name, Action action) {
    return new ActionSpec(name, s -> s.type().equals(Signal.TYPE_BURST), action);
  }

  @Test
  void backoffThenLoopCooldownAsPublishedRecords() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    // "marker" triggers are handled in order after the bursts before them: its record says the
    // runner has dealt with a burst that published nothing
    ActionRunner r =
        runner(
            List.of(
                new ActionSpec("block", s -> !"marker".equals(s.key()), c -> {
                  runs.incrementAndGet();
                  return ActionResult.SUCCESS;
                }),
                new ActionSpec("mark", s -> "marker".equals(s.key()), c -> ActionResult.SUCCESS)));
    long[] offsets = {0, 30, 30, 300, 3600}; // seconds to advance before each trigger
    String[] expected = {"success", "suppressed", "success", "success", "success"};
    // t=0 run 1; t=30 suppressed (needs 60); t=60 run 2; t=360 run 3; t=3960 quiet for 1 h: run 1
    int[] attempts = {1, 2, 2, 3, 1};
    for (int i = 0; i < offsets.length; i++) {
      clock.advance(Duration.ofSeconds(offsets[i]));
      r.offer(burst("10.0.0.1"));
      Signal s = next();
      assertThat(s.data().get("result")).as("trigger %d", i).isEqualTo(expected[i]);
      assertThat(s.data().get("attempt")).as("trigger %d", i).isEqualTo(attempts[i]);
    }
    assertThat(runs).hasValue(4);

    // attempts 2 and 3, then a fourth trigger: loop detected, 1 h cooldown
    clock.advance(Duration.ofSeconds(60));
    r.offer(burst("10.0.0.1"));
    assertThat(next().data().get("result")).isEqualTo("success");
    clock.advance(Duration.ofSeconds(300));
    r.offer(burst("10.0.0.1"));
    assertThat(next().data().get("attempt")).isEqualTo(3);
    clock.advance(Duration.ofSeconds(400));
    java.time.Instant loopAt = clock.instant();
    r.offer(burst("10.0.0.1"));
    Signal loop = next();
    assertThat(loop.type()).isEqualTo(Signal.TYPE_ACTION);
    assertThat(loop.key()).isEqualTo("10.0.0.1");
    assertThat(loop.data())
        .containsEntry("action", "block")
        .containsEntry("result", "suppressed")
        .containsEntry("target", "10.0.0.1")
        .containsEntry("trigger", "burst")
        .containsEntry("episode", "burst-7")
        .containsEntry("nextAllowedAt", loopAt.plus(Duration.ofHours(1)).toString());
    assertThat((String) loop.data().get("reason")).contains("loop detected");
    clock.advance(Duration.ofMinutes(59));
    r.offer(burst("10.0.0.1")); // the same suppression again: counted, not published
    r.offer(burst("marker"));
    assertThat(next().data()).containsEntry("action", "mark");
    clock.advance(Duration.ofMinutes(1));
    r.offer(burst("10.0.0.1"));
    Signal after = next();
    assertThat(after.data())
        .containsEntry("result", "success")
        .containsEntry("attempt", 1)
        .containsEntry("suppressed", 1);
    assertThat(runs).hasValue(7);
  }

  @Test
  void targetsAreIndependent() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    ActionRunner r = runner(List.of(onBurst("block", c -> {
      runs.incrementAndGet();
      return ActionResult.SUCCESS;
    })));
    r.offer(burst("a"));
    r.offer(burst("b"));
    r.offer(burst("a"));
    // runs end on workers in any order; the guardrails decided in the order of the triggers
    assertThat(List.of(next(), next(), next()))
        .extracting(s -> s.key() + ":" + s.data().get("result"))
        .containsExactlyInAnyOrder("a:success", "b:success", "a:suppressed");
    assertThat(runs).hasValue(2);
  }

  @Test
  void namesOffTheAllowlistAreSkippedAndNeverRun() throws Exception {
    AtomicInteger risky = new AtomicInteger();
    AtomicInteger safe = new AtomicInteger();
    ActionRunner r =
        runner(
            List.of(
                onBurst("risky", c -> {
                  risky.incrementAndGet();
                  return ActionResult.SUCCESS;
                }),
                onBurst("safe", c -> {
                  safe.incrementAndGet();
                  return ActionResult.SUCCESS;
                })),
            Set.of("safe"),
            false,
            ActionRunner.DEFAULT_TIME_LIMIT);
    r.offer(burst("k"));
    Signal first = next();
    Signal second = next();
    assertThat(first.data())
        .containsEntry("action", "risky")
        .containsEntry("result", "skipped")
        .containsEntry("reason", Guardrails.NOT_ALLOWED);
    assertThat(second.data()).containsEntry("action", "safe").containsEntry("result", "success");
    assertThat(risky).hasValue(0);
    assertThat(safe).hasValue(1);
  }

  @Test
  void dryRunRecordsWhatWouldHaveRunAndRunsNothing() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    ActionRunner r =
        runner(
            List.of(onBurst("block", c -> {
              runs.incrementAndGet();
              return ActionResult.SUCCESS;
            })),
            Set.of(),
            true,
            ActionRunner.DEFAULT_TIME_LIMIT);
    r.offer(burst("k"));
    Signal s = next();
    assertThat(s.data())
        .containsEntry("result", "dryRun")
        .containsEntry("attempt", 1)
        .containsEntry("action", "block");
    assertThat(s.severity()).isEqualTo(Severity.INFO);
    // the guardrails apply in dry run too: what would have happened is what is recorded
    r.offer(burst("k"));
    assertThat(next().data()).containsEntry("result", "suppressed");
    assertThat(runs).hasValue(0);
  }

  @Test
  void aThrowingActionIsAFailureDescribedAndTheOthersStillRun() throws Exception {
    AtomicInteger after = new AtomicInteger();
    ActionRunner r =
        runner(
            List.of(
                onBurst("boom", c -> {
                  throw new IllegalStateException("bad\nline\u001b[31m");
                }),
                onBurst("fine", c -> {
                  after.incrementAndGet();
                  return ActionResult.SUCCESS;
                }),
                onBurst("nothing", c -> null)));
    r.offer(burst("k"));
    // the three run on workers at once: their records come in any order
    Map<Object, Signal> byAction = new java.util.HashMap<>();
    for (int i = 0; i < 3; i++) {
      Signal s = next();
      byAction.put(s.data().get("action"), s);
    }
    Signal boom = byAction.get("boom");
    assertThat(boom.data()).containsEntry("action", "boom").containsEntry("result", "failure");
    assertThat(boom.severity()).isEqualTo(Severity.WARNING);
    assertThat(boom.data().get("reason"))
        .isEqualTo("java.lang.IllegalStateException: bad\\nline\\u001b[31m");
    assertThat(byAction.get("fine").data()).containsEntry("result", "success");
    assertThat(byAction.get("nothing").data())
        .containsEntry("result", "failure")
        .containsEntry("reason", "the action returned null");
    assertThat(after).hasValue(1);
  }

  @Test
  void aThrowingConditionIsAFailureOfItsAction() throws Exception {
    ActionRunner r =
        runner(
            List.of(
                new ActionSpec("odd", s -> {
                  throw new IllegalArgumentException("no");
                }, c -> ActionResult.SUCCESS),
                onBurst("fine", c -> ActionResult.SUCCESS)));
    r.offer(burst("k"));
    Signal odd = next();
    assertThat(odd.data()).containsEntry("action", "odd").containsEntry("result", "failure");
    assertThat((String) odd.data().get("reason")).contains("condition threw java.lang.IllegalArgumentException: no");
    assertThat(next().data()).containsEntry("action", "fine").containsEntry("result", "success");
  }

  @Test
  void aHangingActionTimesOutIsInterruptedAndDoesNotBlockTheNext() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    AtomicInteger later = new AtomicInteger();
    ActionRunner r =
        runner(
            List.of(
                new ActionSpec("hang", s -> "a".equals(s.key()), c -> {
                  try {
                    never.await();
                  } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                  }
                  return ActionResult.SUCCESS;
                }),
                new ActionSpec("quick", s -> "b".equals(s.key()), c -> {
                  later.incrementAndGet();
                  return ActionResult.SUCCESS;
                })),
            Set.of(),
            false,
            Duration.ofMillis(300));
    r.offer(burst("a"));
    r.offer(burst("b"));
    // the quick action does not wait for the hung one: its record comes first
    assertThat(next().data()).containsEntry("action", "quick").containsEntry("result", "success");
    assertThat(later).hasValue(1);
    Signal hang = next();
    assertThat(hang.data()).containsEntry("action", "hang").containsEntry("result", "failure");
    assertThat((String) hang.data().get("reason")).startsWith("timed out after PT0.3S");
    assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the hung action was interrupted").isTrue();
  }

  @Test
  void actionsThatIgnoreInterruptsUseUpBoundedWorkersThenFailAtOnce() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ActionRunner r =
        runner(
            List.of(onBurst("stuck", c -> {
              while (release.getCount() > 0) {
                try {
                  release.await();
                } catch (InterruptedException ignored) {
                  // ignores interrupts on purpose
                }
              }
              return ActionResult.SUCCESS;
            })),
            Set.of(),
            false,
            Duration.ofMillis(100));
    try {
      for (int i = 0; i < ActionRunner.MAX_WORKERS + 1; i++) {
        r.offer(burst("k" + i));
      }
      // the first MAX_WORKERS take every worker at once; the next fails at once, before they
      // time out
      assertThat((String) next().data().get("reason")).startsWith("workers busy");
      for (int i = 0; i < ActionRunner.MAX_WORKERS; i++) {
        assertThat((String) next().data().get("reason")).startsWith("timed out");
      }
      assertThat(threadsNamed("argos-actions-run")).hasSize(ActionRunner.MAX_WORKERS);
    } finally {
      release.countDown();
    }
  }

  @Test
  void incidentsAndTheirIdsAreRecordedAndActionSignalsAreNeverTriggers() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    ActionRunner r = runner(List.of(new ActionSpec("any", s -> true, c -> {
      runs.incrementAndGet();
      c.note("seen", c.trigger().type());
      c.note("result", "forged"); // reserved: ignored
      return ActionResult.SUCCESS;
    })));
    r.offer(Signal.builder(Signal.TYPE_ACTION).key("x").message("an action").build());
    Signal incident =
        Signal.builder(Signal.TYPE_INCIDENT)
            .severity(Severity.CRITICAL)
            .key("inc-20261202-051000-abcdef")
            .message("a chain")
            .data("state", "open")
            .build();
    r.offer(incident);
    Signal s = next();
    assertThat(s.key()).isEqualTo("inc-20261202-051000-abcdef");
    assertThat(s.data())
        .containsEntry("trigger", "incident")
        .containsEntry("incident", "inc-20261202-051000-abcdef")
        .containsEntry("result", "success")
        .containsEntry("seen", "incident");
    assertThat(runs).hasValue(1);
    assertThat(published.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void closeLeavesNoThreadAndLaterOffersAreDropped() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    ActionRunner r =
        runner(List.of(onBurst("slow", c -> {
          started.countDown();
          new CountDownLatch(1).await(); // until interrupted by close()
          return ActionResult.SUCCESS;
        })));
    r.offer(burst("k"));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(threadsNamed("argos-actions")).isNotEmpty();
    long t0 = System.nanoTime();
    r.close();
    r.close();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    assertThat(threadsNamed("argos-actions")).isEmpty();
    r.offer(burst("k2"));
    assertThat(r.dropped()).isEqualTo(1);
  }

  @Test
  void closeReturnsOnlyOnceItsWorkerThreadsHaveEnded() throws Exception {
    // the pool may report itself terminated a moment before its last worker thread has ended:
    // close() promises no thread left when it returns, so it must wait for the threads themselves
    for (int i = 0; i < 30; i++) {
      CountDownLatch started = new CountDownLatch(1);
      ActionRunner r =
          runner(List.of(onBurst("slow", c -> {
            started.countDown();
            new CountDownLatch(1).await(); // until interrupted by close()
            return ActionResult.SUCCESS;
          })));
      r.offer(burst("k"));
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      r.close();
      assertThat(threadsNamed("argos-actions")).as("round %d", i).isEmpty();
    }
  }

  static List<String> threadsNamed(String prefix) {
    List<String> names = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix) && t.isAlive()) {
        names.add(t.getName());
      }
    }
    return names;
  }

  @Test
  void aConditionThrowingAnErrorIsAFailureAndTheRunnerGoesOn() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    ActionRunner r =
        runner(
            List.of(
                new ActionSpec("assert", s -> {
                  throw new AssertionError("the user's assert");
                }, c -> ActionResult.SUCCESS),
                onBurst("block", c -> {
                  runs.incrementAndGet();
                  return ActionResult.SUCCESS;
                })));
    r.offer(burst("10.0.0.1"));
    Signal failed = next();
    assertThat(failed.data()).containsEntry("action", "assert").containsEntry("result", "failure");
    assertThat((String) failed.data().get("reason")).contains("the user's assert");
    // the dispatcher survived: the next action of the same trigger and later triggers still run
    assertThat(next().data()).containsEntry("action", "block").containsEntry("result", "success");
    r.offer(burst("10.0.0.2")); // the condition's repeated failure is counted, not published again
    assertThat(next().data()).containsEntry("action", "block").containsEntry("target", "10.0.0.2");
    assertThat(runs).hasValue(2);
  }

  @Test
  void aConditionThatThrowsOnEverySignalIsReportedOncePerMinuteNotOncePerSignal() throws Exception {
    // the careless condition: data.x is missing on most signals, so it throws on each of them
    ActionRunner r =
        runner(
            List.of(
                new ActionSpec("careless", s -> s.data().get("x").equals("y"), c -> ActionResult.SUCCESS),
                new ActionSpec("mark", s -> "marker".equals(s.key()), c -> ActionResult.SUCCESS)));
    r.offer(burst("10.0.0.1"));
    Signal first = next();
    assertThat(first.data()).containsEntry("action", "careless").containsEntry("result", "failure");
    assertThat((String) first.data().get("reason")).contains("condition threw");
    for (int i = 0; i < 5; i++) {
      r.offer(burst("10.0.0." + (i + 2)));
    }
    r.offer(burst("marker")); // fails the careless condition too: counted, not published
    Signal marker = next();
    assertThat(marker.data()).as("no record per failing signal").containsEntry("action", "mark");
    assertThat(published).isEmpty();
    clock.advance(Duration.ofSeconds(60));
    r.offer(burst("10.0.0.9"));
    Signal again = next();
    assertThat(again.data())
        .containsEntry("action", "careless")
        .containsEntry("result", "failure")
        .containsEntry("suppressed", 6);
  }
}
