package dev.argos.signals;

import dev.argos.core.Severity;
import dev.argos.core.Signal;

/**
 * Rough figures for docs/lifecycle.md (a plain main, not JMH, not a test). Run as {@link
 * QuarantineFigures} says, with this class name.
 */
public final class LifecycleFigures {
  private LifecycleFigures() {}

  public static void main(String[] args) {
    int n = 200_000;
    Signal[] repeats = new Signal[64];
    Signal[] fresh = new Signal[n];
    for (int i = 0; i < repeats.length; i++) {
      repeats[i] = Signal.builder("custom").severity(Severity.WARNING).key("k" + i).message("m").build();
    }
    for (int i = 0; i < n; i++) {
      fresh[i] = Signal.builder("custom").severity(Severity.WARNING).key("new-" + i).message("m").build();
    }
    for (int round = 0; round < 5; round++) {
      Dedup d = Dedup.builder().escalateAfter(Integer.MAX_VALUE).floodLimit(Integer.MAX_VALUE).build();
      long t0 = System.nanoTime();
      long out = 0;
      for (int i = 0; i < n; i++) {
        if (d.apply(repeats[i & 63]) != null) {
          out++;
        }
      }
      long rep = System.nanoTime() - t0;
      t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        if (d.apply(fresh[i]) != null) {
          out++;
        }
      }
      long nw = System.nanoTime() - t0;
      RecentSignals r = RecentSignals.create();
      t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        r.onSignal(fresh[i]);
      }
      long rec = System.nanoTime() - t0;
      t0 = System.nanoTime();
      int hits = 0;
      for (int i = 0; i < 1_000; i++) {
        hits += r.query("custom", "new-" + (n - 1 - (i % 500)), Severity.WARNING, null).size();
      }
      long q = System.nanoTime() - t0;
      System.out.printf(
          "round %d: dedup repeat %.0f ns/signal, dedup new key (LRU full after 10k) %.0f ns/signal,"
              + " recent record %.0f ns/signal, recent query over 1000 %.1f us (delivered %d,"
              + " hits %d)%n",
          round, (double) rep / n, (double) nw / n, (double) rec / n, q / 1e3 / 1_000, out, hits);
    }
  }
}
