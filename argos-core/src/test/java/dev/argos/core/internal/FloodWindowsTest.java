package dev.argos.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FloodWindowsTest {
  private static final long WINDOW = 60_000_000_000L;

  @Test
  void countsPerKeyPerWindow() {
    FloodWindows w = new FloodWindows(WINDOW, 2, 10);
    assertThat(w.record("a", 0).admitted()).isTrue();
    assertThat(w.record("a", 1).admitted()).isTrue();
    FloodWindows.Slot s = w.record("a", 2);
    assertThat(s.admitted()).isFalse();
    assertThat(s.key()).isEqualTo("a");
    assertThat(s.shared()).isFalse();
    assertThat(s.droppedTotal()).isEqualTo(1);
    assertThat(w.record("b", 3).admitted()).as("another key has its own room").isTrue();
    assertThat(w.record("a", WINDOW).admitted()).as("a new window").isTrue();
    assertThat(s.droppedInWindow()).isZero();
    assertThat(s.droppedTotal()).isEqualTo(1);
    assertThat(s.takePending()).isEqualTo(1);
    assertThat(s.takePending()).isZero();
  }

  @Test
  void pastMaxKeysTheFurtherKeysShareOneSlotNamedOtherKeys() {
    FloodWindows w = new FloodWindows(WINDOW, 2, 3);
    for (String k : new String[] {"a", "b", "c"}) {
      w.record(k, 0);
    }
    FloodWindows.Slot d = w.record("d", 1);
    FloodWindows.Slot e = w.record("e", 1);
    FloodWindows.Slot f = w.record("f", 1);
    assertThat(d).isSameAs(e).isSameAs(f);
    assertThat(d.shared()).isTrue();
    assertThat(d.key()).isEqualTo(FloodWindows.OTHER_KEYS);
    assertThat(f.admitted()).isFalse();
    assertThat(w.trackedKeys()).isEqualTo(3);
    assertThat(w.slotOf("zzz")).isSameAs(d);
    // once windows end, idle keys are forgotten and new keys get their own slot again
    FloodWindows.Slot g = w.record("g", WINDOW + 1);
    assertThat(g.shared()).isFalse();
    assertThat(g.key()).isEqualTo("g");
  }

  @Test
  void keysWithPendingDropsAreKeptLongestButNeverPinTheTable() {
    FloodWindows w = new FloodWindows(WINDOW, 1, 2);
    w.record("a", 0);
    w.record("a", 0); // a drop, pending
    w.record("b", 0);
    FloodWindows.Slot c = w.record("c", WINDOW); // both ended: b (nothing pending) goes first
    assertThat(c.shared()).isFalse();
    assertThat(w.slotOf("a").key()).isEqualTo("a");
    FloodWindows.Slot d = w.record("d", 2 * WINDOW + 1); // a still pending, but ended: evictable
    assertThat(d.shared()).isFalse();
  }
}
