package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Signal;
import java.time.Duration;
import java.util.Random;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * A long key and its canonical form are one key for the per-key detector, as for the signal and
 * the quarantine: a flooder that alternates the two forms does not halve its detected rate (it did
 * for keys of 257 to 1 024 characters, counted raw).
 */
class KeyFormsTest {
  private static final Duration WINDOW = Duration.ofSeconds(10);

  private static int keyedSignals(boolean split, int keyLength) {
    BurstHarness h = new BurstHarness(WINDOW, Thresholds.defaults());
    String[] keys = new String[1000];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = "10.0." + (i >> 8) + "." + (i & 255);
    }
    Random r = new Random(6);
    IntConsumer normal = t -> {
      for (int i = 0; i < 10; i++) {
        h.rec.record(keys[r.nextInt(keys.length)]);
      }
    };
    h.each(12, normal);
    String flooder = "client-" + "f".repeat(keyLength - 7);
    String canonical = Signal.canonicalKey(flooder);
    h.each(5, t -> {
      normal.accept(t);
      for (int i = 0; i < 2; i++) { // 20/s in total on one quarantine key: 2 x the ~10/s level
        h.rec.record(split && i % 2 == 1 ? canonical : flooder);
      }
    });
    return h.keyed().size();
  }

  @Test
  void oneFormFires() {
    assertThat(keyedSignals(false, 300)).isPositive();
  }

  @Test
  void twoFormsOfOneQuarantineKeyAreCountedAsOne() {
    assertThat(keyedSignals(true, 300)).as("a 300-char key sent half raw, half canonical").isPositive();
  }

  @Test
  void beyond1024TheTwoFormsAreCountedAsOne() {
    assertThat(keyedSignals(true, 2000)).as("a 2000-char key sent half raw, half canonical").isPositive();
  }
}
