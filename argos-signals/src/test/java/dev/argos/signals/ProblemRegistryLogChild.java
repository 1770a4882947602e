package dev.argos.signals;

import java.nio.file.Path;

/**
 * Child JVM for {@link ProblemRegistryLogInjectionTest}: writes one signal through a registry whose
 * action resolver and error sink throw an exception carrying the attack text, so the parent can
 * read what the registry logged (slf4j-simple, at WARN, on this process's standard error).
 */
public final class ProblemRegistryLogChild {
  private ProblemRegistryLogChild() {}

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    try (ProblemRegistry reg =
        ProblemRegistry.builder(dir.resolve("resolver.jsonl"))
            .minFreeBytes(0)
            .actionResolver(
                s -> {
                  throw new IllegalArgumentException(ProblemRegistryLogInjectionTest.ATTACK);
                })
            .open()) {
      reg.onSignal(ProblemRegistryTest.signal(0));
    }
    try (ProblemRegistry reg =
        ProblemRegistry.builder(dir.resolve("sink.jsonl"))
            .minFreeBytes(Long.MAX_VALUE) // below the floor at once: the error sink is called
            .errorSink(
                s -> {
                  throw new IllegalStateException(ProblemRegistryLogInjectionTest.ATTACK);
                })
            .open()) {
      reg.onSignal(ProblemRegistryTest.signal(0));
    }
  }
}
