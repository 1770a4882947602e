package dev.argos.agent;

import dev.argos.core.internal.Throwables;
import java.lang.instrument.Instrumentation;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The {@code -javaagent} entry point: Argos with no code change.
 *
 * <pre>{@code
 * java -javaagent:argos-agent.jar -jar app.jar
 * java -javaagent:argos-agent.jar=registry=argos-problems.jsonl,config=argos.properties -jar app.jar
 * java -javaagent:argos-agent.jar=live=7842 -jar app.jar
 * }</pre>
 *
 * <p>Options, comma-separated: {@code registry=PATH} (the JSONL problem registry), {@code
 * config=FILE} (a properties file of {@code argos.*} settings), {@code log=auto|stderr} (where the
 * log line of each signal goes: the application's SLF4J when it has one, else standard error),
 * {@code live=PORT} (the live page of {@code argos-live} on {@code http://127.0.0.1:PORT/}, 0 for
 * any free port; its address is in the start line). See {@code docs/zero-code.md}.
 *
 * <p>Guarantees: {@code premain} and {@code agentmain} return at once and never throw: Argos is
 * started on the daemon thread {@code argos-agent-start}. A bad option or setting is one WARN line
 * on standard error and is left out (its default applies); if Argos cannot start at all, that is
 * one ERROR line and the application runs without it; a live page that cannot start (its port
 * is taken) is one WARN line and Argos runs without the page. Started at most once per JVM; closed
 * by a shutdown hook ({@code argos-agent-shutdown}), which closes the page too. Its dependencies
 * (Jackson, HdrHistogram, SLF4J) are relocated under {@code dev.argos.agent.shaded}, so the
 * application's own versions of them are untouched.
 */
public final class ArgosAgent {
  private static final AtomicBoolean STARTED = new AtomicBoolean();
  private static volatile @Nullable AgentRuntime runtime;
  /** How long premain/agentmain took, in nanoseconds (for the start line). */
  private static volatile long launchNanos;

  private ArgosAgent() {}

  /**
   * Called by the JVM before {@code main} for {@code -javaagent}.
   *
   * @param args the text after {@code =} in {@code -javaagent:argos-agent.jar=...}, or null
   * @param instrumentation unused: Argos transforms no class
   */
  public static void premain(@Nullable String args, Instrumentation instrumentation) {
    launch(args, "premain");
  }

  /**
   * Called by the JVM when the agent is loaded into a running JVM (dynamic attach).
   *
   * @param args the agent's option string, or null
   * @param instrumentation unused: Argos transforms no class
   */
  public static void agentmain(@Nullable String args, Instrumentation instrumentation) {
    launch(args, "agentmain");
  }

  private static void launch(@Nullable String args, String how) {
    long t0 = System.nanoTime();
    try {
      if (!STARTED.compareAndSet(false, true)) {
        StderrLog.agent("WARN", "Argos is already started in this JVM; " + how + " ignored");
        return;
      }
      Thread starter =
          new Thread(() -> startNow(args, how), "argos-agent-start");
      starter.setDaemon(true);
      starter.start();
      launchNanos = System.nanoTime() - t0;
    } catch (Throwable t) { // never stop the application
      StderrLog.agent("ERROR", "Argos not started: " + Throwables.describe(t));
    }
  }

  private static void startNow(@Nullable String args, String how) {
    try {
      AgentOptions options = AgentOptions.parse(args);
      runtime = AgentRuntime.start(options, how, () -> launchNanos);
    } catch (Throwable t) {
      StderrLog.agent(
          "ERROR", "Argos not started, the application runs without it: " + Throwables.describe(t));
    }
  }

  /** The running agent, or null (before its start, or when it could not start); for tests. */
  static @Nullable AgentRuntime runtime() {
    return runtime;
  }
}
