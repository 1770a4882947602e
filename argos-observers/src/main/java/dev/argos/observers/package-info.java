/**
 * Argos observers: {@link dev.argos.observers.Argos}, its configuration ({@link
 * dev.argos.observers.ArgosConfig}, {@link dev.argos.observers.Thresholds}), the {@code
 * argos-sampler} thread and the built-in samplers.
 */
@NullMarked
package dev.argos.observers;

import org.jspecify.annotations.NullMarked;
