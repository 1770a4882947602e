package dev.argos.agent;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J provider of the agent's own (relocated) copy of SLF4J: every line Argos logs (each
 * signal through {@code Slf4jSink}, Argos's faults, the registry's warnings) goes to the
 * application's SLF4J when the application has a working one on the system class path, else one
 * line to standard error ({@link LogOutput}). Public only because {@link java.util.ServiceLoader}
 * instantiates it; not API.
 *
 * <p>In the shaded jar this class implements {@code
 * dev.argos.agent.shaded.slf4j.spi.SLF4JServiceProvider}: it never meets the application's SLF4J
 * classes, and the application's SLF4J never finds it.
 */
public final class AgentSlf4jProvider implements SLF4JServiceProvider {
  private final ILoggerFactory loggers = new BridgeLoggerFactory();
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();

  /** Called by {@link java.util.ServiceLoader}. */
  public AgentSlf4jProvider() {}

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {}
}
