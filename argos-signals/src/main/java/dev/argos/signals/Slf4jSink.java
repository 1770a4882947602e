package dev.argos.signals;

import dev.argos.core.Signal;
import dev.argos.core.SignalListener;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SignalListener} that logs one line per signal through SLF4J, at a level that
 * follows the severity: {@code INFO} → info, {@code WARNING} → warn, {@code CRITICAL} → error.
 * The line is {@link Signal#toString()}: control characters escaped and long values cut, so
 * untrusted keys and messages cannot forge log lines.
 *
 * <pre>{@code
 * agent.on(Agent.TOPIC_SIGNAL, Slf4jSink.create());
 * agent.on(Agent.TOPIC_QUARANTINE, Slf4jSink.create());
 * }</pre>
 *
 * <p>Never throws: a failing logger is ignored.
 */
public final class Slf4jSink implements SignalListener {
  /** The default logger name. */
  public static final String DEFAULT_LOGGER = "dev.argos.signals";

  private final Logger logger;

  private Slf4jSink(Logger logger) {
    this.logger = logger;
  }

  /** Logs to the logger {@value #DEFAULT_LOGGER}. */
  public static Slf4jSink create() {
    return create(LoggerFactory.getLogger(DEFAULT_LOGGER));
  }

  /** Logs to the logger named {@code loggerName}. */
  public static Slf4jSink create(String loggerName) {
    return create(LoggerFactory.getLogger(Objects.requireNonNull(loggerName, "loggerName")));
  }

  /** Logs to {@code logger}. */
  public static Slf4jSink create(Logger logger) {
    return new Slf4jSink(Objects.requireNonNull(logger, "logger"));
  }

  @Override
  public void onSignal(@Nullable Signal signal) {
    if (signal == null) {
      return;
    }
    try {
      switch (signal.severity()) {
        case CRITICAL -> {
          if (logger.isErrorEnabled()) {
            logger.error("{}", signal);
          }
        }
        case WARNING -> {
          if (logger.isWarnEnabled()) {
            logger.warn("{}", signal);
          }
        }
        default -> {
          if (logger.isInfoEnabled()) {
            logger.info("{}", signal);
          }
        }
      }
    } catch (Throwable ignored) {
      // a failing logger must not reach the bus or the application
    }
  }

  @Override
  public String toString() {
    return "Slf4jSink[" + logger.getName() + "]";
  }
}
