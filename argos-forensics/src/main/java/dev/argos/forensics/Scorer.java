package dev.argos.forensics;

import dev.argos.core.DataKeys;
import dev.argos.core.Severity;
import dev.argos.core.Signal;
import dev.argos.core.internal.SafeText;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/*
 * Design notes.
 *
 * Scoring the way the ARGUS correlator does, over one incident's episodes and the evidence its
 * passes gathered (docs/forensics.md, "Scoring", has the table):
 *
 *   - every possible cause is a candidate: a key (its burst), a thread (its CPU, its allocation,
 *     a lock it holds that a stalled thread waits on, or the stalled thread itself), a collector
 *     (a lag the JVM blames on its pause), the host (cgroup throttling);
 *   - each piece of evidence adds a weight to its candidate (the W_ constants below);
 *   - links say one candidate led to another: a key's burst that began before an executor's lag
 *     leads to that executor's stalled thread; a lock owner leads to the threads waiting on it;
 *     a thread that did most of the allocating leads to the collection it drove. A candidate led
 *     to by another with evidence is propagation, not an origin (ARGUS: an origin is a step whose
 *     predecessors carry no weight), so the origin is the earliest cause with evidence;
 *   - among those roots the heaviest wins (ties: the earliest onset, then the kind order lock,
 *     allocation, key, host, gc, thread); confidence = its weight / (the roots' weights + 1.0 for
 *     a cause nobody saw); an origin backed only by behavioural evidence (CPU or allocation share,
 *     the stalled thread's own stack) is capped at 0.40; the next two roots (or "unknown") are
 *     the alternatives, with their shares.
 *
 * Pure and deterministic: same episodes and evidence, same verdict. Forensics thread only.
 */
/** Names an incident's origin from its episodes and evidence, ARGUS style. */
final class Scorer {
  /** A key's burst (its signal's severity): WARNING. */
  static final double W_WARNING = 1.5;
  /** A key's burst (its signal's severity): CRITICAL. */
  static final double W_CRITICAL = 3.0;
  /** A key's burst began before an executor or the JVM lagged. */
  static final double W_PRECEDES = 2.0;
  /** A stalled thread waits on a lock this thread holds ({@code ThreadInfo} lock owner). */
  static final double W_LOCK_OWNER = 3.0;
  /** Each further stalled thread waiting on the same owner. */
  static final double W_LOCK_EXTRA_VICTIM = 0.5;
  /** A lag the JVM blames on a collector's pause ({@code cause = "gc"}). */
  static final double W_GC = 2.0;
  /** The same, when that lag reached CRITICAL. */
  static final double W_GC_CRITICAL_EXTRA = 1.0;
  /** Behavioural evidence with a score over {@value #STRONG_SCORE} (CPU or allocation share). */
  static final double W_STRONG = 2.0;
  /** Behavioural evidence with a score of at least {@value #WEAK_SCORE}. */
  static final double W_WEAK = 0.8;
  /** The thread that did most of the allocating drove the collection that stalled the JVM. */
  static final double W_DROVE_GC = 1.0;
  /** The cgroup throttled the process for at least {@value #THROTTLE_SHARE} of the window. */
  static final double W_HOST = 3.0;
  /** The stalled thread itself (its task ran long; its stack shows where). */
  static final double W_VICTIM = 0.5;
  /** A cause nobody saw: always in the total, so one weak candidate is not certain. */
  static final double W_UNKNOWN = 1.0;
  /** Highest confidence of an origin backed only by behavioural evidence. */
  static final double BEHAVIOURAL_CAP = 0.40;

  static final double STRONG_SCORE = 0.7;
  static final double WEAK_SCORE = 0.3;
  static final double THROTTLE_SHARE = 0.1;
  /**
   * Least share of a core a thread must use for its share of the process's CPU to count (on a
   * host whose cores others use too, several hogs get little of a core each but most of the
   * process's CPU).
   */
  static final double MIN_CORE_FOR_PROCESS_SHARE = 0.1;
  /** Least allocation in the incident's windows before allocation shares count. */
  static final long MIN_ALLOCATED_BYTES = 8L << 20;
  static final int MAX_FRAMES = 32;
  static final int MAX_CHAIN = 32;
  static final int MAX_ALTERNATIVES = 2;

  private static final List<String> KIND_ORDER =
      List.of("lock", "allocation", "key", "host", "gc", "thread", "unknown");

  private Scorer() {}

  /** A possible origin and its evidence. */
  static final class Candidate {
    String kind;
    final String name;
    @Nullable String type;
    Instant onset;
    double weight;
    boolean structural;
    boolean root = true;
    final List<String> reasons = new ArrayList<>();
    @Nullable EpisodeView episode;
    List<String> stack = List.of();
    @Nullable String lock;
    @Nullable String thread;
    long threadId = -1;

    Candidate(String kind, String name, @Nullable String type, Instant onset) {
      this.kind = kind;
      this.name = name;
      this.type = type;
      this.onset = onset;
    }

    void add(double w, boolean structuralEvidence, String reason) {
      weight += w;
      structural |= structuralEvidence;
      reasons.add(reason + " (" + fmt(w) + ")");
    }
  }

  /** What the scorer concluded. */
  record Verdict(
      Candidate origin,
      double confidence,
      String why,
      List<Map<String, @Nullable Object>> alternatives,
      List<Map<String, @Nullable Object>> chain,
      List<Long> stalledThreadIds) {}

  static Verdict score(List<EpisodeView> episodes, IncidentEvidence ev) {
    List<EpisodeView> eps = new ArrayList<>(episodes);
    eps.sort(Comparator.comparing((EpisodeView e) -> e.onset).thenComparing(e -> e.id));
    Instant firstSymptom = null;
    for (EpisodeView e : eps) {
      if (e.symptom() && (firstSymptom == null || e.onset.isBefore(firstSymptom))) {
        firstSymptom = e.onset;
      }
    }
    Instant start = firstSymptom != null ? firstSymptom : eps.isEmpty() ? Instant.EPOCH : eps.get(0).onset;

    Map<String, Candidate> cands = new LinkedHashMap<>();
    // ---- keys: a burst, and whether it began before a lag ----
    for (EpisodeView e : eps) {
      if (!Signal.TYPE_BURST.equals(e.type)) {
        continue;
      }
      String name = e.key != null ? e.key : "*";
      // all traffic has a candidate of its own: a client may well send the key "*"
      String id = e.key != null ? "key:" + name : "allTraffic";
      Candidate c = cands.computeIfAbsent(id, k -> new Candidate("key", name, e.type, e.onset));
      c.episode = e;
      c.add(e.severity == Severity.CRITICAL ? W_CRITICAL : W_WARNING, true,
          (e.key != null ? "key " + quote(name) : "all traffic") + " burst " + e.severity);
      // the first executor that lagged after the burst began (the JVM only when none did)
      EpisodeView led = null;
      for (EpisodeView lag : eps) {
        if (Signal.TYPE_EVENT_LOOP_LAG.equals(lag.type) && !lag.onset.isBefore(e.onset)
            && (led == null || ("jvm".equals(led.key) && !"jvm".equals(lag.key)))) {
          led = lag;
        }
      }
      if (led != null) {
        c.add(W_PRECEDES, true, "began " + seconds(Duration.between(e.onset, led.onset))
            + " before " + lagName(led) + " lagged");
      }
    }
    // ---- collectors ----
    Candidate gc = null;
    boolean gcByAllocation = false;
    for (EpisodeView e : eps) {
      if (!Signal.TYPE_EVENT_LOOP_LAG.equals(e.type) || !"gc".equals(e.cause)) {
        continue;
      }
      String name = e.gcName != null ? e.gcName : "GC";
      Candidate c = cands.get("gc:" + name);
      if (c == null) {
        c = new Candidate("gc", name, e.type, e.onset);
        c.episode = e;
        c.add(W_GC, true, lagName(e) + " stalled in a " + name + " pause"
            + (e.gcCause != null ? " (" + e.gcCause + ")" : ""));
        if (e.severity == Severity.CRITICAL) {
          c.add(W_GC_CRITICAL_EXTRA, true, "reaching CRITICAL");
        }
        cands.put("gc:" + name, c);
      }
      gcByAllocation |= allocationCause(e.gcCause);
      if (gc == null || c.weight > gc.weight) {
        gc = c;
      }
    }
    // ---- threads: stalled ones, lock owners, CPU, allocation ----
    for (EpisodeView e : eps) {
      if (e.stalledThread()) {
        String t = Objects.requireNonNull(e.thread);
        Candidate c = threadCandidate(cands, t, e.onset);
        if (c.episode == null || e.onset.isBefore(c.onset)) {
          c.onset = e.onset;
        }
        c.type = e.type;
        if (c.stack.isEmpty()) {
          c.stack = e.stack;
        }
        if (c.episode == null) {
          c.add(W_VICTIM, false, "thread " + quote(t) + " of " + lagName(e) + " ran one task too long");
        }
        c.episode = e;
      }
    }
    for (IncidentEvidence.LockAgg l : ev.locks.values()) {
      Candidate c = threadCandidate(cands, l.owner, start);
      c.kind = "lock";
      c.lock = l.lock;
      c.threadId = l.ownerId;
      c.stack = l.ownerStack;
      Instant onset = null;
      for (String v : l.victims) {
        Candidate victim = cands.get("thread:" + v);
        if (victim != null && victim != c) {
          victim.root = false;
          if (victim.episode != null && (onset == null || victim.episode.onset.isBefore(onset))) {
            onset = victim.episode.onset;
            c.type = victim.episode.type;
          }
        }
      }
      c.onset = onset != null ? onset : start;
      c.add(W_LOCK_OWNER, true, "holds " + SafeText.neutralise(l.lock, 120) + " that stalled thread "
          + quote(l.victims.iterator().next()) + " waits on (ThreadInfo lock owner)");
      if (l.victims.size() > 1) {
        c.add(W_LOCK_EXTRA_VICTIM * (l.victims.size() - 1), true,
            (l.victims.size() - 1) + " more stalled thread(s) wait on it");
      }
    }
    long allocTotal = ev.allocatedBytes;
    // threads of one pool ("hog-1", "hog-2"...) count together for their hottest member: many
    // hogs on few cores get little each, but starve the process together
    Map<String, double[]> pools = new LinkedHashMap<>(); // stem -> {cores, process share, members}
    Map<String, IncidentEvidence.ThreadAgg> hottest = new LinkedHashMap<>();
    for (IncidentEvidence.ThreadAgg a : ev.threads.values()) {
      String stem = stem(a.name);
      if (stem != null) {
        double[] p = pools.computeIfAbsent(stem, k -> new double[3]);
        p[0] += a.maxCpuShare;
        p[1] += a.maxProcessShare;
        p[2]++;
        IncidentEvidence.ThreadAgg h = hottest.get(stem);
        if (h == null || a.maxCpuShare > h.maxCpuShare) {
          hottest.put(stem, a);
        }
      }
    }
    for (IncidentEvidence.ThreadAgg a : ev.threads.values()) {
      double cpu = Math.max(a.maxCpuShare, a.maxProcessShare);
      String poolNote = "";
      String stem = stem(a.name);
      double[] pool = stem != null ? pools.get(stem) : null;
      if (stem != null && pool != null && pool[2] >= 2 && hottest.get(stem) == a) {
        double together = Math.max(pool[0], Math.min(1.0, pool[1]));
        if (together > cpu) {
          cpu = together;
          poolNote = String.format(Locale.ROOT,
              "; with %d more %s threads, %.2f cores (%.0f%% of the process's CPU)",
              (int) pool[2] - 1, quote(stem + "*"), pool[0], Math.min(1.0, pool[1]) * 100);
        }
      }
      // allocation is evidence only when a collection is in the incident
      double allocShare = gc != null && allocTotal >= MIN_ALLOCATED_BYTES
          ? (double) a.allocatedBytes / allocTotal : 0;
      boolean hot = cpu >= WEAK_SCORE;
      boolean allocating = allocShare >= WEAK_SCORE;
      if (!hot && !allocating) {
        continue;
      }
      Candidate c = threadCandidate(cands, a.name, start);
      c.threadId = a.id;
      if (!a.stack.isEmpty() && (c.stack.isEmpty() || !"lock".equals(c.kind))) {
        c.stack = a.stack;
      }
      if (hot) {
        c.add(cpu > STRONG_SCORE ? W_STRONG : W_WEAK, false,
            String.format(Locale.ROOT,
                "used %.2f of a core (%.0f%% of the process's CPU) while the JVM or an executor was late%s",
                a.maxCpuShare, a.maxProcessShare * 100, poolNote));
      }
      if (allocating) {
        double rate = ev.allocWindowNanos > 0 ? allocTotal / (ev.allocWindowNanos / 1e9) : 0;
        c.add(allocShare > STRONG_SCORE ? W_STRONG : W_WEAK, false,
            String.format(Locale.ROOT, "allocated %.0f%% of the bytes (%s/s in all)",
                allocShare * 100, bytes(rate)));
        if (gc != null && gcByAllocation && allocShare >= 0.5) {
          c.add(W_DROVE_GC, true, "drove the " + gc.name + " collection");
          gc.root = false;
          if (!"lock".equals(c.kind)) {
            c.kind = "allocation";
            c.type = gc.type;
            c.onset = gc.onset.minusMillis(1);
          }
        }
      }
    }
    // ---- the host ----
    if (ev.throttleWindowNanos > 0 && ev.throttledNanos > 0) {
      double share = (double) ev.throttledNanos / ev.throttleWindowNanos;
      Candidate c = new Candidate("host", "cgroup", null, start);
      c.add(share >= THROTTLE_SHARE ? W_HOST : W_WEAK, true, String.format(Locale.ROOT,
          "the container throttled the process %.0f%% of the time (%d periods, cpu.stat)",
          share * 100, ev.throttlePeriods));
      cands.put("host", c);
    }
    // ---- the key's burst led to the stalled thread of the executor that lagged after it ----
    for (Candidate k : cands.values()) {
      if (!"key".equals(k.kind) || k.episode == null) {
        continue;
      }
      for (Candidate t : cands.values()) {
        if (t.episode != null && t.episode.stalledThread() && !"lock".equals(t.kind)
            && !t.episode.onset.isBefore(k.onset) && t != k) {
          t.root = false;
        }
      }
    }
    return verdict(eps, cands, gc);
  }

  private static Verdict verdict(List<EpisodeView> eps, Map<String, Candidate> cands, @Nullable Candidate gc) {
    List<Candidate> roots = new ArrayList<>();
    for (Candidate c : cands.values()) {
      if (c.root && c.weight > 0) {
        roots.add(c);
      }
    }
    roots.sort(Comparator.comparingDouble((Candidate c) -> -c.weight)
        .thenComparing(c -> c.onset)
        .thenComparingInt(c -> KIND_ORDER.indexOf(c.kind))
        .thenComparing(c -> c.name));
    double total = W_UNKNOWN;
    for (Candidate c : roots) {
      total += c.weight;
    }
    Candidate origin;
    double confidence;
    String why;
    Instant first = eps.isEmpty() ? Instant.EPOCH : eps.get(0).onset;
    if (roots.isEmpty()) {
      origin = new Candidate("unknown", "unknown", null, first);
      confidence = 0;
      why = "no evidence named a cause: no key burst before the lag, no lock owner, no thread "
          + "hot on CPU or allocation, no GC pause, no throttling seen";
    } else {
      origin = roots.get(0);
      confidence = share(origin, total);
      why = describe(origin) + ": " + String.join("; ", origin.reasons)
          + String.format(Locale.ROOT, "; weight %s of %s in all", fmt(origin.weight), fmt(total))
          + (origin.structural ? "" : ", behavioural evidence only, so capped at "
              + fmt(BEHAVIOURAL_CAP));
    }
    List<Map<String, @Nullable Object>> alternatives = new ArrayList<>();
    List<Candidate> others = new ArrayList<>(roots.size() > 1 ? roots.subList(1, roots.size()) : List.of());
    if (!roots.isEmpty()) {
      Candidate unknown = new Candidate("unknown", "unknown", null, first);
      unknown.weight = W_UNKNOWN;
      unknown.structural = true;
      others.add(unknown);
      others.sort(Comparator.comparingDouble((Candidate c) -> -c.weight));
    }
    for (Candidate c : others) {
      if (alternatives.size() == MAX_ALTERNATIVES) {
        break;
      }
      Map<String, @Nullable Object> m = new LinkedHashMap<>();
      m.put(DataKeys.KIND, c.kind);
      m.put(DataKeys.NAME, c.name);
      m.put(DataKeys.TYPE, c.type);
      m.put(DataKeys.CONFIDENCE, round(share(c, total)));
      alternatives.add(m);
    }
    List<Long> stalled = new ArrayList<>();
    for (Candidate c : cands.values()) {
      if (c.episode != null && c.episode.stalledThread() && c.threadId >= 0) {
        stalled.add(c.threadId);
      }
    }
    return new Verdict(origin, round(confidence), why, alternatives, chain(eps, origin, gc), stalled);
  }

  private static List<Map<String, @Nullable Object>> chain(
      List<EpisodeView> eps, Candidate origin, @Nullable Candidate gc) {
    List<Map<String, @Nullable Object>> chain = new ArrayList<>();
    EpisodeView originEpisode = "key".equals(origin.kind) ? origin.episode : null;
    if (originEpisode != null) {
      chain.add(entry(originEpisode, "origin"));
    } else if (!"unknown".equals(origin.kind)) {
      Map<String, @Nullable Object> m = new LinkedHashMap<>();
      m.put(DataKeys.TYPE, origin.kind);
      m.put(DataKeys.KEY, origin.name);
      m.put(DataKeys.EPISODE, "gc".equals(origin.kind) && origin.episode != null ? origin.episode.id : null);
      m.put(DataKeys.SEVERITY, null);
      m.put(DataKeys.AT, origin.onset.toString());
      m.put(DataKeys.ROLE, "origin");
      if (origin.lock != null) {
        m.put(DataKeys.LOCK, origin.lock);
      }
      if (!origin.stack.isEmpty()) {
        m.put(DataKeys.THREAD, origin.name);
        m.put(DataKeys.STACK, origin.stack);
      }
      chain.add(m);
      if ("allocation".equals(origin.kind) && gc != null) {
        Map<String, @Nullable Object> g = new LinkedHashMap<>();
        g.put(DataKeys.TYPE, "gc");
        g.put(DataKeys.KEY, gc.name);
        g.put(DataKeys.EPISODE, gc.episode != null ? gc.episode.id : null);
        g.put(DataKeys.SEVERITY, null);
        g.put(DataKeys.AT, gc.onset.toString());
        g.put(DataKeys.ROLE, "propagation");
        chain.add(g);
      }
    }
    for (EpisodeView e : eps) {
      if (chain.size() >= MAX_CHAIN) {
        break;
      }
      if (e == originEpisode) {
        continue;
      }
      chain.add(entry(e, e.symptom() ? "symptom" : "propagation"));
    }
    return chain;
  }

  private static Map<String, @Nullable Object> entry(EpisodeView e, String role) {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put(DataKeys.TYPE, e.type);
    m.put(DataKeys.KEY, e.key);
    m.put(DataKeys.EPISODE, e.id);
    m.put(DataKeys.SEVERITY, e.severity.name());
    m.put(DataKeys.AT, e.onset.toString());
    m.put(DataKeys.ROLE, role);
    if (e.stalledThread()) {
      m.put(DataKeys.THREAD, e.thread);
    }
    return m;
  }

  private static Candidate threadCandidate(Map<String, Candidate> cands, String name, Instant onset) {
    return cands.computeIfAbsent("thread:" + name, k -> new Candidate("thread", name, null, onset));
  }

  private static double share(Candidate c, double total) {
    double s = total > 0 ? c.weight / total : 0;
    return c.structural ? s : Math.min(s, BEHAVIOURAL_CAP);
  }

  /** A pool's name stem ({@code "hog-"} of {@code "hog-3"}), or null when no digits end it. */
  static @Nullable String stem(String name) {
    int end = name.length();
    while (end > 0 && Character.isDigit(name.charAt(end - 1))) {
      end--;
    }
    return end < name.length() && end > 0 ? name.substring(0, end) : null;
  }

  /** Whether a collection with this cause was driven by allocation (not System.gc() and the like). */
  static boolean allocationCause(@Nullable String cause) {
    if (cause == null) {
      return true;
    }
    String c = cause.toLowerCase(Locale.ROOT);
    return c.contains("alloc") || c.contains("evacuation") || c.contains("humongous")
        || c.contains("preventive") || c.contains("gclocker") || c.contains("g1 compaction");
  }

  static String describe(Candidate c) {
    return switch (c.kind) {
      case "key" -> c.episode != null && c.episode.key == null ? "all traffic" : "key " + quote(c.name);
      case "lock" -> "lock owner " + quote(c.name);
      case "allocation" -> "allocation by thread " + quote(c.name);
      case "gc" -> "collector " + quote(c.name);
      case "host" -> "the host (cgroup CPU throttling)";
      case "thread" -> "thread " + quote(c.name);
      default -> "unknown";
    };
  }

  static String lagName(EpisodeView e) {
    return "jvm".equals(e.key) || e.key == null ? "the JVM" : "executor " + quote(e.key);
  }

  static String quote(String text) {
    return '"' + SafeText.neutralise(text, 80) + '"';
  }

  static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  private static String bytes(double b) {
    return b >= 1 << 20
        ? String.format(Locale.ROOT, "%.0f MB", b / (1 << 20))
        : String.format(Locale.ROOT, "%.0f KB", b / 1024);
  }
}
