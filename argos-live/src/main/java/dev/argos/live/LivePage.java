package dev.argos.live;

import com.sun.net.httpserver.HttpServer;
import dev.argos.core.Agent;
import dev.argos.core.Subscription;
import dev.argos.core.internal.Settings;
import dev.argos.core.internal.Throwables;
import dev.argos.observers.Argos;
import dev.argos.observers.ArgosSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * Threads: the JDK HttpServer's dispatcher (named by the JDK "HTTP-Dispatcher"), a bounded pool
 * of workers "argos-live-http-<n>" (maxClients + 2 threads, 64 queued requests, beyond that a
 * connection is closed unanswered), and one "argos-live-sampler" thread that samples
 * Argos.snapshot() into the sparkline ring and runs the Watchdog (every 250 ms). The agent's
 * own listener threads feed LiveState; they never block on a client.
 *
 * Bounds: each event-stream client holds one worker thread (that is what the HttpServer's
 * blocking streams allow) and a queue of at most 512 frames / 512 KiB; overflowing it drops
 * the client at once. Every read of a request and every write to a client has a deadline
 * (writeTimeout): past it the Watchdog interrupts the worker, which closes the connection.
 * So a client that never reads costs at most its queue, and a thread for at most writeTimeout.
 *
 * close(): stops the streams, the server (stop(0): no grace period) and both thread groups,
 * each join bounded, so that it fits within an agent's close timeout when the agent closes it.
 */

/**
 * The live page: an embedded HTTP server (the JDK's {@code com.sun.net.httpserver}, no framework)
 * that shows what Argos sees now, in a browser.
 *
 * <pre>{@code
 * LivePage page = LivePage.builder().agent(agent).argos(argos).port(7842).build().start();
 * System.out.println("Argos live page: " + page.uri());
 * }</pre>
 *
 * <p>The page ({@code GET /}, one HTML document, script and style inline, no network) shows the
 * current figures with sparklines of the last minutes (JVM lag p99, live set, GC time, request
 * rate, open descriptors, sampled from {@link Argos#snapshot()} every {@code sampleInterval}),
 * the open episodes, recent signals, incidents and quarantine changes as they happen, and the
 * quarantined keys (with a release button only when {@link Builder#allowRelease(boolean)}).
 * {@code GET /api/snapshot} answers the same state as JSON; {@code GET /api/events} streams it
 * as server-sent events (a {@code snapshot} event first, then {@code signal}, {@code incident},
 * {@code quarantine} and {@code figures} events); {@code POST /api/release?key=K} releases a
 * key when enabled (403 otherwise). See {@code docs/live.md}.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>Bound to the loopback address (127.0.0.1) unless {@link Builder#bindAddress} says
 *       otherwise; on loopback, requests whose {@code Host} is not a loopback name are refused
 *       (403), against DNS rebinding.
 *   <li>With an {@linkplain Builder#accessToken access token}, every request must carry it, as
 *       {@code Authorization: Bearer <token>} or {@code ?token=<token>} (compared in constant
 *       time); 401 otherwise.
 *   <li>Bounded: at most {@code maxClients} event streams (8 by default; more get 503), each with
 *       a queue of at most 512 events or 512 KiB (a client that falls behind is dropped), every
 *       read and write with a deadline of {@code writeTimeout} (5 s by default); a fixed pool of
 *       {@code maxClients + 2} worker threads; the page keeps the last 100 signals, 50
 *       incidents, 256 open episodes, 500 quarantined keys and one sparkline ring.
 *   <li>Nothing from a key, message or figure name can inject markup: the JSON escapes {@code
 *       < > & '}, and the page inserts every value as text.
 *   <li>Never harms the host: listener work is a few map updates; a failure of the page is
 *       logged, never thrown into the agent or the application.
 *   <li>{@link #close()} is idempotent, takes well under a second, frees the port and leaves no
 *       thread of the page running. {@link #start()} registers the page with {@link
 *       Agent#closeWith(AutoCloseable)}, so it also closes with the agent.
 * </ul>
 */
public final class LivePage implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LivePage.class);
  private static final long WATCHDOG_NANOS = 250_000_000L;
  private static final long JOIN_MILLIS = 1_000;

  private final Agent agent;
  private final @Nullable Argos argos;
  private final InetAddress bindAddress;
  private final int port;
  private final @Nullable String accessToken;
  private final boolean allowRelease;
  private final int maxClients;
  private final Duration sampleInterval;
  private final Duration history;
  private final Duration writeTimeout;
  private final long clientQueueBytes;

  private final Object lifecycle = new Object();
  private volatile @Nullable Running running;
  private boolean started;
  private boolean closed;

  private LivePage(Builder b) {
    this.agent = Objects.requireNonNull(b.agent, "agent");
    this.argos = b.argos;
    this.bindAddress = b.bindAddress;
    this.port = b.port;
    this.accessToken = b.accessToken;
    this.allowRelease = b.allowRelease;
    this.maxClients = b.maxClients;
    this.sampleInterval = b.sampleInterval;
    this.history = b.history;
    this.writeTimeout = b.writeTimeout;
    this.clientQueueBytes = b.clientQueueBytes;
  }

  /** A builder; {@link Builder#agent(Agent)} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the server, subscribes to the agent's topics and starts sampling; returns this page.
   *
   * @throws UncheckedIOException if the address cannot be bound (the port is taken)
   * @throws IllegalStateException if the page was started or closed before, or the agent is closed
   */
  public LivePage start() {
    synchronized (lifecycle) {
      if (started || closed) {
        throw new IllegalStateException(closed ? "live page closed" : "live page already started");
      }
      started = true;
      Running r = new Running();
      try {
        r.start();
      } catch (IOException e) {
        r.stop();
        throw new UncheckedIOException(
            "cannot bind the live page to " + bindAddress.getHostAddress() + ":" + port, e);
      } catch (RuntimeException e) {
        r.stop();
        throw e;
      }
      running = r;
      if (!bindAddress.isLoopbackAddress() && accessToken == null) {
        LOG.warn(
            "Argos live page bound to {} without an access token: anyone who can reach it sees"
                + " the application's keys and figures",
            bindAddress.getHostAddress());
      }
      LOG.info("Argos live page on {}", r.uri);
      return this;
    }
  }

  /**
   * The page's address, {@code http://127.0.0.1:<port>/} (the port actually bound, also with
   * {@code port(0)}); without the access token, which a browser adds as {@code ?token=}.
   *
   * @throws IllegalStateException before {@link #start()}
   */
  public URI uri() {
    synchronized (lifecycle) {
      if (running == null) {
        throw new IllegalStateException("live page not started");
      }
      return running.uri;
    }
  }

  /**
   * Stops the server, closes every client and stops the page's threads. Idempotent; returns
   * within about a second at worst (joins are bounded), usually in milliseconds.
   */
  @Override
  public void close() {
    Running r;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      r = running;
      running = null;
    }
    if (r != null) {
      r.stop();
    }
  }

  // package-private views for tests
  int streams() {
    Running r = running;
    return r == null ? 0 : r.routes.streams();
  }

  long droppedClients() {
    Running r = running;
    return r == null ? 0 : r.state.droppedClients();
  }

  @Override
  public String toString() {
    Running r = running;
    return "LivePage[" + (r == null ? (closed ? "closed" : "not started") : r.uri.toString()) + "]";
  }

  /** Everything that exists between start() and close(). */
  private final class Running {
    final LiveState state;
    final Watchdog watchdog;
    final Routes routes;
    final ThreadPoolExecutor pool;
    final Thread sampler;
    final List<Subscription> subscriptions = new ArrayList<>();
    @Nullable HttpServer server;
    URI uri = URI.create("http://127.0.0.1/");
    volatile boolean stopping;

    Running() {
      long intervalMs = sampleInterval.toMillis();
      int capacity = (int) Math.max(2, Math.min(3_600, history.toMillis() / intervalMs));
      state = new LiveState(agent.quarantine(), allowRelease, capacity, intervalMs, maxClients);
      watchdog = new Watchdog(writeTimeout.toNanos());
      routes =
          new Routes(
              state,
              watchdog,
              agent.quarantine(),
              () -> state.snapshot(figures(), Instant.now()),
              client -> state.register(client, figures(), Instant.now()),
              accessToken,
              allowRelease,
              maxClients,
              clientQueueBytes);
      AtomicInteger n = new AtomicInteger();
      pool =
          new ThreadPoolExecutor(
              maxClients + 2,
              maxClients + 2,
              30,
              TimeUnit.SECONDS,
              new ArrayBlockingQueue<>(64),
              task -> {
                Thread t = new Thread(task, "argos-live-http-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      pool.allowCoreThreadTimeOut(true);
      sampler = new Thread(this::sampleLoop, "argos-live-sampler");
      sampler.setDaemon(true);
    }

    void start() throws IOException {
      HttpServer s = HttpServer.create(new InetSocketAddress(bindAddress, port), 16);
      server = s;
      s.createContext("/", routes);
      Executor wrapped = task -> pool.execute(watchdog.wrap(task));
      s.setExecutor(wrapped);
      int bound = s.getAddress().getPort();
      if (bindAddress.isLoopbackAddress()) {
        routes.allowHosts(Routes.loopbackHosts(bindAddress, bound));
      }
      String host = bindAddress.getHostAddress();
      if (host.indexOf(':') >= 0) {
        host = "[" + host + "]";
      }
      uri = URI.create("http://" + host + ":" + bound + "/");
      subscriptions.add(agent.on(Agent.TOPIC_SIGNAL, sig -> state.onSignal(sig)));
      subscriptions.add(agent.on(Agent.TOPIC_INCIDENT, sig -> state.onIncident(sig)));
      subscriptions.add(agent.on(Agent.TOPIC_QUARANTINE, sig -> state.onQuarantine(sig)));
      s.start();
      sampler.start();
      subscriptions.add(agent.closeWith(LivePage.this));
    }

    @Nullable ArgosSnapshot figures() {
      Argos a = argos;
      if (a == null) {
        return null;
      }
      try {
        return a.snapshot();
      } catch (RuntimeException e) {
        LOG.debug("Argos snapshot failed: {}", Throwables.describe(e));
        return null;
      }
    }

    private void sampleLoop() {
      long interval = sampleInterval.toNanos();
      long nextSample = System.nanoTime();
      while (!stopping) {
        long now = System.nanoTime();
        try {
          watchdog.check(now);
          if (now - nextSample >= 0) {
            nextSample = now + interval;
            ArgosSnapshot snap = figures();
            state.onSample(Instant.now().toEpochMilli(), Series.sample(snap));
          }
        } catch (RuntimeException e) {
          LOG.debug("live page sampler: {}", Throwables.describe(e));
        }
        long park = Math.min(WATCHDOG_NANOS, Math.max(1, nextSample - System.nanoTime()));
        LockSupport.parkNanos(this, park);
      }
    }

    void stop() {
      stopping = true;
      for (Subscription sub : subscriptions) {
        try {
          sub.close();
        } catch (Exception e) {
          LOG.debug("closing a live page subscription: {}", Throwables.describe(e));
        }
      }
      state.closeClients();
      HttpServer s = server;
      if (s != null) {
        s.stop(0);
      }
      pool.shutdownNow();
      LockSupport.unpark(sampler);
      try {
        if (!pool.awaitTermination(JOIN_MILLIS, TimeUnit.MILLISECONDS)) {
          LOG.warn("Argos live page: a worker thread did not stop within {} ms", JOIN_MILLIS);
        }
        if (sampler.isAlive()) {
          sampler.join(JOIN_MILLIS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Settings of a {@link LivePage}. Invalid values are refused with an {@link
   * IllegalArgumentException} naming the setting and the value.
   */
  public static final class Builder {
    private @Nullable Agent agent;
    private @Nullable Argos argos;
    private InetAddress bindAddress = InetAddress.getLoopbackAddress();
    private int port;
    private @Nullable String accessToken;
    private boolean allowRelease;
    private int maxClients = 8;
    private Duration sampleInterval = Duration.ofSeconds(1);
    private Duration history = Duration.ofMinutes(5);
    private Duration writeTimeout = Duration.ofSeconds(5);
    private long clientQueueBytes = Routes.CLIENT_MAX_BYTES;

    private Builder() {}

    /** Tests only: the byte bound of each client's queue. */
    Builder clientQueueBytes(long bytes) {
      this.clientQueueBytes = bytes;
      return this;
    }

    /** The agent whose signals, incidents and quarantine the page shows. Required. */
    public Builder agent(Agent agent) {
      this.agent = Objects.requireNonNull(agent, "agent");
      return this;
    }

    /** The Argos whose {@link Argos#snapshot()} gives the figures; without it, none are shown. */
    public Builder argos(Argos argos) {
      this.argos = Objects.requireNonNull(argos, "argos");
      return this;
    }

    /** The TCP port, 0 (the default) for any free one: {@link LivePage#uri()} tells which. */
    public Builder port(int port) {
      this.port = Settings.within("port", port, 0, 65_535);
      return this;
    }

    /**
     * The address to listen on; the loopback address (127.0.0.1) by default.
     *
     * <p><b>Warning:</b> the page shows client keys (addresses, user ids), messages and figures
     * of the application, and with {@link #allowRelease(boolean)} lets its user release
     * quarantined keys. Any other address makes it reachable from the network: set an {@link
     * #accessToken(String)} and put it behind TLS (a reverse proxy) before you do; the page
     * itself speaks plain HTTP. A page bound elsewhere without a token logs a warning.
     */
    public Builder bindAddress(InetAddress address) {
      this.bindAddress = Objects.requireNonNull(address, "bindAddress");
      return this;
    }

    /**
     * Requires every request to carry this token, as {@code Authorization: Bearer <token>} or
     * {@code ?token=<token>} (how the page's browser sends it); 401 otherwise. 1 to 256 printable
     * ASCII characters without spaces; use a random one of at least 16.
     */
    public Builder accessToken(String token) {
      Objects.requireNonNull(token, "accessToken");
      boolean ok = !token.isEmpty() && token.length() <= 256;
      for (int i = 0; ok && i < token.length(); i++) {
        char c = token.charAt(i);
        ok = c > 0x20 && c < 0x7f;
      }
      if (!ok) {
        throw new IllegalArgumentException(
            "accessToken must be 1 to 256 printable ASCII characters without spaces but was "
                + token.length()
                + " characters long"
                + (token.isEmpty() ? "" : " with other characters"));
      }
      this.accessToken = token;
      return this;
    }

    /**
     * Shows a release button beside each quarantined key and accepts {@code POST
     * /api/release?key=K} (same origin only, with the token when one is set). Off by default:
     * the endpoint then answers 403 and the page shows no button.
     */
    public Builder allowRelease(boolean allow) {
      this.allowRelease = allow;
      return this;
    }

    /** Most event streams (open pages) at once, 1 to 64; 8 by default. More get 503. */
    public Builder maxClients(int maxClients) {
      this.maxClients = Settings.within("maxClients", maxClients, 1, 64);
      return this;
    }

    /** How often the figures are sampled for the sparklines: 100 ms to 1 min; 1 s by default. */
    public Builder sampleInterval(Duration interval) {
      this.sampleInterval =
          Settings.within(
              "sampleInterval", interval, Duration.ofMillis(100), Duration.ofMinutes(1));
      return this;
    }

    /**
     * How far back the sparklines go: 10 s to 24 h, 5 min by default (at most 3 600 samples are
     * kept; a longer history at a short interval is cut to that).
     */
    public Builder history(Duration history) {
      this.history =
          Settings.within("history", history, Duration.ofSeconds(10), Duration.ofHours(24));
      return this;
    }

    /**
     * How long one read of a request or one write to a client may block before the connection
     * is closed: 100 ms to 5 min, 5 s by default.
     */
    public Builder writeTimeout(Duration timeout) {
      this.writeTimeout =
          Settings.within("writeTimeout", timeout, Duration.ofMillis(100), Duration.ofMinutes(5));
      return this;
    }

    /**
     * The page, not yet started.
     *
     * @throws NullPointerException if no agent was given
     */
    public LivePage build() {
      if (agent == null) {
        throw new NullPointerException("agent is required: LivePage.builder().agent(agent)");
      }
      return new LivePage(this);
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "LivePage.Builder[bind=%s, port=%d, token=%s, release=%s, maxClients=%d]",
          bindAddress.getHostAddress(),
          port,
          accessToken == null ? "none" : "set",
          allowRelease,
          maxClients);
    }
  }
}
