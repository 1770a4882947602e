package dev.argos.signals;

import dev.argos.core.Signal;
import java.nio.file.Path;

/**
 * Child JVM for {@link ProblemRegistryOneWriterTest}: tries to open the registry given as the first
 * argument and write one signal. Prints {@code wrote} and exits 0 when it could, prints {@code
 * refused: <message>} and exits 3 when the open is refused.
 */
public final class ProblemRegistryLockChild {
  static final int REFUSED = 3;

  private ProblemRegistryLockChild() {}

  public static void main(String[] args) {
    ProblemRegistry reg;
    try {
      reg = ProblemRegistry.builder(Path.of(args[0])).minFreeBytes(0).app("lock-child").open();
    } catch (IllegalStateException e) {
      System.out.println("refused: " + e.getMessage());
      System.out.flush();
      System.exit(REFUSED);
      return;
    }
    try (reg) {
      reg.onSignal(Signal.builder("custom").key("child").message("from the child").build());
    }
    System.out.println(reg.linesWritten() == 1 ? "wrote" : "not written");
  }
}
