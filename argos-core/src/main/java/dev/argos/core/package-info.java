/**
 * Argos core: the contracts every other module builds on and the in-process signal bus.
 *
 * <p>A user touches {@link dev.argos.core.Agent} (created with {@link
 * dev.argos.core.Agent#createAgent(AgentConfig)}), subscribes {@link
 * dev.argos.core.SignalListener}s to topics, and reads {@link dev.argos.core.Signal}s. Custom
 * detectors implement {@link dev.argos.core.Observer}. Time is injected through {@link
 * dev.argos.core.Clock}; {@link dev.argos.core.ManualClock} is shipped for tests.
 */
@NullMarked
package dev.argos.core;

import org.jspecify.annotations.NullMarked;
