package dev.argos.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The argos.* properties of the Spring Boot starter: every setting of Argos (DESIGN §3)
 * plus the web filter, health and endpoint. Defaults are those of the library; invalid values
 * are refused when the beans are built, with an {@link IllegalArgumentException} naming the
 * setting and the value (the application then does not start). The defaults written here are
 * the library's (a test checks they agree).
 */
@ConfigurationProperties(prefix = "argos")
public class ArgosProperties {
  /** Whether Argos is started at all; false creates none of its beans. */
  private boolean enabled = true;

  /** Interval between two samples of heap, GC, rates and descriptors (1 ms to 1 h). */
  private Duration sampleRate = Duration.ofMillis(100);

  /** Analysis window for growth, baselines and rates (at least sample-rate, at most 7 days). */
  private Duration windowSize = Duration.ofSeconds(60);

  /** When the built-in detectors fire. */
  private final ThresholdSettings thresholds = new ThresholdSettings();

  /** The bounded in-memory quarantine of client keys. */
  private final QuarantineSettings quarantine = new QuarantineSettings();

  /** Deduplication of repeated signals (same type, key and severity). */
  private final DedupSettings dedup = new DedupSettings();

  /** The agent's bus: queues, flood guard, close timeout. */
  private final AgentSettings agent = new AgentSettings();

  /** One log line per signal (SLF4J logger dev.argos.signals). */
  private final LogSettings log = new LogSettings();

  /** The JSONL problem registry (off unless a path is given). */
  private final RegistrySettings registry = new RegistrySettings();

  /** The request filter and the web server's executor. */
  private final WebSettings web = new WebSettings();

  /** The argos health contributor. */
  private final HealthSettings health = new HealthSettings();

  /** The argos Actuator endpoint. */
  private final EndpointSettings endpoint = new EndpointSettings();

  /** The Micrometer meters. */
  private final MetricsSettings metrics = new MetricsSettings();

  /** Whether Argos is started at all. */
  public boolean isEnabled() {
    return enabled;
  }

  /** Sets whether Argos is started at all. */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /** Interval between two samples. */
  public Duration getSampleRate() {
    return sampleRate;
  }

  /** Sets the interval between two samples. */
  public void setSampleRate(Duration sampleRate) {
    this.sampleRate = sampleRate;
  }

  /** Analysis window. */
  public Duration getWindowSize() {
    return windowSize;
  }

  /** Sets the analysis window. */
  public void setWindowSize(Duration windowSize) {
    this.windowSize = windowSize;
  }

  /** The detectors' thresholds. */
  public ThresholdSettings getThresholds() {
    return thresholds;
  }

  /** The quarantine settings. */
  public QuarantineSettings getQuarantine() {
    return quarantine;
  }

  /** The dedup settings. */
  public DedupSettings getDedup() {
    return dedup;
  }

  /** The agent settings. */
  public AgentSettings getAgent() {
    return agent;
  }

  /** The log settings. */
  public LogSettings getLog() {
    return log;
  }

  /** The registry settings. */
  public RegistrySettings getRegistry() {
    return registry;
  }

  /** The web settings. */
  public WebSettings getWeb() {
    return web;
  }

  /** The health settings. */
  public HealthSettings getHealth() {
    return health;
  }

  /** The endpoint settings. */
  public EndpointSettings getEndpoint() {
    return endpoint;
  }

  /** The metrics settings. */
  public MetricsSettings getMetrics() {
    return metrics;
  }

  /** argos.thresholds.*: when the built-in detectors fire. */
  public static class ThresholdSettings {
    /** A watched executor, or the JVM as a whole, late by more than this (1 ms to 1 h). */
    private Duration eventLoopLag = Duration.ofMillis(50);

    /** Live set after GC grew by this share within the window, in (0, 1]. */
    private double memoryGrowth = 0.20;

    /** Live set after GC above this share of the max heap, in (0, 1]. */
    private double heapUsageAfterGc = 0.90;

    /** GC pauses take more than this share of wall time over the window, in (0, 1]. */
    private double gcOverhead = 0.10;

    /** Short-window request rate over this multiple of the baseline is a burst (greater than 1). */
    private double burstMultiplier = 10;

    /** No overall burst below this rate, in requests per second (positive). */
    private double burstMinRate = 20;

    /**
     * No per-key burst below this rate for that key, in requests per second (positive). While the
     * baseline is still being learned, a key bursts only at 10 times this rate.
     */
    private double keyBurstMinRate = 10;

    /** Open descriptors over this share of the process limit, in (0, 1]. */
    private double fileHandleUsage = 0.90;

    /** Live threads over this share of the thread limit, in (0, 1]. */
    private double threadUsage = 0.90;

    /** Lag threshold. */
    public Duration getEventLoopLag() {
      return eventLoopLag;
    }

    /** Sets the lag threshold. */
    public void setEventLoopLag(Duration eventLoopLag) {
      this.eventLoopLag = eventLoopLag;
    }

    /** Live-set growth share. */
    public double getMemoryGrowth() {
      return memoryGrowth;
    }

    /** Sets the live-set growth share. */
    public void setMemoryGrowth(double memoryGrowth) {
      this.memoryGrowth = memoryGrowth;
    }

    /** Heap usage after GC share. */
    public double getHeapUsageAfterGc() {
      return heapUsageAfterGc;
    }

    /** Sets the heap usage after GC share. */
    public void setHeapUsageAfterGc(double heapUsageAfterGc) {
      this.heapUsageAfterGc = heapUsageAfterGc;
    }

    /** GC overhead share. */
    public double getGcOverhead() {
      return gcOverhead;
    }

    /** Sets the GC overhead share. */
    public void setGcOverhead(double gcOverhead) {
      this.gcOverhead = gcOverhead;
    }

    /** Burst multiplier. */
    public double getBurstMultiplier() {
      return burstMultiplier;
    }

    /** Sets the burst multiplier. */
    public void setBurstMultiplier(double burstMultiplier) {
      this.burstMultiplier = burstMultiplier;
    }

    /** Overall burst floor, requests per second. */
    public double getBurstMinRate() {
      return burstMinRate;
    }

    /** Sets the overall burst floor, requests per second. */
    public void setBurstMinRate(double burstMinRate) {
      this.burstMinRate = burstMinRate;
    }

    /** Per-key burst floor, requests per second. */
    public double getKeyBurstMinRate() {
      return keyBurstMinRate;
    }

    /** Sets the per-key burst floor, requests per second. */
    public void setKeyBurstMinRate(double keyBurstMinRate) {
      this.keyBurstMinRate = keyBurstMinRate;
    }

    /** File handle usage share. */
    public double getFileHandleUsage() {
      return fileHandleUsage;
    }

    /** Sets the file handle usage share. */
    public void setFileHandleUsage(double fileHandleUsage) {
      this.fileHandleUsage = fileHandleUsage;
    }

    /** Thread usage share. */
    public double getThreadUsage() {
      return threadUsage;
    }

    /** Sets the thread usage share. */
    public void setThreadUsage(double threadUsage) {
      this.threadUsage = threadUsage;
    }
  }

  /** argos.quarantine.*: the bounded in-memory quarantine. */
  public static class QuarantineSettings {
    /** Whether keys flagged by a per-key burst are quarantined. */
    private boolean enabled = true;

    /** Most keys quarantined at once; when full, the lowest severity, then the oldest, goes. */
    private int maxKeys = 10_000;

    /** Time-to-live of a first offence. */
    private Duration ttl = Duration.ofMinutes(5);

    /** Cap on a time-to-live doubled for a repeat offence. */
    private Duration maxTtl = Duration.ofHours(1);

    /** Keys never quarantined (exact match), e.g. health checkers or your own proxies. */
    private List<String> allow = new ArrayList<>();

    /** Whether the quarantine is on. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Sets whether the quarantine is on. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** Most keys. */
    public int getMaxKeys() {
      return maxKeys;
    }

    /** Sets the most keys. */
    public void setMaxKeys(int maxKeys) {
      this.maxKeys = maxKeys;
    }

    /** First-offence TTL. */
    public Duration getTtl() {
      return ttl;
    }

    /** Sets the first-offence TTL. */
    public void setTtl(Duration ttl) {
      this.ttl = ttl;
    }

    /** Cap on a doubled TTL. */
    public Duration getMaxTtl() {
      return maxTtl;
    }

    /** Sets the cap on a doubled TTL. */
    public void setMaxTtl(Duration maxTtl) {
      this.maxTtl = maxTtl;
    }

    /** Keys never quarantined. */
    public List<String> getAllow() {
      return allow;
    }

    /** Sets the keys never quarantined. */
    public void setAllow(List<String> allow) {
      this.allow = allow;
    }
  }

  /** argos.dedup.*: identical signals within the window are counted, not re-delivered. */
  public static class DedupSettings {
    /** Whether repeated signals are deduplicated. */
    private boolean enabled = true;

    /** Window within which identical signals are counted rather than delivered again. */
    private Duration window = Duration.ofSeconds(60);

    /** Consecutive repeats after which a signal's severity steps up one level. */
    private int escalateAfter = 3;

    /** Whether dedup is on. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Sets whether dedup is on. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** Dedup window. */
    public Duration getWindow() {
      return window;
    }

    /** Sets the dedup window. */
    public void setWindow(Duration window) {
      this.window = window;
    }

    /** Repeats before escalation. */
    public int getEscalateAfter() {
      return escalateAfter;
    }

    /** Sets the repeats before escalation. */
    public void setEscalateAfter(int escalateAfter) {
      this.escalateAfter = escalateAfter;
    }
  }

  /** argos.agent.*: the agent's bus. */
  public static class AgentSettings {
    /** Capacity of the agent's signal queue; overflow is dropped and counted, never blocks. */
    private int signalQueueCapacity = 1024;

    /** Capacity of each listener's queue. */
    private int listenerQueueCapacity = 1024;

    /** Signals of one type beyond this many per minute are dropped and counted on argos:error. */
    private int floodLimitPerMinute = 5000;

    /** How long closing the agent may wait for listeners and observers. */
    private Duration closeTimeout = Duration.ofMillis(500);

    /** Signal queue capacity. */
    public int getSignalQueueCapacity() {
      return signalQueueCapacity;
    }

    /** Sets the signal queue capacity. */
    public void setSignalQueueCapacity(int signalQueueCapacity) {
      this.signalQueueCapacity = signalQueueCapacity;
    }

    /** Listener queue capacity. */
    public int getListenerQueueCapacity() {
      return listenerQueueCapacity;
    }

    /** Sets the listener queue capacity. */
    public void setListenerQueueCapacity(int listenerQueueCapacity) {
      this.listenerQueueCapacity = listenerQueueCapacity;
    }

    /** Flood limit per type per minute. */
    public int getFloodLimitPerMinute() {
      return floodLimitPerMinute;
    }

    /** Sets the flood limit per type per minute. */
    public void setFloodLimitPerMinute(int floodLimitPerMinute) {
      this.floodLimitPerMinute = floodLimitPerMinute;
    }

    /** Close timeout. */
    public Duration getCloseTimeout() {
      return closeTimeout;
    }

    /** Sets the close timeout. */
    public void setCloseTimeout(Duration closeTimeout) {
      this.closeTimeout = closeTimeout;
    }
  }

  /** argos.log.*: a log line per signal. */
  public static class LogSettings {
    /** Whether each signal is logged (neutralised) on the logger dev.argos.signals. */
    private boolean enabled = true;

    /** Whether signals are logged. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Sets whether signals are logged. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** argos.registry.*: the JSONL problem registry. */
  public static class RegistrySettings {
    /** File of the JSONL problem registry (rotated at 10 MiB); none when unset. */
    private @Nullable Path path;

    /** Registry file, or null. */
    public @Nullable Path getPath() {
      return path;
    }

    /** Sets the registry file. */
    public void setPath(@Nullable Path path) {
      this.path = path;
    }
  }

  /** Which hop of a multi-valued header such as X-Forwarded-For names the client. */
  public enum Hop {
    /**
     * The first (left-most) address: the original client as the first proxy was told it; the
     * client can write anything there unless your edge proxy overwrites the header.
     */
    FIRST,
    /**
     * The last (right-most) address: the one your trusted proxy appended, i.e. the peer it saw;
     * cannot be forged by the client when exactly one trusted proxy appends.
     */
    LAST
  }

  /** argos.web.*: the request filter and the web server's executor. */
  public static class WebSettings {
    /** Whether each request is recorded by client key and a quarantined key refused. */
    private boolean enabled = true;

    /**
     * Header naming the client (e.g. X-Forwarded-For); only set this when a proxy you trust
     * writes it. Unset: the remote address of the connection is the key.
     */
    private @Nullable String clientKeyHeader;

    /** Which hop of a comma-separated client-key header is the key. */
    private Hop clientKeyHop = Hop.LAST;

    /** Most characters of the client-key header read (the hop is cut out of them). */
    private int maxHeaderLength = 1024;

    /** Whether a quarantined key gets 429 Too Many Requests (else it is only recorded). */
    private boolean rejectQuarantined = true;

    /** Order of the servlet filter / WebFlux filter: before Spring Security (-100) by default. */
    private int filterOrder = -110;

    /** Whether the web server's request executor (Tomcat, Jetty) is watched for lag. */
    private boolean watchExecutor = true;

    /** Whether the filter is on. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Sets whether the filter is on. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** Trusted client-key header, or null. */
    public @Nullable String getClientKeyHeader() {
      return clientKeyHeader;
    }

    /** Sets the trusted client-key header. */
    public void setClientKeyHeader(@Nullable String clientKeyHeader) {
      this.clientKeyHeader = clientKeyHeader;
    }

    /** Hop of the header. */
    public Hop getClientKeyHop() {
      return clientKeyHop;
    }

    /** Sets the hop of the header. */
    public void setClientKeyHop(Hop clientKeyHop) {
      this.clientKeyHop = clientKeyHop;
    }

    /** Most header characters read. */
    public int getMaxHeaderLength() {
      return maxHeaderLength;
    }

    /** Sets the most header characters read. */
    public void setMaxHeaderLength(int maxHeaderLength) {
      this.maxHeaderLength = maxHeaderLength;
    }

    /** Whether a quarantined key is refused. */
    public boolean isRejectQuarantined() {
      return rejectQuarantined;
    }

    /** Sets whether a quarantined key is refused. */
    public void setRejectQuarantined(boolean rejectQuarantined) {
      this.rejectQuarantined = rejectQuarantined;
    }

    /** Filter order. */
    public int getFilterOrder() {
      return filterOrder;
    }

    /** Sets the filter order. */
    public void setFilterOrder(int filterOrder) {
      this.filterOrder = filterOrder;
    }

    /** Whether the server executor is watched. */
    public boolean isWatchExecutor() {
      return watchExecutor;
    }

    /** Sets whether the server executor is watched. */
    public void setWatchExecutor(boolean watchExecutor) {
      this.watchExecutor = watchExecutor;
    }
  }

  /** argos.health.*: the argos health contributor. */
  public static class HealthSettings {
    /**
     * Whether an open CRITICAL episode makes the contributor DOWN. Off by default: an orchestrator
     * should not restart a JVM for a GC pause.
     */
    private boolean downOnCritical = false;

    /** Whether a critical episode is DOWN. */
    public boolean isDownOnCritical() {
      return downOnCritical;
    }

    /** Sets whether a critical episode is DOWN. */
    public void setDownOnCritical(boolean downOnCritical) {
      this.downOnCritical = downOnCritical;
    }
  }

  /** argos.endpoint.*: the argos Actuator endpoint. */
  public static class EndpointSettings {
    /** Most recent signals kept and shown (newest first), 1 to 10 000. */
    private int recentSignals = 100;

    /** Signals older than this are forgotten. */
    private Duration recentMaxAge = Duration.ofMinutes(10);

    /** Most open episodes tracked (and shown); beyond it the oldest is forgotten. */
    private int maxOpenEpisodes = 256;

    /** Recent signals kept. */
    public int getRecentSignals() {
      return recentSignals;
    }

    /** Sets the recent signals kept. */
    public void setRecentSignals(int recentSignals) {
      this.recentSignals = recentSignals;
    }

    /** Age limit of recent signals. */
    public Duration getRecentMaxAge() {
      return recentMaxAge;
    }

    /** Sets the age limit of recent signals. */
    public void setRecentMaxAge(Duration recentMaxAge) {
      this.recentMaxAge = recentMaxAge;
    }

    /** Most open episodes tracked. */
    public int getMaxOpenEpisodes() {
      return maxOpenEpisodes;
    }

    /** Sets the most open episodes tracked. */
    public void setMaxOpenEpisodes(int maxOpenEpisodes) {
      this.maxOpenEpisodes = maxOpenEpisodes;
    }
  }

  /** argos.metrics.*: Micrometer. */
  public static class MetricsSettings {
    /** Whether Argos's meters are bound when a MeterRegistry bean exists. */
    private boolean enabled = true;

    /** Whether the meters are bound. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Sets whether the meters are bound. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }
}
