package dev.argos.core.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import org.jspecify.annotations.Nullable;

/**
 * The JFR event {@value #NAME}: one Argos signal as the bus routed it. Committed only by {@link
 * JfrSignals#commit}, on the bus's dispatcher thread; the stack trace is off (it would be the
 * dispatcher's, never the cause's). Package-private on purpose: JFR reads it reflectively.
 */
@Name(JfrSignalEvent.NAME)
@Label("Argos Signal")
@Category("Argos")
@Description(
    "A signal (or incident, action, quarantine change, Argos fault) routed by an Argos agent")
@StackTrace(false)
final class JfrSignalEvent extends Event {
  static final String NAME = "dev.argos.Signal";

  @Label("Type")
  @Description("Signal type: eventLoopLag, memoryPressure, burst, incident, ...")
  @Nullable String type;

  @Label("Key")
  @Description("The executor, client key or resource the signal is about; null for none")
  @Nullable String key;

  @Label("Severity")
  @Description("INFO, WARNING or CRITICAL")
  @Nullable String severity;

  @Label("Message")
  @Description("One human sentence")
  @Nullable String message;

  @Label("Episode")
  @Description("data.episode: the episode id (\"<type>-<n>\"), null when the signal has none")
  @Nullable String episode;

  @Label("Source")
  @Description("Who emitted it: \"argos\" for the built-in observers")
  @Nullable String source;
}
