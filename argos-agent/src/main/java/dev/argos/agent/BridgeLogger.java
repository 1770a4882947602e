package dev.argos.agent;

import org.jspecify.annotations.Nullable;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** A logger of the agent's SLF4J: formats the line, then hands it to {@link LogOutput}. */
final class BridgeLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;

  BridgeLogger(String name) {
    this.name = name;
  }

  @Override
  public boolean isTraceEnabled() {
    return LogOutput.isEnabled(name, Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return LogOutput.isEnabled(name, Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return LogOutput.isEnabled(name, Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return LogOutput.isEnabled(name, Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return LogOutput.isEnabled(name, Level.ERROR);
  }

  @Override
  protected @Nullable String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level,
      @Nullable Marker marker,
      @Nullable String messagePattern,
      @Nullable Object[] arguments,
      @Nullable Throwable throwable) {
    try {
      String text = MessageFormatter.basicArrayFormat(messagePattern, arguments);
      LogOutput.log(name, level, text == null ? "null" : text, throwable);
    } catch (Throwable ignored) { // logging never reaches Argos, let alone the application
    }
  }
}
