/** Runnable examples: start with {@link dev.argos.examples.DemoService}. */
@NullMarked
package dev.argos.examples;

import org.jspecify.annotations.NullMarked;
