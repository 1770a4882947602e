package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An action resolver that throws an Error: the signal must still reach the fallback. */
class WebhookResolverErrorTest {
  @TempDir Path dir;

  @Test
  void aResolverThrowingStackOverflowErrorStillLeavesTheSignalInTheFallback() throws Exception {
    Path fb = dir.resolve("fallback.jsonl");
    try (WebhookSink sink =
        WebhookSink.builder(URI.create("http://127.0.0.1:9/hook"))
            .fallback(fb)
            .attempts(1)
            .actionResolver(s -> {
              throw new StackOverflowError();
            })
            .build()) {
      assertThatCode(() -> sink.onSignal(WebhookSinkTest.signal(1))).doesNotThrowAnyException();
    }
    assertThat(ProblemRegistry.read(fb)).as("records in the fallback").hasSize(1);
  }
}
