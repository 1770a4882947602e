package dev.argos.examples;

import java.util.List;
import java.util.stream.Collectors;

final class ContractTourThreads {
  private ContractTourThreads() {}

  static List<String> argosThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("argos"))
        .collect(Collectors.toList());
  }
}
