/** The argos command: stats, patterns, incidents, report and tail over problem-registry files. */
@NullMarked
package dev.argos.cli;

import org.jspecify.annotations.NullMarked;
