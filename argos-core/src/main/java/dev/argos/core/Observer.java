package dev.argos.core;

/**
 * Something that watches the JVM or the application and emits {@link Signal}s.
 *
 * <p>The {@link Agent} calls {@link #start(SignalSink)} once when it is created and {@link
 * #close()} once when it closes. An observer that throws from either is reported on {@code
 * argos:error} and does not stop the others. Signals without a {@link Signal#source()} get
 * the observer's {@link #name()}.
 */
public interface Observer extends AutoCloseable {
  /** A short stable name, used as the default source of its signals and in error reports. */
  String name();

  /** Starts observing; signals go to {@code sink}. Should return promptly. */
  void start(SignalSink sink);

  /** Stops observing and releases every thread and resource. Idempotent; should be prompt. */
  @Override
  void close();
}
