package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The recorder's counting, without the sampler: totals, estimates, watched keys, bounds. */
class RequestRecorderTest {

  @Test
  void oneThreadCountsEveryRequestAndEstimatesNeverUndercount() {
    RequestRecorder r = new RequestRecorder(2);
    for (int i = 0; i < 100_000; i++) {
      r.record("k" + (i % 5_000));
      r.record();
      r.record(null);
    }
    for (int i = 0; i < 3_000; i++) {
      r.record("heavy");
    }
    assertThat(r.total()).isEqualTo(303_000);
    assertThat(r.estimate("heavy", r.generation())).isGreaterThanOrEqualTo(3_000);
    assertThat(r.estimate("k42", r.generation())).isGreaterThanOrEqualTo(20);
    long[] stats = new long[2];
    r.rowStats(r.generation(), stats);
    assertThat(stats[0]).as("keyed requests in the sketch").isEqualTo(103_000);
  }

  @Test
  void aWatchedKeyIsCountedExactlyAndOutOfTheSketch() {
    RequestRecorder r = new RequestRecorder(2);
    int slot = RequestRecorder.bucketOf("suspect");
    r.watch(slot, "suspect");
    for (int i = 0; i < 1_000; i++) {
      r.record(new String("suspect")); // equal, not the same reference
      r.record("other" + i);
    }
    assertThat(r.peek(slot)).isEqualTo(1_000);
    assertThat(r.estimate("suspect", r.generation())).isLessThan(1_000);
    assertThat(r.total()).isEqualTo(2_000);
    assertThat(r.harvest(slot)).isEqualTo(1_000);
    r.unwatch(slot);
    r.record("suspect");
    assertThat(r.peek(slot)).isZero();
    assertThat(r.total()).isEqualTo(2_001);
  }

  @Test
  void theWatchedCountFollowsWatchReplaceAndUnwatchAndTotalsStayExact() {
    RequestRecorder r = new RequestRecorder(2);
    int a = RequestRecorder.bucketOf("a");
    int b = RequestRecorder.bucketOf("b");
    assertThat(a).isNotEqualTo(b);
    assertThat(r.watchedCount()).isZero();
    r.watch(a, "a");
    r.watch(b, "b");
    r.watch(a, "c"); // replaces "a" in its slot: still two keys
    assertThat(r.watchedCount()).isEqualTo(2);
    for (int i = 0; i < 10; i++) {
      r.record("a"); // no longer watched: into the sketch
      r.record("b");
    }
    assertThat(r.peek(b)).as("b is counted exactly").isEqualTo(10);
    assertThat(r.peek(a)).as("c's slot did not count a").isZero();
    assertThat(r.total()).as("the watched counts are part of the total").isEqualTo(20);
    r.unwatch(a);
    r.unwatch(a); // already empty: no change
    assertThat(r.watchedCount()).isEqualTo(1);
    assertThat(r.total()).isEqualTo(20);
    r.unwatch(b);
    assertThat(r.watchedCount()).isZero();
    assertThat(r.total()).as("counts of unwatched slots were harvested, not lost").isEqualTo(20);
  }

  @Test
  void aHeavyKeyNominatesItselfAndCellsSaturateInsteadOfWrapping() {
    RequestRecorder r = new RequestRecorder(2);
    r.cut(1 << 20); // capped at the largest power of two a cell reaches
    assertThat(r.cut()).isEqualTo(RequestRecorder.MAX_CUT);
    for (int i = 0; i < 70_000; i++) {
      r.record("flood");
    }
    assertThat(r.estimate("flood", r.generation())).isEqualTo(RequestRecorder.CELL_MAX);
    boolean nominated = false;
    for (int i = 0; i < RequestRecorder.CANDIDATES; i++) {
      nominated |= "flood".equals(r.takeCandidate(i));
    }
    assertThat(nominated).isTrue();
    assertThat(r.total()).isEqualTo(70_000);
  }
}
