/** Incidents: episodes correlated into a causal chain with a named origin, evidence bundles (thread dump, JFR slice), actions under guardrails. */
@NullMarked
package dev.argos.forensics;

import org.jspecify.annotations.NullMarked;
