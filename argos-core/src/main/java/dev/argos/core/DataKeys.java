package dev.argos.core;

/**
 * The names of the {@link Signal#data()} entries that Argos's own signals carry, documented once.
 * Read a field as {@code signal.data().get(DataKeys.LAG_MS)} rather than repeating the string.
 *
 * <p>Units are in the names: {@code ...Ms} milliseconds, {@code ...Bytes} bytes, {@code
 * ...PerSecond} per second; shares ({@link #USAGE}, {@link #GROWTH}, {@link #GC_OVERHEAD}) are
 * fractions in [0, 1] or above for growth. Which signal type carries which entry is listed on the
 * signal's page under {@code docs/signals/}.
 */
public final class DataKeys {
  private DataKeys() {}

  // ---- every episode (docs/lifecycle.md) ----

  /** {@code "resolved"} on the signal that ends an episode; absent while it runs. */
  public static final String STATE = "state";
  /** The value of {@link #STATE} that ends an episode. */
  public static final String STATE_RESOLVED = "resolved";
  /** Id of the episode, unique in the process: {@code "<type>-<n>"}; on every signal of it. */
  public static final String EPISODE = "episode";
  /** Why the condition holds (a detector's rule, e.g. {@code "growth"}, {@code "usage"}). */
  public static final String REASON = "reason";
  /** How long the episode lasted, in milliseconds; on the resolved signal. */
  public static final String DURATION_MS = "durationMs";
  /** How many occurrences the episode grouped (repeated short conditions of one kind). */
  public static final String COUNT = "count";
  /** The severity an escalated signal stepped up from. */
  public static final String ESCALATED_FROM = "escalatedFrom";
  /** How many identical signals a filter counted instead of delivering. */
  public static final String REPEATS = "repeats";
  /** The highest severity reached in the episode; on the resolved signal. */
  public static final String MAX_SEVERITY = "maxSeverity";

  // ---- eventLoopLag ----

  /** How late the executor or the JVM was, in milliseconds. */
  public static final String LAG_MS = "lagMs";
  /** The largest {@link #LAG_MS} of the episode. */
  public static final String MAX_LAG_MS = "maxLagMs";
  /** The threshold in force, in milliseconds. */
  public static final String THRESHOLD_MS = "thresholdMs";
  /** True when detected while the executor was still stalled. */
  public static final String IN_PROGRESS = "inProgress";
  /** Name of the blocked thread. */
  public static final String THREAD = "thread";
  /** The blocked thread's frames, innermost first. */
  public static final String STACK = "stack";
  /** {@code "gc"}, {@code "blocked"} or {@code "unknown"}. */
  public static final String CAUSE = "cause";
  /** The GC pause that explains a JVM stall, in milliseconds. */
  public static final String GC_PAUSE_MS = "gcPauseMs";

  // ---- memoryPressure ----

  /** Heap used after the last collection, in bytes. */
  public static final String LIVE_SET_BYTES = "liveSetBytes";
  /** Relative growth of the live set over the window (0.2 = 20 %). */
  public static final String GROWTH = "growth";
  /** The heap's maximum, in bytes. */
  public static final String HEAP_MAX_BYTES = "heapMaxBytes";
  /** Share of the time spent in GC over the window. */
  public static final String GC_OVERHEAD = "gcOverhead";
  /** Projected seconds until the heap is exhausted at the current trend. */
  public static final String SECONDS_TO_EXHAUSTION = "secondsToExhaustion";

  // ---- burst ----

  /** Requests per second over the short window. */
  public static final String RATE = "rate";
  /** The learned baseline, requests per second. */
  public static final String BASELINE_RATE = "baselineRate";
  /** The configured burst multiplier. */
  public static final String MULTIPLIER = "multiplier";
  /** The short window the rate was measured over, in milliseconds. */
  public static final String WINDOW_MS = "windowMs";

  // ---- resourceExhaustion ----

  /** Descriptors or threads open now. */
  public static final String OPEN = "open";
  /** Their limit. */
  public static final String MAX = "max";
  /** {@link #OPEN} / {@link #MAX}. */
  public static final String USAGE = "usage";

  // ---- actions and errors ----

  /** The outcome of an action a listener took, as text. */
  public static final String RESULT = "result";
  /** What kind of fault or action (argos:error, argos:quarantine). */
  public static final String KIND = "kind";

  // ---- registry (task: registry writer/reader split) ----

  /** The file a registry report is about ({@code argos:error}, kind {@code registryLowDisk}). */
  public static final String PATH = "path";
  /** Bytes usable on the registry's file system when writing stopped. */
  public static final String USABLE_BYTES = "usableBytes";
  /** The registry's free-space floor in bytes. */
  public static final String MIN_FREE_BYTES = "minFreeBytes";

  // ---- quarantine (task: quarantine) : argos:quarantine change signals ----

  /**
   * What changed: {@code quarantined}, {@code released}, {@code expired}, {@code evicted} or
   * {@code repeatOffender}.
   */
  public static final String ACTION = "action";
  /** The term's time-to-live in milliseconds. */
  public static final String TTL_MS = "ttlMs";
  /** The term's severity ({@code INFO}, {@code WARNING}, {@code CRITICAL}). */
  public static final String SEVERITY = "severity";
  /** Terms started for the key within the offence window, this one included. */
  public static final String OFFENCES = "offences";
  /** Milliseconds left in the term (0 when it ended). */
  public static final String REMAINING_MS = "remainingMs";
  /** {@code true} when a quarantined key's term was extended or its severity raised. */
  public static final String EXTENDED = "extended";

  // ---- one episode model (issue 11 §1): further entries of the built-in signals ----

  /** The condition's threshold in force, as a share or factor (memoryPressure, resourceExhaustion). */
  public static final String THRESHOLD = "threshold";
  /** Live-set slope over the window, bytes per second (memoryPressure). */
  public static final String SLOPE_BYTES_PER_SECOND = "slopeBytesPerSecond";
  /** Collections counted in the window (memoryPressure). */
  public static final String GC_COUNT = "gcCount";
  /** Slope of descriptors or threads, per second (resourceExhaustion). */
  public static final String SLOPE_PER_SECOND = "slopePerSecond";
  /** Where the limit {@link #MAX} was read (resourceExhaustion). */
  public static final String LIMIT_SOURCE = "limitSource";
  /** The rate at which a burst fires, requests per second (burst). */
  public static final String THRESHOLD_RATE = "thresholdRate";
  /** The configured burst multiplier (burst). */
  public static final String BURST_MULTIPLIER = "burstMultiplier";
  /** The highest {@link #RATE} of the episode; on the resolved burst signal. */
  public static final String PEAK_RATE = "peakRate";
  /** The key's share of all requests in the epoch, in [0, 1] (per-key burst). */
  public static final String SHARE = "share";
  /** The collector whose pause explains a JVM stall (eventLoopLag). */
  public static final String GC_NAME = "gcName";
  /** That collection's cause (eventLoopLag). */
  public static final String GC_CAUSE = "gcCause";
  /** How {@link #LAG_MS} of a JVM stall was measured: meter, gcPause, meterAndGcStart, gcEvent. */
  public static final String MEASURED_BY = "measuredBy";
  /** The stall meter's resolution, in milliseconds (eventLoopLag, jvm). */
  public static final String RESOLUTION_MS = "resolutionMs";
  /** The meter's usual timer overshoot, in microseconds (eventLoopLag, jvm). */
  public static final String BASELINE_US = "baselineUs";
  /** The blocked thread's state (eventLoopLag, executor). */
  public static final String THREAD_STATE = "threadState";
  /** How an executor's episode ended: ran, probeLost, shutdown, collected, closed, rejected, failed. */
  public static final String HOW = "how";

  // ---- issue 11 bus work: argos:error and flood-guard entries ----

  /** The class name of the throwable behind an {@code argos:error}. */
  public static final String EXCEPTION = "exception";
  /** Its message, neutralised (no control characters) and capped. */
  public static final String EXCEPTION_MESSAGE = "exceptionMessage";
  /** Signals the agent dropped so far, on an {@code argos:error}. */
  public static final String DROPPED_TOTAL = "droppedTotal";
  /** Reports of the same subject held back by the rate limit since the last one delivered. */
  public static final String SUPPRESSED = "suppressed";
  /** Signals dropped by a flood guard (the bus's, or {@code Dedup}'s new-episode limit). */
  public static final String FLOOD_DROPPED = "floodDropped";
  /** Which flood-guard slot: a signal type, or {@code "other types"} for the shared slot. */
  public static final String FLOOD_SLOT = "floodSlot";

  // ---- watchdog (issue 11 §2.2): probes submitted off the sampler thread, sampler liveness ----

  /**
   * On {@code eventLoopLag}: true when the executor's own {@code execute()} has not returned (a
   * blocking queue or rejection handler); {@link #THREAD} and {@link #STACK} are then those of the
   * Argos thread blocked in it, and the lag counts from the start of that call.
   */
  public static final String EXECUTE_BLOCKED = "executeBlocked";
  /**
   * On {@code argos:error} of kind {@code samplerStuck}: the sampler the {@code argos-sampler}
   * thread is running, {@code "none"} when it is between samplers (parked or starved).
   */
  public static final String SAMPLER = "sampler";
  /** On {@code argos:error} of kind {@code samplerStuck}: how long it has made no progress, ms. */
  public static final String STUCK_MS = "stuckMs";

  // ---- issue 12 §4 (i12-stalls): repeated JVM stalls are one episode ----

  /**
   * On {@code eventLoopLag} for {@code jvm}: the time the episode's stalls took together, in
   * milliseconds (the sum of their {@link #LAG_MS}); on every signal of the episode, so far.
   */
  public static final String LOST_MS = "lostMs";
  /**
   * On a signal that updates a running episode: what grew, {@code "severity"} (it stepped up),
   * {@code "count"} (its occurrences doubled) or {@code "size"} (one much larger than before).
   */
  public static final String ESCALATION = "escalation";

  // ---- executor watchdog: probes that cannot be submitted ----

  /** How long a probe has waited to be handed to its executor, in milliseconds. */
  public static final String WAITED_MS = "waitedMs";

  // ---- virtual threads (issue 15 §4): virtualThreadPinned ----

  /** On {@code virtualThreadPinned}: the carrier (platform) thread the virtual thread pinned. */
  public static final String CARRIER = "carrier";
  /** On {@code virtualThreadPinned}: what blocked while pinned, as the JDK names it. */
  public static final String BLOCKING_OPERATION = "blockingOperation";
  /** On {@code virtualThreadPinned}: why the virtual thread could not unmount, as the JDK says. */
  public static final String PINNED_REASON = "pinnedReason";
  /** On {@code virtualThreadPinned}: the longest pinning of the episode so far, in milliseconds. */
  public static final String MAX_DURATION_MS = "maxDurationMs";
  /** On {@code virtualThreadPinned}: the time the episode's pinnings took together, milliseconds. */
  public static final String PINNED_MS = "pinnedMs";

  // ---- forensics (issue 13 §1, forensics-incidents): incidents on argos:incident ----

  /** The value of {@link #STATE} while an incident is open (it ends with {@link #STATE_RESOLVED}). */
  public static final String STATE_OPEN = "open";
  /** On an incident: the named origin, a map of {@link #KIND}, {@link #NAME} and {@link #TYPE}. */
  public static final String ORIGIN = "origin";
  /** In an origin, chain entry or alternative: the key, thread, lock owner or collector named. */
  public static final String NAME = "name";
  /** In an origin or chain entry: the signal type it came from (or the evidence kind). */
  public static final String TYPE = "type";
  /** On an incident: how likely the origin is, in [0, 1] (its share of the evidence's weight). */
  public static final String CONFIDENCE = "confidence";
  /** On an incident: one sentence saying which evidence made the origin likely, with weights. */
  public static final String WHY = "why";
  /** On an incident: the causal chain, a list of maps in causal order. */
  public static final String CHAIN = "chain";
  /** In a chain entry: the signal's key, or the origin's name. */
  public static final String KEY = "key";
  /** In a chain entry: when it began (ISO-8601). */
  public static final String AT = "at";
  /** In a chain entry: {@code "origin"}, {@code "propagation"} or {@code "symptom"}. */
  public static final String ROLE = "role";
  /** In a chain entry of a lock owner: the lock it holds ({@code ThreadInfo.getLockName()}). */
  public static final String LOCK = "lock";
  /** On an incident: up to 2 other origins, maps of kind, name, type and confidence. */
  public static final String ALTERNATIVES = "alternatives";
  /** On an incident: the path of its evidence bundle directory, when one was captured. */
  public static final String EVIDENCE = "evidence";
  /** On an incident: why no evidence bundle was captured (cooldown, disk budget, disabled...). */
  public static final String EVIDENCE_SKIPPED = "evidenceSkipped";

  // ---- forensics (issue 13 §2-3, forensics-evidence): actions on argos:action ----

  /**
   * On an {@code action} signal: what the action was aimed at, the trigger's key or the
   * incident's id (null for all traffic); the guardrails' backoff counts per action and target.
   */
  public static final String TARGET = "target";
  /** On an {@code action} signal: the type of the signal or incident that triggered it. */
  public static final String TRIGGER = "trigger";
  /** On an {@code action} signal: the id of the incident that triggered it, when one did. */
  public static final String INCIDENT = "incident";
  /**
   * On an {@code action} signal: which attempt this is for its action and target (1, 2, 3 within
   * the backoff; the attempt that would have run when suppressed).
   */
  public static final String ATTEMPT = "attempt";
  /** On a suppressed {@code action} signal: when the guardrails allow it again (ISO-8601). */
  public static final String NEXT_ALLOWED_AT = "nextAllowedAt";
  /** On a {@code shedLoad} action signal: how long load is shed from now, in milliseconds. */
  public static final String SHED_MS = "shedMs";
  /** On a {@code heapHistogram} action signal: the histogram's largest classes, one line each. */
  public static final String HISTOGRAM = "histogram";
  /** On a {@code heapHistogram} action signal: the bytes of all (live) objects counted. */
  public static final String TOTAL_BYTES = "totalBytes";
  /** On a {@code heapHistogram} action signal: the number of (live) objects counted. */
  public static final String TOTAL_INSTANCES = "totalInstances";
  /** On a {@code heapHistogram} action signal: how long the JVM took to make it, ms. */
  public static final String PAUSE_MS = "pauseMs";
}
