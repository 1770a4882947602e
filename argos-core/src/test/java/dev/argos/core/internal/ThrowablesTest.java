package dev.argos.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ThrowablesTest {
  @Test
  void describeNeutralisesAForgedLogLine() {
    String hostile = "boom\n2026-01-01 WARN forged line\u001b[31m\r";
    String d = Throwables.describe(new IllegalStateException(hostile));
    assertThat(d).startsWith("java.lang.IllegalStateException: boom\\n2026-01-01 WARN forged");
    assertThat(d).doesNotContain("\n", "\r", "\u001b");
  }

  @Test
  void describeIsBounded() {
    String d = Throwables.describe(new RuntimeException("x".repeat(100_000)), 64);
    assertThat(d.length()).isLessThan(64 + 40);
    assertThat(d).endsWith("...");
  }

  @Test
  void describeSurvivesAThrowingGetMessageAndNull() {
    RuntimeException hostile =
        new RuntimeException() {
          @Override
          public String getMessage() {
            throw new IllegalStateException("no");
          }
        };
    assertThat(Throwables.describe(hostile)).contains("getMessage() threw");
    assertThat(Throwables.describe(null)).isEqualTo("null");
    assertThat(Throwables.describe(new RuntimeException())).isEqualTo("java.lang.RuntimeException");
  }
}
