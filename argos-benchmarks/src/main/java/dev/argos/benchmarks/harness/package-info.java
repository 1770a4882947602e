/**
 * Measurements JMH cannot make: detection latency of real executor stalls and forced GCs, the
 * host overhead of Argos on a busy workload, its idle cost, and memory retained per key. Run
 * {@code java -cp argos-benchmarks/target/benchmarks.jar dev.argos.benchmarks.harness.Harness}.
 */
@NullMarked
package dev.argos.benchmarks.harness;

import org.jspecify.annotations.NullMarked;
