/**
 * JMH benchmarks of Argos side by side with the peers a user would pick instead. Build with
 * {@code ./mvnw -B -pl argos-benchmarks -am -DskipTests package} and run {@code java -jar
 * argos-benchmarks/target/benchmarks.jar}; see {@code docs/benchmarks.md}.
 */
@NullMarked
package dev.argos.benchmarks;

import org.jspecify.annotations.NullMarked;
