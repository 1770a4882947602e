package dev.argos.benchmarks;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link HotPathBenchmark} on one thread.
 *
 * <p>Run: {@code java -jar argos-benchmarks/target/benchmarks.jar HotPath1Thread -prof gc}
 */
@Threads(1)
public class HotPath1Thread extends HotPathBenchmark {}
