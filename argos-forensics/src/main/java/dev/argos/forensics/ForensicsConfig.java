package dev.argos.forensics;

import dev.argos.core.Clock;
import dev.argos.core.Severity;
import dev.argos.core.internal.Settings;
import dev.argos.core.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Settings of {@link Forensics}: immutable, built by {@link #builder()}; every setting has a
 * default, and an invalid one is rejected by the builder's method with an {@link
 * IllegalArgumentException} naming the setting and the value.
 *
 * <p>Correlation: {@link Builder#openWithin} (1.5 s), {@link Builder#joinWithin} (2 s), {@link
 * Builder#evidenceInterval} (500 ms), {@link Builder#maxThreadReads} (256), {@link
 * Builder#recentSignals} (256). Evidence: {@link Builder#evidenceDir} (none: nothing captured),
 * {@link Builder#captureAt} (CRITICAL), {@link Builder#evidenceCooldown} (5 min), {@link
 * Builder#evidenceDiskBudget} (512 MiB), {@link Builder#freeSpaceFloor} (1 GiB), {@link
 * Builder#jfr} (on), {@link Builder#jfrMaxAge} (5 min), {@link Builder#jfrMaxSize} (64 MiB).
 * Actions: {@link Builder#action} (none), {@link Builder#allowActions} (all registered), {@link
 * Builder#dryRun} (off), {@link Builder#actionTimeLimit} (30 s). See {@code docs/forensics.md}.
 */
public final class ForensicsConfig {
  private final Clock clock;
  private final Duration openWithin;
  private final Duration joinWithin;
  private final Duration evidenceInterval;
  private final int maxThreadReads;
  private final int recentSignals;
  private final @Nullable Path evidenceDir;
  private final Severity captureAt;
  private final Duration evidenceCooldown;
  private final long evidenceDiskBudget;
  private final long freeSpaceFloor;
  private final boolean jfr;
  private final Duration jfrMaxAge;
  private final long jfrMaxSize;
  private final List<ActionSpec> actions;
  private final Set<String> allowedActions;
  private final boolean dryRun;
  private final Duration actionTimeLimit;
  private final @Nullable Path cpuStatFile;
  private final boolean cpuStatSet;
  private final Correlator.@Nullable Capturer capturer;

  private ForensicsConfig(Builder b) {
    this.clock = b.clock;
    this.openWithin = b.openWithin;
    this.joinWithin = b.joinWithin;
    this.evidenceInterval = b.evidenceInterval;
    this.maxThreadReads = b.maxThreadReads;
    this.recentSignals = b.recentSignals;
    this.evidenceDir = b.evidenceDir;
    this.captureAt = b.captureAt;
    this.evidenceCooldown = b.evidenceCooldown;
    this.evidenceDiskBudget = b.evidenceDiskBudget;
    this.freeSpaceFloor = b.freeSpaceFloor;
    this.jfr = b.jfr;
    this.jfrMaxAge = b.jfrMaxAge;
    this.jfrMaxSize = b.jfrMaxSize;
    this.actions = List.copyOf(b.actions.values());
    this.allowedActions = Set.copyOf(b.allowedActions);
    this.dryRun = b.dryRun;
    this.actionTimeLimit = b.actionTimeLimit;
    this.cpuStatFile = b.cpuStatFile;
    this.cpuStatSet = b.cpuStatSet;
    this.capturer = b.capturer;
  }

  /** A builder with every setting at its default. */
  public static Builder builder() {
    return new Builder();
  }

  /** The settings all at their defaults: incidents, no evidence bundles. */
  public static ForensicsConfig defaults() {
    return builder().build();
  }

  /** The source of time. */
  public Clock clock() {
    return clock;
  }

  /** Longest time from an incident's first symptom to its publication. */
  public Duration openWithin() {
    return openWithin;
  }

  /** How soon after an incident's last episode ended a new episode still joins it. */
  public Duration joinWithin() {
    return joinWithin;
  }

  /** Least time between two evidence passes (per-thread CPU and allocation, locks, cgroup). */
  public Duration evidenceInterval() {
    return evidenceInterval;
  }

  /** Most threads whose CPU time and allocation one evidence pass reads. */
  public int maxThreadReads() {
    return maxThreadReads;
  }

  /** How many recent signals are kept for an evidence bundle. */
  public int recentSignals() {
    return recentSignals;
  }

  /** Where evidence bundles go, or null: none captured. */
  public @Nullable Path evidenceDir() {
    return evidenceDir;
  }

  /** The incident severity at which evidence is captured. */
  public Severity captureAt() {
    return captureAt;
  }

  /** Least time between two captures. */
  public Duration evidenceCooldown() {
    return evidenceCooldown;
  }

  /** Most bytes all bundles may take together (oldest removed first). */
  public long evidenceDiskBudget() {
    return evidenceDiskBudget;
  }

  /** No capture while the evidence directory's file system has less free than this, bytes. */
  public long freeSpaceFloor() {
    return freeSpaceFloor;
  }

  /** Whether an in-memory JFR recording is kept for the bundles. */
  public boolean jfr() {
    return jfr;
  }

  /** How far back the in-memory JFR recording reaches. */
  public Duration jfrMaxAge() {
    return jfrMaxAge;
  }

  /** Most bytes the in-memory JFR recording keeps. */
  public long jfrMaxSize() {
    return jfrMaxSize;
  }

  /**
   * The names of the actions allowed to run; empty: every registered action (the default).
   */
  public Set<String> allowedActions() {
    return allowedActions;
  }

  /** Whether actions are only recorded ({@code dryRun}), not run. */
  public boolean dryRun() {
    return dryRun;
  }

  /** Longest time one action may run before it is interrupted and recorded as a failure. */
  public Duration actionTimeLimit() {
    return actionTimeLimit;
  }

  /** The registered actions, in registration order. */
  List<ActionSpec> actions() {
    return actions;
  }

  /** The evidence settings, as {@link EvidenceCapture} takes them. */
  EvidenceSettings evidenceSettings() {
    return new EvidenceSettings(evidenceDir, evidenceCooldown, evidenceDiskBudget, freeSpaceFloor,
        jfr, jfrMaxAge, jfrMaxSize);
  }

  /** The cgroup {@code cpu.stat} to read: the one found in the usual places unless set. */
  @Nullable Path cpuStatFile() {
    return cpuStatSet ? cpuStatFile : CgroupCpu.locate();
  }

  /** A capturer of tests' own, replacing the real one. */
  Correlator.@Nullable Capturer capturer() {
    return capturer;
  }

  /** Builds a {@link ForensicsConfig}; not thread-safe. */
  public static final class Builder {
    private static final Duration MAX_OPEN = Duration.ofSeconds(2);
    private static final long MIB = 1024 * 1024;

    private Clock clock = Clock.system();
    private Duration openWithin = Duration.ofMillis(1500);
    private Duration joinWithin = Duration.ofSeconds(2);
    private Duration evidenceInterval = Duration.ofMillis(500);
    private int maxThreadReads = 256;
    private int recentSignals = 256;
    private @Nullable Path evidenceDir;
    private Severity captureAt = Severity.CRITICAL;
    private Duration evidenceCooldown = Duration.ofMinutes(5);
    private long evidenceDiskBudget = 512L << 20;
    private long freeSpaceFloor = 1L << 30;
    private boolean jfr = true;
    private Duration jfrMaxAge = Duration.ofMinutes(5);
    private long jfrMaxSize = 64L << 20;
    private final Map<String, ActionSpec> actions = new LinkedHashMap<>();
    private final Set<String> allowedActions = new LinkedHashSet<>();
    private boolean dryRun;
    private Duration actionTimeLimit = Duration.ofSeconds(30);
    private @Nullable Path cpuStatFile;
    private boolean cpuStatSet;
    private Correlator.@Nullable Capturer capturer;

    private Builder() {}

    /** The source of time (default {@link Clock#system()}; a manual clock for tests). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Longest time from an incident's first WARNING or CRITICAL symptom to its publication, in
     * (0, 2 s]; default 1.5 s. An incident whose origin structural evidence already names (a lock
     * owner, a key's burst, a GC pause) is published at half of it; otherwise the evidence passes
     * get the whole of it to find one.
     */
    public Builder openWithin(Duration openWithin) {
      this.openWithin = Settings.positive("openWithin", openWithin, MAX_OPEN);
      return this;
    }

    /**
     * How soon after all of an incident's episodes ended a new episode still joins it (and how
     * long the incident waits before it is resolved); positive, at most 1 h; default 2 s.
     */
    public Builder joinWithin(Duration joinWithin) {
      this.joinWithin = Settings.positive("joinWithin", joinWithin, Duration.ofHours(1));
      return this;
    }

    /**
     * Least time between two evidence passes while an incident is open, in [100 ms, 10 s];
     * default 500 ms. No pass runs while no incident is open.
     */
    public Builder evidenceInterval(Duration evidenceInterval) {
      this.evidenceInterval = Settings.within("evidenceInterval", evidenceInterval,
          Duration.ofMillis(100), Duration.ofSeconds(10));
      return this;
    }

    /**
     * Most threads whose CPU time and allocated bytes one evidence pass reads, in [1, 10 000];
     * default 256. With more threads than this, the hottest of the last pass are read first and
     * the others in turn.
     */
    public Builder maxThreadReads(int maxThreadReads) {
      this.maxThreadReads = Settings.within("maxThreadReads", maxThreadReads, 1, 10_000);
      return this;
    }

    /** How many recent signals are kept for an evidence bundle, in [1, 10 000]; default 256. */
    public Builder recentSignals(int recentSignals) {
      this.recentSignals = Settings.within("recentSignals", recentSignals, 1, 10_000);
      return this;
    }

    /** Where evidence bundles are written, {@code <dir>/<incident id>/}; default none. */
    public Builder evidenceDir(Path evidenceDir) {
      this.evidenceDir = Objects.requireNonNull(evidenceDir, "evidenceDir");
      return this;
    }

    /** The incident severity at which evidence is captured; WARNING or CRITICAL (default). */
    public Builder captureAt(Severity captureAt) {
      Objects.requireNonNull(captureAt, "captureAt");
      if (captureAt == Severity.INFO) {
        throw new IllegalArgumentException("captureAt must be WARNING or CRITICAL but was INFO");
      }
      this.captureAt = captureAt;
      return this;
    }

    /** Least time between two captures; positive; default 5 min. */
    public Builder evidenceCooldown(Duration evidenceCooldown) {
      this.evidenceCooldown = Settings.positive("evidenceCooldown", evidenceCooldown);
      return this;
    }

    /** Most bytes all bundles take together, oldest removed first; at least 1 MiB; default 512 MiB. */
    public Builder evidenceDiskBudget(long bytes) {
      if (bytes < MIB) {
        throw new IllegalArgumentException("evidenceDiskBudget must be at least 1 MiB but was " + bytes);
      }
      this.evidenceDiskBudget = bytes;
      return this;
    }

    /** No capture while less than this is free where bundles go, bytes; ≥ 0; default 1 GiB. */
    public Builder freeSpaceFloor(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("freeSpaceFloor must not be negative but was " + bytes);
      }
      this.freeSpaceFloor = bytes;
      return this;
    }

    /** Whether an in-memory JFR recording is kept for the bundles (default true). */
    public Builder jfr(boolean jfr) {
      this.jfr = jfr;
      return this;
    }

    /** How far back the JFR recording reaches; positive; default 5 min. */
    public Builder jfrMaxAge(Duration jfrMaxAge) {
      this.jfrMaxAge = Settings.positive("jfrMaxAge", jfrMaxAge);
      return this;
    }

    /** Most bytes the JFR recording keeps; at least 1 MiB; default 64 MiB. */
    public Builder jfrMaxSize(long bytes) {
      if (bytes < MIB) {
        throw new IllegalArgumentException("jfrMaxSize must be at least 1 MiB but was " + bytes);
      }
      this.jfrMaxSize = bytes;
      return this;
    }

    /**
     * Registers an action run when a signal of {@code argos:signal} or an incident matches {@code
     * condition}, under the guardrails: the allowlist ({@link #allowActions}), a backoff of 0 / 60
     * / 300 s per target then a 1 h cooldown, {@link #dryRun}. Each run, skip or suppression is
     * published on {@code argos:action}. Built-ins: {@link Actions}. The condition runs on Argos's
     * {@code argos-actions} thread; it must be quick (a condition that throws is recorded as a
     * failure of the action).
     *
     * @param name 1 to 64 letters, digits, {@code . _ -}; unique
     * @throws IllegalArgumentException when the name is malformed or already registered
     */
    public Builder action(String name, Predicate<Signal> condition, Action action) {
      ActionSpec spec = new ActionSpec(name, condition, action);
      if (actions.containsKey(name)) {
        throw new IllegalArgumentException("action \"" + name + "\" is registered already");
      }
      actions.put(name, spec);
      return this;
    }

    /**
     * Only actions of these names may run (others are recorded as skipped); default: every
     * registered action. Calls add up.
     */
    public Builder allowActions(String... names) {
      for (String n : names) {
        allowedActions.add(Objects.requireNonNull(n, "name"));
      }
      return this;
    }

    /** Record what the actions would have done ({@code result = "dryRun"}), run none (default false). */
    public Builder dryRun(boolean dryRun) {
      this.dryRun = dryRun;
      return this;
    }

    /** Longest run of one action before it is interrupted (a failure); positive; default 30 s. */
    public Builder actionTimeLimit(Duration limit) {
      this.actionTimeLimit = Settings.positive("actionTimeLimit", limit);
      return this;
    }

    /** Tests: the cgroup {@code cpu.stat} to read (null: none). */
    Builder cpuStatFile(@Nullable Path file) {
      this.cpuStatFile = file;
      this.cpuStatSet = true;
      return this;
    }

    /** Tests: a capturer replacing the real one. */
    Builder capturer(Correlator.Capturer capturer) {
      this.capturer = capturer;
      return this;
    }

    public ForensicsConfig build() {
      return new ForensicsConfig(this);
    }
  }
}
