package dev.argos.signals;

import dev.argos.core.Severity;
import java.util.List;
import java.util.Locale;

/**
 * Rough figures for docs/quarantine.md (not a JMH benchmark, not a test). Run after {@code mvn
 * -pl argos-signals -am test-compile}:
 *
 * <pre>
 * cd argos-signals && java -cp target/classes:target/test-classes:$(cat target/cp.txt) \
 *     dev.argos.signals.QuarantineFigures
 * </pre>
 *
 * where {@code target/cp.txt} comes from {@code mvn -q dependency:build-classpath
 * -Dmdep.outputFile=target/cp.txt}.
 */
public final class QuarantineFigures {
  private QuarantineFigures() {}

  public static void main(String[] args) {
    String[] keys = new String[10_000];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = "10.2." + (i / 256) + "." + (i % 256);
    }
    for (int warm = 0; warm < 3; warm++) { // let the JIT compile the write path first
      InMemoryQuarantine w = Quarantines.inMemory();
      for (String k : keys) {
        w.quarantine(k, Severity.WARNING, "burst");
        w.quarantine("x" + k, Severity.WARNING, "burst");
      }
    }
    InMemoryQuarantine q = Quarantines.inMemory();
    // writes: fill to capacity, then 10 000 more (each evicts one)
    long t0 = System.nanoTime();
    for (String k : keys) {
      q.quarantine(k, Severity.WARNING, "burst");
    }
    long fill = System.nanoTime() - t0;
    t0 = System.nanoTime();
    for (int i = 0; i < 10_000; i++) {
      q.quarantine("other-" + i, Severity.WARNING, "burst");
    }
    long evict = System.nanoTime() - t0;
    System.out.printf(Locale.ROOT, "quarantine (new key, below capacity): %.2f us/op%n", fill / 1e3 / keys.length);
    System.out.printf(Locale.ROOT, "quarantine (new key, full: evicts one): %.2f us/op%n", evict / 1e3 / 10_000);

    // reads: half the probed keys are quarantined (the "other-" ones), half not
    String[] probe = new String[2048];
    for (int i = 0; i < probe.length; i++) {
      probe[i] = (i % 2 == 0) ? "other-" + i : "absent-" + i;
    }
    String[] hits = new String[2048];
    String[] misses = new String[2048];
    for (int i = 0; i < 2048; i++) {
      hits[i] = "other-" + i;
      misses[i] = "absent-" + i;
    }
    for (int round = 0; round < 5; round++) {
      long n = 20_000_000L;
      long found = 0;
      t0 = System.nanoTime();
      for (long i = 0; i < n; i++) {
        if (q.isQuarantined(misses[(int) (i & 2047)])) {
          found++;
        }
      }
      long miss = System.nanoTime() - t0;
      t0 = System.nanoTime();
      for (long i = 0; i < n; i++) {
        if (q.isQuarantined(hits[(int) (i & 2047)])) {
          found++;
        }
      }
      long hit = System.nanoTime() - t0;
      System.out.printf(
          Locale.ROOT,
          "round %d: isQuarantined miss %.1f ns/op, hit %.1f ns/op (found %d)%n",
          round, (double) miss / n, (double) hit / n, found);
    }

    // long keys: each lookup hashes the key to its canonical form (one SHA-256)
    String[] longKeys = new String[64];
    for (int i = 0; i < longKeys.length; i++) {
      longKeys[i] = String.format(Locale.ROOT, "%04d", i) + "k".repeat(1020);
      if (i % 2 == 0) {
        q.quarantine(longKeys[i], Severity.WARNING, "burst");
      }
    }
    for (int round = 0; round < 5; round++) {
      long n = 500_000L;
      long found = 0;
      t0 = System.nanoTime();
      for (long i = 0; i < n; i++) {
        if (q.isQuarantined(longKeys[(int) (i & 63)])) {
          found++;
        }
      }
      long t = System.nanoTime() - t0;
      System.out.printf(
          Locale.ROOT,
          "round %d: isQuarantined 1 024-char key %.1f ns/op (found %d)%n",
          round,
          (double) t / n,
          found);
    }

    // the retained chain is a tail (30 000 changes, 10 000 kept): verified after its predecessor
    List<AuditRecord> chain = q.auditRecords();
    for (int round = 0; round < 5; round++) {
      t0 = System.nanoTime();
      boolean ok = AuditRecord.verifyAfter(chain, chain.get(0).prevHash());
      long v = System.nanoTime() - t0;
      System.out.printf(
          Locale.ROOT,
          "verify %d audit records: %.1f ms (%s)%n", chain.size(), v / 1e6, ok ? "intact" : "BROKEN");
    }
  }
}
