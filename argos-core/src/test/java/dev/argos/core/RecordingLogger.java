package dev.argos.core;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * A logger that keeps every line as a backend would print it: the formatted message, then the
 * stack trace of a throwable passed with it (whose message a backend prints verbatim).
 */
final class RecordingLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;

  final List<String> lines = new CopyOnWriteArrayList<>();

  RecordingLogger() {
    this.name = "recording";
  }

  String text() {
    return String.join("\n", lines);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String pattern, Object[] args, Throwable t) {
    String line = level + " " + MessageFormatter.basicArrayFormat(pattern, args);
    if (t != null) {
      StringWriter w = new StringWriter();
      t.printStackTrace(new PrintWriter(w));
      line += "\n" + w;
    }
    lines.add(line);
  }

  @Override
  public boolean isTraceEnabled() {
    return true;
  }

  @Override
  public boolean isDebugEnabled() {
    return true;
  }

  @Override
  public boolean isInfoEnabled() {
    return true;
  }

  @Override
  public boolean isWarnEnabled() {
    return true;
  }

  @Override
  public boolean isErrorEnabled() {
    return true;
  }
}
