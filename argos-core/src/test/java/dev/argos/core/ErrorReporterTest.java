package dev.argos.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.internal.ErrorReporter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ErrorReporterTest {
  private final ManualClock clock = Clock.manual();
  private final RecordingLogger log = new RecordingLogger();
  private final List<Signal> published = new CopyOnWriteArrayList<>();
  private final ErrorReporter reporter = new ErrorReporter(clock, log, published::add);

  @Test
  void oneReportPerSubjectPerIntervalAndTheHeldBackAreCounted() {
    for (int i = 0; i < 5; i++) {
      reporter.report("k", "subject", "fault " + i, null);
    }
    assertThat(published).hasSize(1);
    assertThat(log.lines).hasSize(1);
    assertThat(reporter.suppressed()).isEqualTo(4);
    clock.advance(Duration.ofSeconds(ErrorReporter.INTERVAL_SECONDS));
    Signal next = reporter.report("k", "subject", "fault again", null, Map.of("x", 1));
    assertThat(next).isNotNull();
    assertThat(next.data()).containsEntry(DataKeys.SUPPRESSED, 4L).containsEntry("x", 1);
    assertThat(log.lines.get(1)).contains("4 similar reports held back");
  }

  @Test
  void allSubjectsTogetherAreBoundedPerInterval() {
    for (int i = 0; i < 1000; i++) {
      reporter.report("k", "subject-" + i, "fault", null);
    }
    assertThat(published).hasSize(ErrorReporter.MAX_REPORTS_PER_INTERVAL);
    assertThat(log.lines).hasSize(ErrorReporter.MAX_REPORTS_PER_INTERVAL);
    clock.advance(Duration.ofSeconds(ErrorReporter.INTERVAL_SECONDS));
    reporter.report("k", "another", "fault", null);
    assertThat(log.lines.get(log.lines.size() - 1)).contains("900 others over the limit");
  }

  @Test
  void aReportDescribesItsThrowableNeutralisedAndLogsNoStackTrace() {
    Signal s =
        reporter.report("k", "s", "it threw", new IllegalStateException("a\nforged\u001b[2J"));
    assertThat(s.data())
        .containsEntry(DataKeys.EXCEPTION, "java.lang.IllegalStateException")
        .containsEntry(DataKeys.EXCEPTION_MESSAGE, "a\\nforged\\u001b[2J");
    assertThat(log.text()).doesNotContain("\nforged").doesNotContain("\tat ");
  }

  @Test
  void observerErrorSignalsPassTheSameLimits() {
    Signal e =
        Signal.builder(Signal.TYPE_ERROR).source("argos").key("sampler").message("m\nx")
            .data(DataKeys.KIND, "samplerFailed").build();
    assertThat(reporter.admit(e)).isSameAs(e);
    assertThat(reporter.admit(e)).isNull();
    assertThat(log.lines).hasSize(1);
    assertThat(log.lines.get(0)).contains("m\\nx");
  }
}
