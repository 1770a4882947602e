package dev.argos.signals;

import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Child JVM for {@link ProblemRegistryKillTest}: writes numbered signals to the registry given as
 * the first argument as fast as it can, until it is killed. After each {@code onSignal} returns it
 * acknowledges the record by appending its sequence number and {@code '\n'} to the file given as
 * the second argument, in one unbuffered write (so the acknowledgement survives SIGKILL once made).
 */
public final class ProblemRegistryKillChild {
  private ProblemRegistryKillChild() {}

  public static void main(String[] args) throws IOException {
    ProblemRegistry reg =
        ProblemRegistry.builder(Path.of(args[0]))
            .maxFileBytes(Long.MAX_VALUE / 2)
            .minFreeBytes(0)
            .app("kill-child")
            .open();
    try (FileOutputStream acks = new FileOutputStream(args[1], true)) {
      for (long seq = 0; ; seq++) {
        reg.onSignal(
            Signal.builder(Signal.TYPE_EVENT_LOOP_LAG)
                .severity(Severity.WARNING)
                .source("argos")
                .key("loop-" + (seq % 4))
                .message("late by " + seq + " ms, limit 50 ms")
                .data("seq", seq)
                .data("padding", "p".repeat((int) (seq % 200)))
                .build());
        acks.write((seq + "\n").getBytes(StandardCharsets.US_ASCII));
      }
    }
  }
}
