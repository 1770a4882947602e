package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.Random;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/** The per-key burst detector, driven tick by tick on a manual clock (100 ms ticks, 1 s epochs). */
class KeyBurstTest {
  private static final String ATTACKER = "203.0.113.7";
  private static final Duration WINDOW = Duration.ofSeconds(10);

  private static String[] normalKeys(int n) {
    String[] keys = new String[n];
    for (int i = 0; i < n; i++) {
      keys[i] = "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255);
    }
    return keys;
  }

  /** 10 000 keys at ~1 request/s each: 1 000 random picks per 100 ms tick. */
  private static void normalTraffic(BurstHarness h, String[] keys, Random r, double seconds) {
    h.each(seconds, t -> {
      for (int i = 0; i < 1000; i++) {
        h.rec.record(keys[r.nextInt(keys.length)]);
      }
    });
  }

  @Test
  void oneFloodingKeyAmongTenThousandIsFoundAndResolves() {
    BurstHarness h = new BurstHarness(WINDOW, Thresholds.defaults());
    String[] keys = normalKeys(10_000);
    Random r = new Random(1);
    normalTraffic(h, keys, r, 12);
    assertThat(h.signals).isEmpty();
    assertThat(h.figure("requests.keys.distinct")).as("distinct keys per 1 s epoch").isBetween(5000.0, 8000.0);
    char[] attacker = ATTACKER.toCharArray();
    // 300 requests/s from one key, each request with a fresh String as a parser would make
    h.each(4, t -> {
      for (int i = 0; i < 1000; i++) {
        h.rec.record(keys[r.nextInt(keys.length)]);
        if (i % 33 == 0 && i < 990) {
          h.rec.record(new String(attacker));
        }
      }
    });
    assertThat(h.overall()).as("300/s more on 10 000/s is no overall burst").isEmpty();
    assertThat(h.keyed()).hasSize(1);
    Signal s = h.keyed().get(0);
    assertThat(s.key()).isEqualTo(ATTACKER);
    assertThat(s.type()).isEqualTo(Signal.TYPE_BURST);
    assertThat(s.severity()).isEqualTo(Severity.CRITICAL); // 300/s >= 3 x ~16/s
    assertThat((Double) s.data().get("rate")).isBetween(200.0, 301.0);
    assertThat((Double) s.data().get("baselineRate")).isBetween(1.0, 2.5);
    assertThat((Double) s.data().get("share")).isCloseTo(300.0 / 10_300, within(0.01));
    assertThat(s.data()).containsKeys("multiplier", "windowMs", "thresholdRate");
    assertThat(s.message()).contains(ATTACKER);
    assertThat(h.figure("requests.keys.bursting")).isEqualTo(1.0);
    assertThat(h.figures().get("requests.keys.top").toString()).contains(ATTACKER);

    normalTraffic(h, keys, r, 4);
    assertThat(h.keyed()).hasSize(2);
    Signal end = h.keyed().get(1);
    assertThat(end.key()).isEqualTo(ATTACKER);
    assertThat(end.isResolved()).isTrue();
    assertThat(end.severity()).isEqualTo(Severity.INFO);
    assertThat((Long) end.data().get("durationMs")).isBetween(3000L, 7000L);
    assertThat(h.signals).hasSize(2);
  }

  @Test
  void aMillionSpoofedKeysFireNoKeyAndRetainBoundedMemory() {
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    long before = usedAfterGc(mem);
    BurstHarness h = new BurstHarness(WINDOW, Thresholds.defaults());
    // 1 000 000 distinct keys, 100 000/s for 10 s, each key seen once
    int[] next = {0};
    h.each(10, t -> {
      for (int i = 0; i < 10_000; i++) {
        h.rec.record("spoof-" + next[0]++);
      }
    });
    h.run(0, 2);
    assertThat(next[0]).isEqualTo(1_000_000);
    assertThat(h.keyed()).isEmpty();
    assertThat(h.figure("requests.keys.watched")).isLessThanOrEqualTo(RequestRecorder.WATCH);
    long after = usedAfterGc(mem);
    long grown = after - before;
    System.out.printf("burst: recorder arrays %d bytes; heap after GC grew %d bytes over 1 000 000 spoofed keys%n",
        h.rec.footprintBytes(), grown);
    assertThat(h.rec.footprintBytes()).isLessThan(1 << 20);
    assertThat(grown).as("heap retained after 1M distinct keys").isLessThan(4L << 20);
  }

  @Test
  void aFlooderHidingInSpoofedTrafficIsStillFound() {
    BurstHarness h = new BurstHarness(WINDOW, Thresholds.defaults());
    int[] next = {0};
    h.each(8, t -> {
      for (int i = 0; i < 5_000; i++) {
        h.rec.record("spoof-" + next[0]++);
      }
    });
    h.each(4, t -> {
      for (int i = 0; i < 5_000; i++) {
        h.rec.record("spoof-" + next[0]++);
        if (i % 25 == 0) {
          h.rec.record(ATTACKER); // 2 000/s among 50 000/s of one-off keys
        }
      }
    });
    assertThat(h.keyed()).extracting(Signal::key).containsExactly(ATTACKER);
  }

  @Test
  void aKeyModeratelyAboveTheFloorIsNotJudgedBeforeWarmUp() {
    BurstHarness h = new BurstHarness(WINDOW, Thresholds.defaults());
    String[] keys = normalKeys(1000);
    Random r = new Random(2);
    // 30 requests/s from one key: 3 x keyBurstMinRate, which a baseline might yet explain
    h.each(4, t -> {
      for (int i = 0; i < 100; i++) {
        h.rec.record(keys[r.nextInt(keys.length)]);
        if (i % 33 == 0 && i < 99) {
          h.rec.record(ATTACKER);
        }
      }
    });
    assertThat(h.figures().get("requests.warm")).isEqualTo(false);
    assertThat(h.keyed()).isEmpty();
  }

  @Test
  void aKeyFloodingFarAboveTheFloorIsFoundDuringWarmUp() {
    BurstHarness h = new BurstHarness(WINDOW, Thresholds.defaults());
    String[] keys = normalKeys(1000);
    Random r = new Random(2);
    // 1 000 requests/s from one key from the first epoch on: 100 x keyBurstMinRate
    h.each(4, t -> {
      for (int i = 0; i < 100; i++) {
        h.rec.record(keys[r.nextInt(keys.length)]);
        h.rec.record(ATTACKER);
      }
    });
    assertThat(h.figures().get("requests.warm")).isEqualTo(false);
    assertThat(h.keyed()).extracting(Signal::key).containsExactly(ATTACKER);
    Signal s = h.keyed().get(0);
    assertThat(s.isResolved()).isFalse();
    assertThat((Double) s.data().get("rate")).isBetween(900.0, 1001.0);
    assertThat((Double) s.data().get("thresholdRate")).isGreaterThanOrEqualTo(100.0);
    assertThat(h.overall()).isEmpty();
  }

  @Test
  void anEpisodeDoesNotFlapOnAKeyThatComesAndGoes() {
    BurstHarness h = new BurstHarness(WINDOW, Thresholds.defaults());
    String[] keys = normalKeys(1000);
    Random r = new Random(3);
    h.each(12, t -> {
      for (int i = 0; i < 100; i++) {
        h.rec.record(keys[r.nextInt(keys.length)]);
      }
    });
    // one second of 200/s, one second of nothing, repeated for 10 s
    h.each(10, t -> {
      for (int i = 0; i < 100; i++) {
        h.rec.record(keys[r.nextInt(keys.length)]);
      }
      if ((t / 10) % 2 == 0) {
        for (int i = 0; i < 20; i++) {
          h.rec.record(ATTACKER);
        }
      }
    });
    assertThat(h.keyed()).hasSize(1);
    assertThat(h.keyed().get(0).key()).isEqualTo(ATTACKER);
  }

  @Test
  void aKeyEpisodeEscalatesOnceToCritical() {
    BurstHarness h = new BurstHarness(WINDOW, Thresholds.defaults());
    String[] keys = normalKeys(1000);
    Random r = new Random(6);
    // 100 requests/s spread over 1 000 keys: ~1 request per active key and epoch
    IntConsumer normal = t -> {
      for (int i = 0; i < 10; i++) {
        h.rec.record(keys[r.nextInt(keys.length)]);
      }
    };
    h.each(12, normal);
    h.each(3, t -> {
      normal.accept(t);
      for (int i = 0; i < 2; i++) {
        h.rec.record(ATTACKER); // 20/s: over 10/s, under 3 x 10/s
      }
    });
    assertThat(h.keyed()).extracting(Signal::severity).containsExactly(Severity.WARNING);
    h.each(3, t -> {
      normal.accept(t);
      for (int i = 0; i < 6; i++) {
        h.rec.record(ATTACKER); // 60/s
      }
    });
    assertThat(h.keyed()).extracting(Signal::severity).containsExactly(Severity.WARNING, Severity.CRITICAL);
    assertThat(h.keyed()).extracting(Signal::key).containsOnly(ATTACKER);
    // the typical rate is per key active in an epoch, so never under 1/s: level ~ 10 x 1.06/s
    assertThat((Double) h.keyed().get(0).data().get("thresholdRate")).isBetween(10.0, 11.0);
  }

  @Test
  void concurrentKeyEpisodesAreBounded() {
    BurstHarness h = new BurstHarness(WINDOW, Thresholds.defaults());
    String[] keys = normalKeys(1000);
    String[] flooders = new String[150];
    for (int i = 0; i < flooders.length; i++) {
      flooders[i] = "flooder-" + i;
    }
    Random r = new Random(4);
    h.each(12, t -> {
      for (int i = 0; i < 200; i++) {
        h.rec.record(keys[r.nextInt(keys.length)]);
      }
    });
    h.each(5, t -> {
      for (int i = 0; i < 200; i++) {
        h.rec.record(keys[r.nextInt(keys.length)]);
      }
      for (String f : flooders) {
        for (int i = 0; i < 10; i++) {
          h.rec.record(f);
        }
      }
    });
    // one episode per key (a WARNING opened on a partial epoch may escalate once to CRITICAL)
    assertThat(h.keyed()).noneMatch(Signal::isResolved);
    assertThat(h.keyed().stream().map(Signal::key).distinct().count()).isEqualTo(BurstSampler.MAX_KEY_EPISODES);
    assertThat(h.keyed()).extracting(Signal::key).allMatch(k -> k.startsWith("flooder-"));
    assertThat(h.figure("requests.keys.bursting")).isEqualTo(BurstSampler.MAX_KEY_EPISODES);
    assertThat(h.figure("requests.keys.episodesDropped")).isGreaterThan(0);
  }

  @Test
  void untrustedKeysAreNamedByTheirCanonicalFormAndNeutralisedInTheMessage() {
    BurstHarness h = new BurstHarness(WINDOW, Thresholds.defaults());
    String evil = "evil\n\u202eINFO forged" + "x".repeat(400);
    String tooLong = "y".repeat(2_000);
    String[] keys = normalKeys(100);
    Random r = new Random(5);
    h.each(12, t -> {
      for (int i = 0; i < 10; i++) {
        h.rec.record(keys[r.nextInt(keys.length)]);
      }
    });
    // 50/s each from a hostile key, a key too long to be held in full, and requests without key
    h.each(3, t -> {
      for (int i = 0; i < 5; i++) {
        h.rec.record(evil);
        h.rec.record(tooLong);
        h.rec.record((String) null);
      }
    });
    // both flooders are named, each under the canonical form the quarantine matches its full key by
    assertThat(h.keyed().stream().map(Signal::key).distinct())
        .containsExactlyInAnyOrder(Signal.canonicalKey(evil), Signal.canonicalKey(tooLong));
    Signal s = h.keyed().stream().filter(k -> Signal.canonicalKey(evil).equals(k.key())).findFirst().orElseThrow();
    assertThat(s.key()).hasSize(Signal.MAX_KEY_LENGTH);
    assertThat(s.message()).doesNotContain("\n").doesNotContain("\u202e").contains("evil\\n");
    assertThat(h.rec.total()).isEqualTo(10L * 120 + 3 * 5 * 30);
  }

  @Test
  void totalStaysExactWhileRecordingThreadsRaceTheSampler() throws Exception {
    BurstHarness h = new BurstHarness(WINDOW, Thresholds.defaults());
    int threads = 4;
    int perThread = 300_000;
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger(threads);
    java.util.List<Thread> ts = new java.util.ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int seed = t;
      Thread th = new Thread(() -> {
        Random r = new Random(seed);
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < perThread; i++) {
          int k = i % 3;
          if (k == 0) {
            h.rec.record(ATTACKER); // watched soon: counted in the exact counters
          } else if (k == 1) {
            h.rec.record("k" + r.nextInt(5000));
          } else {
            h.rec.record((String) null);
          }
        }
        running.decrementAndGet();
      });
      th.start();
      ts.add(th);
    }
    // the hot key is watched before the race starts, so the race exercises the exact counters
    // whatever the threads' speed against this sampler loop (a fast race could otherwise end
    // before any of its nominations was admitted)
    long before = 0;
    for (int i = 0; i < 200 && h.rec.findWatched(ATTACKER) < 0; i++) {
      for (int j = 0; j < 50; j++) {
        h.rec.record(ATTACKER);
        before++;
      }
      h.step();
    }
    boolean watched = h.rec.findWatched(ATTACKER) >= 0;
    go.countDown();
    // the sampler ticks (drains candidates, installs watches, harvests) while threads record
    int ticks = 0;
    while (running.get() > 0 || ticks < 30) {
      h.step();
      ticks++;
      watched |= h.rec.findWatched(ATTACKER) >= 0;
    }
    for (Thread th : ts) {
      th.join();
    }
    h.run(0, 2);
    assertThat(h.rec.total()).isEqualTo((long) threads * perThread + before);
    assertThat(watched).as("the hot key was counted exactly for a while").isTrue();
  }

  private static long usedAfterGc(MemoryMXBean mem) {
    long min = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      min = Math.min(min, mem.getHeapMemoryUsage().getUsed());
    }
    return min;
  }
}
