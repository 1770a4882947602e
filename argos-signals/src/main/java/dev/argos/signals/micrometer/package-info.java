/**
 * Micrometer metrics for Argos: {@link dev.argos.signals.micrometer.ArgosMetrics}, with meter names
 * that follow Micrometer's conventions (base units on the meter, variable parts as bounded tags,
 * client keys never a tag). This is the only package that refers to Micrometer (an optional
 * dependency); nothing else in Argos loads it, so applications without Micrometer on the class path
 * are unaffected.
 */
@NullMarked
package dev.argos.signals.micrometer;

import org.jspecify.annotations.NullMarked;
