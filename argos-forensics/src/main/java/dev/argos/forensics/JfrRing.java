package dev.argos.forensics;

import java.io.IOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import jdk.jfr.Configuration;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

/**
 * The "black box": one JDK Flight Recorder recording kept running in memory with the JDK's
 * {@code default} settings (the profile designed for continuous production use), dumped on
 * demand into an evidence bundle as {@code recording.jfr} (readable with {@code jfr print} and
 * JDK Mission Control).
 *
 * <p>In memory ({@code Recording.setToDisk(false)}): nothing is written while it runs; JFR keeps
 * the newest events in its memory buffers (their total is JFR's {@code memorysize}, 10 MB by
 * default, see {@code -XX:FlightRecorderOptions}) and discards the oldest, so how far back a dump
 * reaches depends on the event rate. The maximum age and size are set on the recording too: they
 * bound it when JFR runs to disk because another recording in the process does.
 *
 * <p>Class loading: this is the only class of the module that names {@code jdk.jfr} types, so a
 * runtime without the {@code jdk.jfr} module fails only here, with a {@link LinkageError} its
 * caller catches. Thread-safe: JFR's own lock orders {@link #dump} and {@link #close()}.
 */
final class JfrRing implements AutoCloseable {
  /** The recording's name, shown by {@code jcmd <pid> JFR.check}. */
  static final String RECORDING_NAME = "argos-evidence";

  private final Recording recording;

  private JfrRing(Recording recording) {
    this.recording = recording;
  }

  /**
   * Starts the recording. Takes a few hundred milliseconds the first time JFR starts in a
   * process (it loads its classes), so callers run it off the application's threads.
   *
   * @throws IllegalStateException when JFR is not available in this JVM
   * @throws IOException when the {@code default} configuration cannot be read
   * @throws ParseException when the {@code default} configuration cannot be parsed
   */
  static JfrRing start(Duration maxAge, long maxSizeBytes) throws IOException, ParseException {
    if (!FlightRecorder.isAvailable()) {
      throw new IllegalStateException("JFR is not available in this JVM");
    }
    Recording r = new Recording(Configuration.getConfiguration("default"));
    try {
      r.setName(RECORDING_NAME);
      r.setToDisk(false);
      r.setMaxAge(maxAge);
      r.setMaxSize(maxSizeBytes);
      r.start();
    } catch (RuntimeException e) {
      r.close();
      throw e;
    }
    return new JfrRing(r);
  }

  /** True while the recording runs. */
  boolean running() {
    return recording.getState() == RecordingState.RUNNING;
  }

  /**
   * Writes what the recording holds now to {@code file} (which must not exist yet); the
   * recording keeps running.
   *
   * @throws IOException when writing fails or the recording is not running
   */
  void dump(Path file) throws IOException {
    if (!running()) {
      throw new IOException("the JFR recording is not running (state " + recording.getState() + ")");
    }
    recording.dump(file);
  }

  /** Stops and discards the recording. Idempotent. */
  @Override
  public void close() {
    recording.close();
  }
}
