package dev.argos.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * Where lines go while the agent starts: the live page's start line, logged on the start thread,
 * must not make the agent look up (and so initialise) the application's SLF4J before its main.
 */
class LogOutputTest {
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream realErr = System.err;

  @BeforeEach
  void capture() {
    LogOutput.resetForTests();
    realErr = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setErr(realErr);
    LogOutput.resetForTests();
  }

  @Test
  void aLineOnTheStartingThreadGoesToStderrWithoutDecidingWhereLinesGo() throws Exception {
    LogOutput.startingOn(Thread.currentThread());
    assertThat(LogOutput.isEnabled("dev.argos.live.LivePage", Level.INFO)).isTrue();
    assertThat(LogOutput.isEnabled("dev.argos.live.LivePage", Level.DEBUG)).isFalse();
    LogOutput.log("dev.argos.live.LivePage", Level.INFO, "Argos live page on http://x/", null);

    assertThat(LogOutput.resolved()).as("decided by the start thread's line").isFalse();
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .contains("[argos-agent] INFO dev.argos.live.LivePage - Argos live page on http://x/");

    // any other thread (a signal's listener) decides at its first line, as before
    LogOutput.stderrOnly(true);
    AtomicBoolean decided = new AtomicBoolean();
    Thread other =
        new Thread(
            () -> {
              LogOutput.log("dev.argos.signals", Level.WARN, "Signal[...]", null);
              decided.set(LogOutput.resolved());
            });
    other.start();
    other.join();
    assertThat(decided).isTrue();

    // once the start is over, the start thread's lines decide too
    LogOutput.resetForTests();
    LogOutput.stderrOnly(true);
    LogOutput.log("dev.argos.agent", Level.INFO, "after the start", null);
    assertThat(LogOutput.resolved()).isTrue();
  }
}
