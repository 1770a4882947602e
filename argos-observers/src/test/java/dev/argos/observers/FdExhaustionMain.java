package dev.argos.observers;

import dev.argos.core.Signal;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Run in a child JVM by {@link FdExhaustionChildJvmTest} under a lowered descriptor limit ({@code
 * ulimit -n 256}): opens files, a few at a time, until Argos signals {@code resourceExhaustion}
 * for {@code fileHandles}, and prints that signal's figures as one {@code SIGNAL ...} line. Stops
 * opening 8 descriptors short of the limit so the JVM itself never runs out. Exits 0 on a signal,
 * 2 when none came within 30 s.
 */
public final class FdExhaustionMain {
  private FdExhaustionMain() {}

  public static void main(String[] args) throws Exception {
    BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    Argos argos =
        Argos.createArgos(
            ArgosConfig.builder()
                .sampleRate(Duration.ofMillis(50))
                .windowSize(Duration.ofSeconds(2))
                .onAnomaly(signals::add)
                .build());
    argos.start();
    Path file = Files.createTempFile("argos-fd", ".tmp");
    file.toFile().deleteOnExit();
    List<FileChannel> open = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    int code = 2;
    long base = -1;
    while (System.nanoTime() < deadline) {
      // waits on the signal queue; paces the opening at one file per 20 ms
      Signal s = signals.poll(20, TimeUnit.MILLISECONDS);
      if (s != null
          && Signal.TYPE_RESOURCE_EXHAUSTION.equals(s.type())
          && "fileHandles".equals(s.key())
          && !s.isResolved()) {
        System.out.println("SIGNAL severity=" + s.severity() + " reason=" + s.data().get("reason")
            + " open=" + s.data().get("open") + " max=" + s.data().get("max")
            + " usage=" + s.data().get("usage") + " limitSource=" + s.data().get("limitSource")
            + " opened=" + open.size());
        code = 0;
        break;
      }
      ArgosSnapshot snap = argos.snapshot();
      long fdMax = snap.getLong("fd.max", -1);
      if (base < 0) {
        base = snap.getLong("fd.open", -1); // the first reading, before we open anything
      }
      if (base >= 0 && fdMax > 0 && base + open.size() < fdMax - 8) {
        open.add(FileChannel.open(file, StandardOpenOption.READ));
      }
    }
    if (code != 0) {
      System.out.println("TIMEOUT " + argos.snapshot());
    }
    argos.close();
    for (FileChannel c : open) {
      c.close();
    }
    System.out.flush();
    System.exit(code);
  }
}
