package dev.argos.signals;

import dev.argos.core.Clock;
import dev.argos.core.SafeText;
import dev.argos.core.Signal;
import dev.argos.core.SignalListener;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts each signal as JSON (the {@link ProblemRecord} shape of the problem registry, one object)
 * to an HTTP endpoint, and writes it to a fallback JSONL file when the endpoint stays down.
 *
 * <pre>{@code
 * WebhookSink hook = WebhookSink.builder(URI.create("https://alerts.example/argos"))
 *     .secret(System.getenv("ARGOS_WEBHOOK_SECRET"))
 *     .fallback(Path.of("argos-webhook-undelivered.jsonl"))
 *     .build();
 * agent.on(Agent.TOPIC_SIGNAL, hook);
 * }</pre>
 *
 * <h2>Delivery</h2>
 *
 * <p>{@code POST} with {@code Content-Type: application/json}; with a secret, the header {@code
 * X-Argos-Signature: sha256=<hex>} carries the HMAC-SHA256 of the exact body bytes (the body's
 * {@code ts} lets the receiver refuse replays). A 2xx response is delivered. A 408, 429, 5xx,
 * connection failure or timeout is retried, {@link Builder#attempts(int) 3 attempts} in all with a
 * {@link Builder#backoff(Duration) backoff} of 250 ms doubling between them. Any other status (e.g.
 * 400, 401) is a rejection and is not retried. A signal that is not delivered goes to the fallback
 * file (if set) and is counted in {@link #failedCount()}.
 *
 * <p>When every attempt failed to reach the endpoint, the sink considers it down for {@link
 * Builder#downCooldown(Duration)} (30 s): signals in that time go straight to the fallback file
 * without a request, then the next signal tries again.
 *
 * <h2>Time bound</h2>
 *
 * <p>{@link #onSignal(Signal)} runs the delivery on the calling thread (an agent's delivery thread
 * for this subscription, isolated from other listeners) and returns within {@code attempts ×
 * (connectTimeout + requestTimeout + 1 s) + the backoffs}: about 19 s at most with the defaults (2
 * s connect, 3 s request), and at once while the endpoint is considered down. It never throws.
 * {@link #close()} cancels a request in flight and returns promptly.
 */
public final class WebhookSink implements SignalListener, AutoCloseable {
  /** The signature header. */
  public static final String SIGNATURE_HEADER = "X-Argos-Signature";

  private static final Logger log = LoggerFactory.getLogger(WebhookSink.class);
  private static final AtomicInteger POOLS = new AtomicInteger();

  private enum Outcome {
    DELIVERED,
    REJECTED,
    UNREACHABLE,
    CLOSED
  }

  private final URI uri;
  private final @Nullable SecretKeySpec key;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final int attempts;
  private final Duration backoff;
  private final Duration downCooldown;
  private final @Nullable ProblemRegistry fallback;
  private final boolean ownsFallback;
  private final Map<String, String> headers;
  private final ProblemRegistry.ActionResolver resolver;
  private final Clock clock;
  private final String app;
  private final String host;
  private final long pid;
  private final ExecutorService executor;
  private final HttpClient client;

  private final CountDownLatch closed = new CountDownLatch(1);
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  // requests in flight (one per thread calling onSignal), cancelled by close()
  @SuppressWarnings("CollectionUndefinedEquality") // identity is what we want: each request once
  private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
  private volatile long downUntilNanos;
  private volatile boolean down;

  private WebhookSink(Builder b, @Nullable ProblemRegistry fallback, boolean ownsFallback) {
    this.uri = b.uri;
    this.key = b.secret == null ? null : new SecretKeySpec(b.secret, "HmacSHA256");
    this.connectTimeout = b.connectTimeout;
    this.requestTimeout = b.requestTimeout;
    this.attempts = b.attempts;
    this.backoff = b.backoff;
    this.downCooldown = b.downCooldown;
    this.fallback = fallback;
    this.ownsFallback = ownsFallback;
    this.headers = Map.copyOf(b.headers);
    this.resolver = b.resolver;
    this.clock = b.clock;
    this.app = b.app;
    this.host = ProblemRecordCodec.localHostName();
    this.pid = ProblemRecordCodec.currentPid();
    int pool = POOLS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    // at most one request in flight per sink, so two threads (ending when idle) are plenty
    ThreadPoolExecutor pool2 =
        new ThreadPoolExecutor(
            2,
            2,
            10,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "argos-webhook-" + pool + "-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool2.allowCoreThreadTimeOut(true);
    this.executor = pool2;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(executor)
            .build();
  }

  /** A builder for a sink posting to {@code uri} (http or https). */
  public static Builder builder(URI uri) {
    return new Builder(uri);
  }

  /** Delivers {@code signal}; see the class description for retries and the time bound. */
  @Override
  public void onSignal(Signal signal) {
    try {
      ProblemRecord record = ProblemRecordCodec.fromSignal(signal, resolve(signal), host, pid, app);
      if (closed.getCount() == 0) {
        failed.incrementAndGet();
        return;
      }
      if (down && clock.nanoTime() - downUntilNanos < 0) {
        fallBack(record);
        return;
      }
      Outcome outcome = deliver(ProblemRecordCodec.toJson(record));
      if (outcome == Outcome.DELIVERED) {
        delivered.incrementAndGet();
        if (down) {
          down = false;
          log.info(
              "argos: webhook {} is reachable again", SafeText.neutralise(uri.toString(), 256));
        }
        return;
      }
      if (outcome == Outcome.UNREACHABLE) {
        downUntilNanos = clock.nanoTime() + downCooldown.toNanos();
        if (!down) {
          down = true;
          log.warn(
              "argos: webhook {} unreachable after {} attempts; using the fallback for {}",
              SafeText.neutralise(uri.toString(), 256),
              attempts,
              downCooldown);
        }
      }
      fallBack(record);
    } catch (IOException | RuntimeException e) {
      failed.incrementAndGet();
      log.warn(
          "argos: webhook sink failed on a signal: {}", SafeText.neutralise(e.toString(), 512));
    }
  }

  private ProblemRegistry.Action resolve(Signal signal) {
    try {
      ProblemRegistry.Action a = resolver.resolve(signal);
      return a != null ? a : ProblemRegistry.Action.NONE;
    } catch (RuntimeException e) {
      return ProblemRegistry.Action.NONE;
    }
  }

  private void fallBack(ProblemRecord record) {
    failed.incrementAndGet();
    ProblemRegistry fb = fallback;
    if (fb != null) {
      fb.append(record);
    }
  }

  private Outcome deliver(byte[] body) {
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(uri)
            .timeout(requestTimeout)
            .header("Content-Type", "application/json")
            .header("User-Agent", "argos-webhook")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(rb::header);
    if (key != null) {
      rb.header(SIGNATURE_HEADER, "sha256=" + hmacHex(key, body));
    }
    HttpRequest request = rb.build();
    long capMillis = connectTimeout.plus(requestTimeout).toMillis() + 1000;
    long pause = backoff.toMillis();
    for (int attempt = 1; attempt <= attempts; attempt++) {
      if (closed.getCount() == 0) {
        return Outcome.CLOSED;
      }
      CompletableFuture<HttpResponse<Void>> f;
      requests.incrementAndGet();
      try {
        f = client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
      } catch (RuntimeException e) {
        return Outcome.UNREACHABLE; // e.g. the client was shut down
      }
      inFlight.add(f);
      try {
        if (closed.getCount() == 0) {
          f.cancel(true);
        }
        int status = f.get(capMillis, TimeUnit.MILLISECONDS).statusCode();
        if (status >= 200 && status < 300) {
          return Outcome.DELIVERED;
        }
        if (status != 408 && status != 429 && status < 500) {
          log.warn(
              "argos: webhook {} rejected a signal with HTTP {}; not retried",
              SafeText.neutralise(uri.toString(), 256),
              status);
          return Outcome.REJECTED;
        }
      } catch (ExecutionException | TimeoutException e) {
        f.cancel(true); // a failure, a timeout or our own safety cap: try again
      } catch (CancellationException e) {
        return Outcome.CLOSED;
      } catch (InterruptedException e) {
        f.cancel(true);
        Thread.currentThread().interrupt();
        return Outcome.CLOSED;
      } finally {
        inFlight.remove(f);
      }
      if (attempt < attempts) {
        try {
          if (closed.await(pause, TimeUnit.MILLISECONDS)) {
            return Outcome.CLOSED;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Outcome.CLOSED;
        }
        pause = Math.min(pause * 2, 60_000);
      }
    }
    return Outcome.UNREACHABLE;
  }

  static String hmacHex(SecretKeySpec key, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      byte[] h = mac.doFinal(body);
      StringBuilder sb = new StringBuilder(h.length * 2);
      for (byte x : h) {
        sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Signals delivered (2xx) since the sink was built. */
  public long deliveredCount() {
    return delivered.get();
  }

  /** Signals not delivered (rejected, unreachable, or after close); those went to the fallback. */
  public long failedCount() {
    return failed.get();
  }

  /** HTTP requests sent, retries included. */
  long requestCount() {
    return requests.get();
  }

  /**
   * Stops delivery: a request in flight is cancelled, later signals are counted as failed, the
   * sink's threads end, and a fallback file the sink opened itself is closed. Idempotent.
   */
  @Override
  public void close() {
    if (closed.getCount() == 0) {
      return;
    }
    closed.countDown();
    for (CompletableFuture<?> f : inFlight) {
      f.cancel(true);
    }
    shutdownClient();
    executor.shutdownNow();
    ProblemRegistry fb = fallback;
    if (fb != null && ownsFallback) {
      fb.close();
    }
  }

  /** JDK 21+ can shut an HttpClient down; on 17 its selector thread ends once it is unreachable. */
  private void shutdownClient() {
    try {
      Method m = HttpClient.class.getMethod("shutdownNow");
      m.invoke(client);
    } catch (NoSuchMethodException e) {
      // JDK 17-20
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("argos: webhook client shutdown failed: {}", e.toString());
    }
  }

  /** Options of a {@link WebhookSink}. Not thread-safe. */
  public static final class Builder {
    private final URI uri;
    private byte @Nullable [] secret;
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration requestTimeout = Duration.ofSeconds(3);
    private int attempts = 3;
    private Duration backoff = Duration.ofMillis(250);
    private Duration downCooldown = Duration.ofSeconds(30);
    private @Nullable Path fallbackPath;
    private @Nullable ProblemRegistry fallbackRegistry;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private ProblemRegistry.ActionResolver resolver = ProblemRegistry.ActionResolver.defaults();
    private Clock clock = Clock.system();
    private String app = System.getProperty("argos.app", "unknown");

    private Builder(URI uri) {
      Objects.requireNonNull(uri, "uri");
      String scheme = uri.getScheme();
      if (scheme == null
          || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
        throw new IllegalArgumentException("uri must be http or https but was " + uri);
      }
      this.uri = uri;
    }

    /** Signs each body with HMAC-SHA256 under this secret (UTF-8 bytes). Default: unsigned. */
    public Builder secret(String secret) {
      Objects.requireNonNull(secret, "secret");
      if (secret.isEmpty()) {
        throw new IllegalArgumentException("secret must not be empty");
      }
      this.secret = secret.getBytes(StandardCharsets.UTF_8);
      return this;
    }

    /** Time to establish a connection. Default 2 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Checks.positive("connectTimeout", timeout);
      return this;
    }

    /** Time from sending to the response headers. Default 3 s. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Checks.positive("requestTimeout", timeout);
      return this;
    }

    /** Attempts per signal, 1 to 10. Default 3. */
    public Builder attempts(int attempts) {
      if (attempts < 1 || attempts > 10) {
        throw new IllegalArgumentException("attempts must be in [1, 10] but was " + attempts);
      }
      this.attempts = attempts;
      return this;
    }

    /** Pause before the second attempt, doubled before each next one. Default 250 ms. */
    public Builder backoff(Duration backoff) {
      Objects.requireNonNull(backoff, "backoff");
      if (backoff.isNegative()) {
        throw new IllegalArgumentException("backoff must not be negative but was " + backoff);
      }
      this.backoff = backoff;
      return this;
    }

    /** How long the endpoint is skipped after all attempts failed to reach it. Default 30 s. */
    public Builder downCooldown(Duration cooldown) {
      Objects.requireNonNull(cooldown, "cooldown");
      if (cooldown.isNegative()) {
        throw new IllegalArgumentException("downCooldown must not be negative but was " + cooldown);
      }
      this.downCooldown = cooldown;
      return this;
    }

    /**
     * Signals not delivered are appended to a problem registry at {@code path} (10 MiB, 3 backups,
     * 100 MiB floor), opened at {@link #build()} and closed with the sink.
     */
    public Builder fallback(Path path) {
      this.fallbackPath = Objects.requireNonNull(path, "path");
      this.fallbackRegistry = null;
      return this;
    }

    /** Signals not delivered are appended to {@code registry}, which the caller closes. */
    public Builder fallback(ProblemRegistry registry) {
      this.fallbackRegistry = Objects.requireNonNull(registry, "registry");
      this.fallbackPath = null;
      return this;
    }

    /** An extra request header (e.g. an authorization token). */
    public Builder header(String name, String value) {
      headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** The {@code app} field of each body. Default: system property {@code argos.app}. */
    public Builder app(String app) {
      this.app = SafeText.neutralise(Objects.requireNonNull(app, "app"), 128);
      return this;
    }

    /** Decides {@code actionTaken}/{@code actionResult}, as for the registry. */
    public Builder actionResolver(ProblemRegistry.ActionResolver resolver) {
      this.resolver = Objects.requireNonNull(resolver, "resolver");
      return this;
    }

    /** Time source for the down cooldown. Default {@link Clock#system()}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the sink (and opens the fallback file given by path).
     *
     * @throws java.io.UncheckedIOException if the fallback file cannot be opened
     */
    public WebhookSink build() {
      Path p = fallbackPath;
      if (p != null) {
        return new WebhookSink(this, ProblemRegistry.builder(p).app(app).open(), true);
      }
      return new WebhookSink(this, fallbackRegistry, false);
    }
  }
}
