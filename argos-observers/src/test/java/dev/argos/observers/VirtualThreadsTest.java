package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.argos.core.Clock;
import dev.argos.core.Signal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Settings, and what is (not) started on each JDK; the real pinning is in VirtualThreadsRealTest. */
class VirtualThreadsTest {

  static List<String> argosThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .map(Thread::getName)
        .filter(n -> n.startsWith("argos-"))
        .toList();
  }

  @Test
  void defaultsAndValidation() {
    ArgosConfig d = ArgosConfig.defaults();
    assertThat(d.virtualThreads()).isTrue();
    assertThat(d.pinnedThreshold()).isEqualTo(Duration.ofMillis(20))
        .isEqualTo(VirtualThreads.DEFAULT_PINNED_THRESHOLD);
    ArgosConfig c = ArgosConfig.builder().virtualThreads(false)
        .pinnedThreshold(Duration.ofMillis(5)).build();
    assertThat(c.virtualThreads()).isFalse();
    assertThat(c.pinnedThreshold()).isEqualTo(Duration.ofMillis(5));
    assertThat(c.toString()).contains("virtualThreads=false", "pinnedThreshold=PT0.005S");
    assertThatThrownBy(() -> ArgosConfig.builder().pinnedThreshold(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pinnedThreshold").hasMessageContaining("PT0S");
    assertThatThrownBy(() -> ArgosConfig.builder().pinnedThreshold(Duration.ofHours(2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pinnedThreshold");
  }

  @Test
  void closingDuringTheStartDelayIsPromptAndStartsNoStream() {
    PinnedThreadSampler s = PinnedThreadSampler.start(
        Clock.system(), signal -> {}, 20_000_000L, 1_000_000_000L, TimeUnit.MINUTES.toNanos(1));
    assertThat(argosThreads()).contains(PinnedThreadSampler.THREAD_NAME);
    long t0 = System.nanoTime();
    s.close();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1_000);
    assertThat(argosThreads()).doesNotContain(PinnedThreadSampler.THREAD_NAME);
    assertThat(s.recording()).isFalse();
    s.close(); // idempotent
  }

  @Test
  void supportedIsFoundAtRunTime() {
    assertThat(VirtualThreads.supported()).isEqualTo(Runtime.version().feature() >= 21);
    assertThat(VirtualThreads.virtualThreadPerTask("x") == null)
        .isEqualTo(Runtime.version().feature() < 21);
  }

  @Test
  void beforeJdk21NothingStartsAndNothingIsReported() {
    assumeTrue(Runtime.version().feature() < 21, "runs on JDK 17 to 20 only");
    List<Signal> seen = new CopyOnWriteArrayList<>();
    try (Argos argos = Argos.createArgos(ArgosConfig.builder().onAnomaly(seen::add).build())) {
      argos.start();
      assertThat(argosThreads()).doesNotContain(PinnedThreadSampler.THREAD_NAME);
      assertThat(argos.snapshot().figures()).doesNotContainKey("lag.executor.virtual.lagMs");
    }
    assertThat(seen).isEmpty();
  }

  @Test
  void turnedOffNothingStarts() {
    assumeTrue(VirtualThreads.supported(), "needs JDK 21 or later");
    try (Argos argos = Argos.createArgos(ArgosConfig.builder().virtualThreads(false).build())) {
      argos.start();
      assertThat(argosThreads()).doesNotContain(PinnedThreadSampler.THREAD_NAME);
      assertThat(argos.snapshot().figures()).doesNotContainKey("lag.executor.virtual.lagMs");
    }
  }

  @Test
  void onAManualClockNothingStarts() {
    assumeTrue(VirtualThreads.supported(), "needs JDK 21 or later");
    try (Argos argos = Argos.createArgos(ArgosConfig.builder().clock(Clock.manual()).build())) {
      argos.start();
      assertThat(argosThreads()).doesNotContain(PinnedThreadSampler.THREAD_NAME);
      assertThat(argos.engine().samplers()).noneMatch(s -> s instanceof VirtualSchedulerProbe);
    }
  }
}
