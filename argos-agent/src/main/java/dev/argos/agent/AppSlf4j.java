package dev.argos.agent;

import java.lang.reflect.Method;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.event.Level;

/**
 * The application's own SLF4J (1.7 or 2.x), reached reflectively through the system class loader,
 * so that the agent's relocated copy never links against it. Found only when the application has
 * {@code slf4j-api} on the class path and a provider (binding) that is not the no-operation one.
 */
final class AppSlf4j {
  private static final int MAX_LOGGERS = 1024;
  private final Method getLogger;
  private final Map<Level, Method> isEnabled = new EnumMap<>(Level.class);
  private final Map<Level, Method> log = new EnumMap<>(Level.class);
  private final String factoryName;
  private final ConcurrentMap<String, Object> loggers = new ConcurrentHashMap<>();

  private AppSlf4j(Class<?> loggerFactory, Class<?> logger, String factoryName)
      throws NoSuchMethodException {
    this.getLogger = loggerFactory.getMethod("getLogger", String.class);
    for (Level level : Level.values()) {
      String n = level.name().toLowerCase(Locale.ROOT);
      String cap = Character.toUpperCase(n.charAt(0)) + n.substring(1);
      isEnabled.put(level, logger.getMethod("is" + cap + "Enabled"));
      log.put(level, logger.getMethod(n, String.class));
    }
    this.factoryName = factoryName;
  }

  /**
   * The application's SLF4J, or null when it has none, only the no-operation one, or when the
   * name resolves to the agent's own copy (an unshaded build).
   */
  static @Nullable AppSlf4j find() {
    try {
      ClassLoader system = ClassLoader.getSystemClassLoader();
      // built at run time: the shade plugin relocates string constants that name org.slf4j
      String pkg = String.join(".", "org", "slf4j");
      Class<?> factory = Class.forName(pkg + ".LoggerFactory", true, system);
      Class<?> logger = Class.forName(pkg + ".Logger", false, system);
      Object loggerFactory = factory.getMethod("getILoggerFactory").invoke(null);
      if (loggerFactory == null
          || loggerFactory instanceof BridgeLoggerFactory
          || loggerFactory.getClass().getName().endsWith(".NOPLoggerFactory")) {
        return null;
      }
      return new AppSlf4j(factory, logger, loggerFactory.getClass().getName());
    } catch (Throwable t) { // no SLF4J, or one we cannot use: standard error then
      return null;
    }
  }

  /** The application's logger factory class, for the agent's start line. */
  String describe() {
    return factoryName;
  }

  private @Nullable Object logger(String name) throws ReflectiveOperationException {
    Object l = loggers.get(name);
    if (l == null) {
      l = getLogger.invoke(null, name);
      if (l != null && loggers.size() < MAX_LOGGERS) {
        loggers.putIfAbsent(name, l);
      }
    }
    return l;
  }

  boolean isEnabled(String name, Level level) {
    try {
      Object l = logger(name);
      Method m = isEnabled.get(level);
      return l != null && m != null && Boolean.TRUE.equals(m.invoke(l));
    } catch (Throwable t) {
      return false;
    }
  }

  /** Logs {@code text}; false when the application's logger could not be called. */
  boolean log(String name, Level level, String text) {
    try {
      Object l = logger(name);
      Method m = log.get(level);
      if (l == null || m == null) {
        return false;
      }
      m.invoke(l, text);
      return true;
    } catch (Throwable t) {
      return false;
    }
  }
}
