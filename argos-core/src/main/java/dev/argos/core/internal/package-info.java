/**
 * Internals shared by Argos's own modules ({@code argos-observers}, {@code argos-signals}).
 *
 * <p><b>Not API.</b> The classes here are public only so that Argos's other modules can use
 * them; they may change or disappear in any release without notice. Applications must not use
 * them.
 */
@NullMarked
package dev.argos.core.internal;

import org.jspecify.annotations.NullMarked;
