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
 * The "black box": one JDK Flight Recorder recording kept running with the JDK's {@code default}
 * settings (the profile designed for continuous production use), bounded by a maximum age and
 * size, and dumped on demand into an evidence bundle as {@code recording.jfr} (readable with
 * {@code jfr print} and JDK Mission Control).
 *
 * <p>Where it lives: events go to JFR's memory buffers, and JFR moves them about once a second
 * to its disk repository ({@code java.io.tmpdir} unless {@code
 * -XX:FlightRecorderOptions:repository} says otherwise), where it drops the oldest chunks beyond
 * {@link Recording#setMaxAge max age} and {@link Recording#setMaxSize max size}. So the
 * repository holds at most about the max size (64 MiB by default) for this recording. A
 * recording kept in memory only ({@code setToDisk(false)}) is not used on purpose: each {@code
 * dump} of it hands over what the buffers held and the next dump no longer has it (measured on
 * JDK 17 and 25: a garbage collection in the first dump was missing from the second, taken two
 * seconds later), so a second incident's bundle would lack the minutes before it.
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
      r.setToDisk(true);
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
