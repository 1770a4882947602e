package dev.argos.core;

import java.util.List;
import java.util.stream.Collectors;

/** Test helper: the live threads Argos started. */
final class Threads {
  private Threads() {}

  static List<String> argosThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("argos"))
        .sorted()
        .collect(Collectors.toList());
  }
}
