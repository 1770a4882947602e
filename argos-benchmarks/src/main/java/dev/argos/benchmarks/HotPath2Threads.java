package dev.argos.benchmarks;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link HotPathBenchmark} on two threads hitting the same counters (the machine's core count
 * in the committed figures).
 *
 * <p>Run: {@code java -jar argos-benchmarks/target/benchmarks.jar HotPath2Threads -prof gc}
 */
@Threads(2)
public class HotPath2Threads extends HotPathBenchmark {}
