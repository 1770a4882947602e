package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Clock;
import dev.argos.core.ManualClock;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Messages go to registries and webhooks: they are formatted the same under any locale. */
class LocaleRootMessagesTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final Locale saved = Locale.getDefault();
  private final ManualClock clock = Clock.manual();
  private final List<Signal> signals = new ArrayList<>();

  @BeforeEach
  void german() {
    Locale.setDefault(Locale.GERMANY); // decimal comma
  }

  @AfterEach
  void restore() {
    Locale.setDefault(saved);
  }

  @Test
  void jvmStallAndBurstMessagesUseADecimalPoint() {
    JvmStallSampler jvm =
        new JvmStallSampler(clock, signals::add, GcMonitor.manual(), 50 * MS, 10 * MS, 60_000 * MS);
    jvm.quietNanos(0); // the stall's resolved signal at once, not 10 s later
    long start = clock.nanoTime();
    clock.advanceMillis(10);
    jvm.onWake(start, clock.nanoTime(), clock.nanoTime());
    start = clock.nanoTime();
    clock.advance(Duration.ofNanos(10 * MS + 60_500_000L));
    jvm.onWake(start, start + 10 * MS, clock.nanoTime());
    for (int i = 0; i < 30; i++) { // past the grace: reported without a GC
      start = clock.nanoTime();
      clock.advanceMillis(10);
      jvm.onWake(start, clock.nanoTime(), clock.nanoTime());
    }
    BurstHarness h = new BurstHarness(Duration.ofSeconds(10), Thresholds.defaults()).run(100, 10);
    h.run(1500, 3).run(100, 5);
    signals.addAll(h.signals);
    assertThat(signals).hasSizeGreaterThanOrEqualTo(4);
    assertThat(signals.get(0).message()).contains("stalled for 60.5 ms");
    assertThat(signals).allSatisfy(s -> assertThat(s.message()).doesNotContainPattern("\\d,\\d"));
  }
}
