package dev.argos.agent;

import dev.argos.core.Agent;
import dev.argos.core.internal.JfrSignals;
import dev.argos.core.internal.Throwables;
import dev.argos.live.LivePage;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosConfig;
import dev.argos.signals.ProblemRegistry;
import dev.argos.signals.Slf4jSink;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One started agent: Argos (JVM stalls, heap, GC, resources) inside an {@link Agent}, a log line
 * per signal, the registry and the live page when asked, closed by a shutdown hook.
 */
final class AgentRuntime {
  private final Agent agent;
  private final @Nullable ProblemRegistry registry;
  private final @Nullable LivePage live;

  private AgentRuntime(Agent agent, @Nullable ProblemRegistry registry, @Nullable LivePage live) {
    this.agent = agent;
    this.registry = registry;
    this.live = live;
  }

  /**
   * Starts the live page on 127.0.0.1:{@code port} (0: any free port); it closes with the agent
   * ({@link LivePage#start()} registers it). A page that cannot start (the port is taken) is one
   * WARN line and no page: Argos and the application go on.
   */
  private static @Nullable LivePage startLivePage(Agent agent, Argos argos, int port) {
    try {
      return LivePage.builder().agent(agent).argos(argos).port(port).build().start();
    } catch (RuntimeException e) {
      Throwable cause = e.getCause();
      StderrLog.agent(
          "WARN",
          "live="
              + port
              + ": the live page could not start ("
              + Throwables.describe(e)
              + (cause == null ? "" : "; " + Throwables.describe(cause))
              + "); Argos runs without it");
      return null;
    }
  }

  /**
   * Starts Argos from the options (run on the agent's start thread, never on the application's).
   * Every problem with the options or the settings is one WARN line; Argos starts anyway with the
   * defaults for what was left out. Throws only if Argos itself cannot start.
   */
  static AgentRuntime start(AgentOptions options, String how, LongSupplier launchNanos) {
    LogOutput.startingOn(Thread.currentThread());
    try {
      return startNow(options, how, launchNanos);
    } finally {
      LogOutput.startingOn(null);
    }
  }

  private static AgentRuntime startNow(
      AgentOptions options, String how, LongSupplier launchNanos) {
    long t0 = System.nanoTime();
    LogOutput.stderrOnly(options.stderrOnly());
    for (String problem : options.problems()) {
      StderrLog.agent("WARN", problem);
    }
    Path configFile = options.config();
    AgentSettings settings =
        configFile == null ? AgentSettings.defaults() : AgentSettings.read(configFile);
    for (String problem : settings.problems()) {
      StderrLog.agent("WARN", problem);
    }
    AgentSettings.Builders b = settings.builders();

    List<String> where = new ArrayList<>();
    where.add(options.stderrOnly() ? "log=stderr" : "log=auto");
    ProblemRegistry registry = null;
    Path registryPath = options.registry();
    if (registryPath != null) {
      try {
        ProblemRegistry.Builder rb = ProblemRegistry.builder(registryPath);
        String app = b.app;
        if (app != null) {
          rb.app(app);
        }
        registry = rb.open();
        where.add("registry=" + registryPath);
      } catch (RuntimeException e) {
        StderrLog.agent(
            "WARN",
            "registry="
                + registryPath
                + " could not be opened: "
                + Throwables.describe(e)
                + "; no registry");
      }
    }
    // listeners bound through onAnomaly: subscribed before the first sample is taken
    b.argos.onAnomaly(Slf4jSink.create());
    if (registry != null) {
      b.argos.onAnomaly(registry);
    }
    ArgosConfig config = b.argos.thresholds(b.thresholds.build()).build();
    Argos argos = Argos.createArgos(config);
    Agent agent;
    try {
      agent = Agent.createAgent(b.agent.observer(argos).filter(b.dedup.build()).build());
    } catch (RuntimeException | Error e) {
      if (registry != null) {
        registry.close();
      }
      throw e;
    }
    if (registry != null) {
      agent.closeWith(registry);
    }
    LivePage live = null;
    Integer port = options.live();
    if (port != null) {
      live = startLivePage(agent, argos, port);
      if (live != null) {
        where.add("live=" + live.uri());
      }
    }
    AgentRuntime runtime = new AgentRuntime(agent, registry, live);
    Thread hook = new Thread(runtime::close, "argos-agent-shutdown");
    try {
      Runtime.getRuntime().addShutdownHook(hook);
    } catch (IllegalStateException e) { // the JVM is already shutting down: stop again at once
      runtime.close();
      throw e;
    }
    StderrLog.agent(
        "INFO",
        String.format(
            Locale.ROOT,
            "Argos started (JVM stalls over %d ms, heap, GC, threads, file handles; %s;"
                + " JFR event %s %s; settings %s); %s took %.2f ms, start %d ms",
            config.thresholds().eventLoopLag().toMillis(),
            String.join(", ", where),
            JfrSignals.EVENT_NAME,
            JfrSignals.isAvailable() ? "when recording" : "unavailable",
            settings.values().isEmpty() ? "defaults" : settings.values().toString(),
            how,
            launchNanos.getAsLong() / 1e6,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)));
    return runtime;
  }

  /** Closes the agent (and with it Argos and the registry); idempotent, bounded. */
  void close() {
    agent.close();
  }

  Agent agent() {
    return agent;
  }

  @Nullable ProblemRegistry registry() {
    return registry;
  }

  /** The live page ({@code live=PORT}), or null when not asked for or not started. */
  @Nullable LivePage live() {
    return live;
  }
}
