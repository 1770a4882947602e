package dev.argos.agent;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;

/** One {@link BridgeLogger} per name (Argos's loggers: a few dozen class names at most). */
final class BridgeLoggerFactory implements ILoggerFactory {
  private static final int MAX_LOGGERS = 1024;
  private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

  @Override
  public Logger getLogger(String name) {
    Logger known = loggers.get(name);
    if (known != null) {
      return known;
    }
    BridgeLogger fresh = new BridgeLogger(name);
    if (loggers.size() >= MAX_LOGGERS) {
      return fresh; // bounded: beyond that, loggers are not cached
    }
    Logger raced = loggers.putIfAbsent(name, fresh);
    return raced != null ? raced : fresh;
  }
}
