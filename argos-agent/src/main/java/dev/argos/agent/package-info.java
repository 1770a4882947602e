/** Argos with no code change: a -javaagent jar with its dependencies relocated. */
@NullMarked
package dev.argos.agent;

import org.jspecify.annotations.NullMarked;
