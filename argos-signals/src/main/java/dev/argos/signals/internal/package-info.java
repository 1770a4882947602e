/**
 * Internals shared by Argos's own modules (the registry, the {@code argos} command, the live
 * page). Not API: anything here may change without notice.
 */
@NullMarked
package dev.argos.signals.internal;

import org.jspecify.annotations.NullMarked;
