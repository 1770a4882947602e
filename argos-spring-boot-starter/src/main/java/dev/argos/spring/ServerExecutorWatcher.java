package dev.argos.spring;

import dev.argos.core.Subscription;
import dev.argos.core.internal.SafeText;
import dev.argos.core.internal.Throwables;
import dev.argos.observers.Argos;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.boot.web.server.WebServer;
import org.springframework.context.ApplicationListener;
import org.springframework.util.ClassUtils;

/**
 * Watches the request executor of each web server once it has started ({@link
 * WebServerInitializedEvent}, also for a separate management server): Tomcat's connector
 * executor (servlet and reactive) under the name {@code tomcat}, Jetty's thread pool under
 * {@code jetty} (the server namespace appended, e.g. {@code tomcat-management}). Reactor Netty
 * and Undertow do not expose their executor through Spring Boot's {@link WebServer}: they are
 * not watched (the JVM-wide stall detector still covers them). Never fails the application: a
 * server whose executor cannot be found is logged once at INFO.
 */
final class ServerExecutorWatcher implements ApplicationListener<WebServerInitializedEvent>,
    AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerExecutorWatcher.class);
  private static final boolean TOMCAT =
      present("org.springframework.boot.web.embedded.tomcat.TomcatWebServer")
          && present("org.apache.catalina.startup.Tomcat");
  private static final boolean JETTY =
      present("org.springframework.boot.web.embedded.jetty.JettyWebServer")
          && present("org.eclipse.jetty.server.Server");

  private final Argos argos;
  private final List<Subscription> watches = new ArrayList<>();
  private final Map<String, String> watched = new TreeMap<>();
  private boolean closed;

  ServerExecutorWatcher(Argos argos) {
    this.argos = argos;
  }

  private static boolean present(String name) {
    return ClassUtils.isPresent(name, ServerExecutorWatcher.class.getClassLoader());
  }

  @Override
  public void onApplicationEvent(WebServerInitializedEvent event) {
    try {
      String namespace = event.getApplicationContext().getServerNamespace();
      WebServer server = event.getWebServer();
      Executor executor = null;
      Executor shown = null;
      String kind = null;
      if (TOMCAT && TomcatExecutors.isTomcat(server)) {
        executor = TomcatExecutors.tomcat(server);
        shown = executor;
        kind = "tomcat";
      } else if (JETTY && JettyExecutors.isJetty(server)) {
        shown = JettyExecutors.jetty(server);
        executor = shown == null ? null : JettyExecutors.watchable(shown);
        kind = "jetty";
      }
      if (executor == null || shown == null || kind == null) {
        log.info(
            "argos: the executor of {} is not watched (supported: Tomcat, Jetty)",
            SafeText.neutralise(server.getClass().getName(), 128));
        return;
      }
      String name = namespace == null || namespace.isEmpty() ? kind : kind + "-" + namespace;
      watch(name, executor, shown.getClass().getName());
    } catch (RuntimeException | LinkageError failed) {
      log.warn("argos: could not watch the web server's executor: {}", Throwables.describe(failed));
    }
  }

  private synchronized void watch(String name, Executor executor, String className) {
    if (closed || watched.containsKey(name)) {
      return;
    }
    watches.add(argos.watch(name, executor));
    watched.put(name, className);
  }

  /** The names watched and the class of each executor. */
  synchronized Map<String, String> watched() {
    return Map.copyOf(watched);
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (Subscription s : watches) {
      try {
        s.close();
      } catch (RuntimeException ignored) { // never stop a context close
      }
    }
    watches.clear();
    watched.clear();
  }

  /** Tomcat's look-ups, in a class loaded only when Tomcat is present. */
  private static final class TomcatExecutors {
    private TomcatExecutors() {}

    static boolean isTomcat(WebServer server) {
      return server instanceof org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
    }

    static @Nullable Executor tomcat(WebServer server) {
      org.apache.catalina.connector.Connector c =
          ((org.springframework.boot.web.embedded.tomcat.TomcatWebServer) server)
              .getTomcat()
              .getConnector();
      return c == null ? null : c.getProtocolHandler().getExecutor();
    }

  }

  /** Jetty's look-ups, in a class loaded only when Jetty is present. */
  private static final class JettyExecutors {
    private JettyExecutors() {}

    static boolean isJetty(WebServer server) {
      return server instanceof org.springframework.boot.web.embedded.jetty.JettyWebServer;
    }

    static @Nullable Executor jetty(WebServer server) {
      return ((org.springframework.boot.web.embedded.jetty.JettyWebServer) server)
          .getServer()
          .getThreadPool();
    }

    /**
     * Jetty's pool as Argos watches it. The pool is no ExecutorService and refuses work both once
     * stopped and when its bounded queue is full ({@code server.jetty.threads.max-queue-capacity}):
     * watched as a plain Executor, the first full queue would end the watch, in the very overload
     * it is for. As an ExecutorService that is shut down only once the pool no longer runs, a full
     * queue is saturation (lagging, its probe retried) and a stop ends the watch.
     */
    static Executor watchable(Executor pool) {
      return pool instanceof org.eclipse.jetty.util.component.LifeCycle life
          ? new JettyPool(pool, life)
          : pool;
    }

    /** See {@link #watchable}; never stops Jetty's pool (its server does). */
    private static final class JettyPool extends AbstractExecutorService {
      private final Executor pool;
      private final org.eclipse.jetty.util.component.LifeCycle life;

      JettyPool(Executor pool, org.eclipse.jetty.util.component.LifeCycle life) {
        this.pool = pool;
        this.life = life;
      }

      @Override
      public void execute(Runnable task) {
        pool.execute(task);
      }

      @Override
      public boolean isShutdown() {
        return !life.isRunning();
      }

      @Override
      public boolean isTerminated() {
        return life.isStopped() || life.isFailed();
      }

      @Override
      public void shutdown() {
        throw new UnsupportedOperationException("Jetty's pool stops with its server");
      }

      @Override
      public List<Runnable> shutdownNow() {
        throw new UnsupportedOperationException("Jetty's pool stops with its server");
      }

      @Override
      public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
      }

      @Override
      public String toString() {
        return "Jetty " + pool.getClass().getSimpleName();
      }
    }
  }
}
