package dev.argos.signals;

import dev.argos.core.internal.SafeText;
import dev.argos.core.internal.Settings;
import dev.argos.core.Clock;
import dev.argos.core.Signal;
import dev.argos.core.SignalListener;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
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
 * {@code ts} lets the receiver refuse replays). A 2xx status is a delivery as soon as the status line
 * arrives: the response body is never read (the connection is closed instead), so a large or slow
 * body costs nothing. A 408, 429, 5xx, connection failure or timeout is retried, {@link
 * Builder#attempts(int) 3 attempts} in all with a {@link Builder#backoff(Duration) backoff} of 250
 * ms doubling between them. Any other status (e.g. 3xx: redirects are not followed, 400, 401) is a
 * rejection and is not retried. A signal that is not delivered, for whatever reason (an exception
 * inside the sink included), goes to the fallback and is counted in {@link #failedCount()}.
 *
 * <p>When every attempt failed to reach the endpoint, the sink considers it down for {@link
 * Builder#downCooldown(Duration)} (30 s): signals in that time go straight to the fallback without a
 * request, then the next signal tries again.
 *
 * <h2>Fallback</h2>
 *
 * <p>With {@link Builder#fallback(Path)} or {@link Builder#fallback(ProblemRegistry)}, an
 * undelivered signal is appended to that problem registry (JSONL). Without one (or when the registry
 * refuses the line: disk floor, closed), the signal is not dropped silently: it is logged as one
 * {@code WARN} line of the logger {@code dev.argos.signals.WebhookSink} (the signal's neutralised
 * {@link Signal#toString()}), at most one line a second; the signals lost in between are counted in
 * the next line.
 *
 * <h2>Secrets</h2>
 *
 * <p>The endpoint's URI often is a secret (user-info, a Slack-style {@code /services/T000/B000/XXXX}
 * path, a token in the query). It never appears in a log line, an exception message or {@link
 * #toString()}: those show {@code scheme://host[:port]/...} without user-info, path (even one
 * segment can be a token) or query. Header values and response bodies are never logged. Headers are
 * checked when set: a control character, a restricted name ({@code Host}, {@code Connection},
 * {@code Content-Length}, {@code Expect}, {@code Upgrade}, anything {@code java.net.http} refuses) or
 * a header the sink sets itself is an {@link IllegalArgumentException} naming the header, never
 * echoing its value.
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

  /** Longest connect or request timeout: 5 minutes. */
  static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);
  /** Shortest connect or request timeout: 1 ms. */
  static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
  /** Longest backoff: 1 minute (the doubling stops there too). */
  static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
  /** Longest down cooldown: 1 day. */
  static final Duration MAX_COOLDOWN = Duration.ofDays(1);
  /** At most this many extra headers. */
  static final int MAX_HEADERS = 64;
  /** Longest header name, in characters. */
  static final int MAX_HEADER_NAME = 256;
  /** Longest header value, in characters. */
  static final int MAX_HEADER_VALUE = 8192;

  private static final long LOST_LOG_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();
  private static final int SECRET_MIN_LENGTH = 4;
  private static final AtomicInteger POOLS = new AtomicInteger();

  // names the sink sets itself, or java.net.http refuses (JDK 17: HttpRequest restricted headers)
  private static final Set<String> OWN_HEADERS =
      Set.of("content-type", SIGNATURE_HEADER.toLowerCase(Locale.ROOT));
  private static final Set<String> RESTRICTED_HEADERS =
      Set.of(
          "connection",
          "content-length",
          "expect",
          "host",
          "upgrade",
          "transfer-encoding",
          "te",
          "trailer",
          "keep-alive",
          "proxy-connection");

  private enum Outcome {
    DELIVERED,
    REJECTED,
    UNREACHABLE,
    CLOSED
  }

  private final URI uri;
  private final String redacted;
  private final List<String> secrets;
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
  private final Logger log;
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
  // the last attempt's failure, scrubbed, for the "unreachable" line
  private volatile String lastFailure = "none";
  // the rate limit of the "signal lost" lines; guarded by lostLock
  private final Object lostLock = new Object();
  private long lostLoggedAt;
  private boolean lostLoggedOnce;
  private long lostSuppressed;

  private WebhookSink(Builder b, @Nullable ProblemRegistry fallback, boolean ownsFallback) {
    this.uri = b.uri;
    this.redacted = redact(b.uri);
    this.key = b.secret == null ? null : new SecretKeySpec(b.secret, "HmacSHA256");
    this.connectTimeout = b.connectTimeout;
    this.requestTimeout = b.requestTimeout;
    this.attempts = b.attempts;
    this.backoff = b.backoff;
    this.downCooldown = b.downCooldown;
    this.fallback = fallback;
    this.ownsFallback = ownsFallback;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
    this.secrets = secretsOf(b.uri, b.headers.values());
    this.resolver = b.resolver;
    this.clock = b.clock;
    this.log = b.log;
    this.app = b.app;
    this.host = ProblemRecordCodec.localHostName();
    this.pid = ProblemRecordCodec.currentPid();
    int pool = POOLS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    // at most one request in flight per calling thread, so two threads (ending when idle) suffice
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

  /**
   * A builder for a sink posting to {@code uri} (http or https, with a host).
   *
   * @throws IllegalArgumentException if the URI is not one; the message shows it redacted
   */
  public static Builder builder(URI uri) {
    return new Builder(uri);
  }

  /** Delivers {@code signal}; see the class description for retries and the time bound. */
  @Override
  public void onSignal(Signal signal) {
    ProblemRecord record;
    try {
      record = ProblemRecordCodec.fromSignal(signal, resolve(signal), host, pid, app);
    } catch (RuntimeException e) {
      failed.incrementAndGet();
      lost(signal, "the record could not be built: " + scrub(e));
      return;
    }
    if (closed.getCount() == 0) {
      failed.incrementAndGet();
      lost(signal, "the sink is closed");
      return;
    }
    try {
      if (down && clock.nanoTime() - downUntilNanos < 0) {
        fallBack(signal, record, "the endpoint is considered down");
        return;
      }
      Outcome outcome = deliver(ProblemRecordCodec.toJson(record));
      if (outcome == Outcome.DELIVERED) {
        delivered.incrementAndGet();
        if (down) {
          down = false;
          try {
            log.info("argos: webhook {} is reachable again", redacted);
          } catch (RuntimeException e) {
            // delivered all the same: a failing logger must not send it to the fallback too
          }
        }
        return;
      }
      if (outcome == Outcome.UNREACHABLE) {
        downUntilNanos = clock.nanoTime() + downCooldown.toNanos();
        if (!down) {
          down = true;
          log.warn(
              "argos: webhook {} unreachable after {} attempts (last: {}); using the fallback for {}",
              redacted,
              attempts,
              lastFailure,
              downCooldown);
        }
      }
      fallBack(signal, record, outcome == Outcome.CLOSED ? "the sink closed" : "not delivered");
    } catch (Throwable e) { // user code runs in here (resolver, clock): an Error too
      // whatever failed after build(), the signal still reaches the fallback
      fallBack(signal, record, "the sink failed: " + scrub(e));
    }
  }

  private ProblemRegistry.Action resolve(Signal signal) {
    try {
      ProblemRegistry.Action a = resolver.resolve(signal);
      return a != null ? a : ProblemRegistry.Action.NONE;
    } catch (Throwable e) { // user code: an Error or a sneaky checked exception too
      return ProblemRegistry.Action.NONE;
    }
  }

  private void fallBack(Signal signal, ProblemRecord record, String why) {
    failed.incrementAndGet();
    ProblemRegistry fb = fallback;
    boolean kept = false;
    if (fb != null) {
      try {
        kept = fb.append(record);
      } catch (RuntimeException e) {
        why = why + "; the fallback failed: " + scrub(e);
      }
    }
    if (!kept) {
      lost(signal, fb == null ? why + "; no fallback set" : why + "; the fallback refused it");
    }
  }

  /**
   * One WARN line per signal lost, at most one a second; the lines skipped are counted in the next.
   * Never throws (a failing clock or logger included).
   */
  private void lost(Signal signal, String why) {
    try {
      long skipped;
      synchronized (lostLock) {
        long now = clock.nanoTime();
        if (lostLoggedOnce && now - lostLoggedAt < LOST_LOG_INTERVAL_NANOS) {
          lostSuppressed++;
          return;
        }
        lostLoggedOnce = true;
        lostLoggedAt = now;
        skipped = lostSuppressed;
        lostSuppressed = 0;
      }
      log.warn(
          "argos: webhook {} lost a signal ({}){}: {}",
          redacted,
          why,
          skipped == 0 ? "" : String.format(Locale.ROOT, "; %d more lost since the last line", skipped),
          signal);
    } catch (RuntimeException e) {
      // a failing clock or logger must not reach the caller
    }
  }

  @SuppressWarnings("CollectionUndefinedEquality") // futures are equal by identity: what we want
  private Outcome deliver(byte[] body) {
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(uri)
            .timeout(requestTimeout)
            .header("Content-Type", "application/json")
            .header("User-Agent", "argos-webhook")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(rb::setHeader);
    if (key != null) {
      rb.header(SIGNATURE_HEADER, "sha256=" + hmacHex(key, body));
    }
    HttpRequest request = rb.build();
    long capMillis = connectTimeout.plus(requestTimeout).toMillis() + 1000;
    long pause = backoff.toMillis();
    String last = "none";
    for (int attempt = 1; attempt <= attempts; attempt++) {
      if (closed.getCount() == 0) {
        return Outcome.CLOSED;
      }
      // completed with the status as soon as the status line and headers arrive; the body is
      // never read (StatusOnly cancels it), so a large or slow body cannot delay or fail delivery
      CompletableFuture<Integer> status = new CompletableFuture<>();
      CompletableFuture<HttpResponse<Void>> f;
      requests.incrementAndGet();
      try {
        f = client.sendAsync(request, new StatusOnly(status));
      } catch (RuntimeException e) {
        last = scrub(e);
        break; // e.g. the client was shut down
      }
      CompletableFuture<?> unused =
          f.whenComplete(
              (r, e) -> {
                if (e != null) {
                  status.completeExceptionally(e);
                } else {
                  status.complete(r.statusCode());
                }
              });
      inFlight.add(f);
      inFlight.add(status);
      try {
        if (closed.getCount() == 0) {
          f.cancel(true);
          status.cancel(true);
        }
        int code = status.get(capMillis, TimeUnit.MILLISECONDS);
        if (code >= 200 && code < 300) {
          return Outcome.DELIVERED;
        }
        if (code != 408 && code != 429 && code < 500) {
          log.warn(
              "argos: webhook {} rejected a signal with HTTP {}; not retried", redacted, code);
          return Outcome.REJECTED;
        }
        last = "HTTP " + code;
      } catch (ExecutionException | TimeoutException e) {
        Throwable cause = e.getCause();
        last = scrub(e instanceof ExecutionException && cause != null ? cause : e);
        // a failure, a timeout or our own safety cap: try again
      } catch (CancellationException e) {
        return Outcome.CLOSED;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Outcome.CLOSED;
      } finally {
        f.cancel(true); // ends the exchange: whatever body is still coming is not read
        inFlight.remove(f);
        inFlight.remove(status);
      }
      if (closed.getCount() == 0) {
        return Outcome.CLOSED;
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
        pause = Math.min(pause * 2, MAX_BACKOFF.toMillis());
      }
    }
    lastFailure = last;
    return Outcome.UNREACHABLE;
  }

  /**
   * Takes the status line and cancels the body: the exchange completes at once (with a null body)
   * however large or slow the body is.
   */
  private static final class StatusOnly implements HttpResponse.BodyHandler<Void> {
    private final CompletableFuture<Integer> status;

    StatusOnly(CompletableFuture<Integer> status) {
      this.status = status;
    }

    @Override
    public HttpResponse.BodySubscriber<Void> apply(HttpResponse.ResponseInfo info) {
      status.complete(info.statusCode());
      return new HttpResponse.BodySubscriber<>() {
        @Override
        public CompletionStage<Void> getBody() {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
          subscription.cancel();
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
          // never requested
        }

        @Override
        public void onError(Throwable throwable) {
          // the body is not wanted
        }

        @Override
        public void onComplete() {
          // the body is not wanted
        }
      };
    }
  }

  static String hmacHex(SecretKeySpec key, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /**
   * {@code uri} without its secrets: {@code scheme://host[:port]/...}; no user-info, no path (a
   * path can be the secret, even a single segment: {@code https://hook.example/<token>}), no query
   * ({@code ?...}) or fragment. Neutralised.
   */
  static String redact(URI uri) {
    StringBuilder sb = new StringBuilder();
    String scheme = uri.getScheme();
    if (scheme != null) {
      sb.append(scheme.toLowerCase(Locale.ROOT)).append(':');
    }
    String h = uri.getHost();
    if (h == null) {
      // no server-based authority (or an opaque URI): show nothing of what follows the scheme
      return SafeText.neutralise(sb.append("...").toString(), 256);
    }
    sb.append("//").append(h);
    if (uri.getPort() >= 0) {
      sb.append(':').append(uri.getPort());
    }
    String path = uri.getRawPath();
    if (path != null && !path.isEmpty() && !path.equals("/")) {
      sb.append("/...");
    } else if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      sb.append("?...");
    }
    return SafeText.neutralise(sb.toString(), 256);
  }

  /** The texts that must not appear in a message: the URI, its secret parts, header values. */
  private static List<String> secretsOf(URI uri, Collection<String> headerValues) {
    List<String> out = new ArrayList<>();
    out.add(uri.toString());
    out.add(uri.toASCIIString());
    String path = uri.getRawPath();
    if (path != null && path.length() > 1) {
      out.add(path);
      out.add(path.substring(1)); // a single-segment token without its slash
    }
    String decoded = uri.getPath();
    if (decoded != null && decoded.length() > 1) {
      out.add(decoded);
      out.add(decoded.substring(1));
    }
    out.add(uri.getRawUserInfo());
    out.add(uri.getUserInfo());
    out.add(uri.getRawQuery());
    out.add(uri.getQuery());
    out.add(uri.getRawFragment());
    out.addAll(headerValues);
    List<String> kept = new ArrayList<>();
    for (String s : out) {
      if (s != null && s.length() >= SECRET_MIN_LENGTH && !kept.contains(s)) {
        kept.add(s);
      }
    }
    // longest first, so that the whole URI is replaced before any of its parts
    kept.sort(Comparator.comparingInt(String::length).reversed());
    return List.copyOf(kept);
  }

  /** A throwable as one neutralised line, with the URI redacted and header values removed. */
  private String scrub(Throwable t) {
    String text = t.getClass().getName();
    String m = t.getMessage();
    if (m != null) {
      String clean = m;
      for (String s : secrets) {
        clean = clean.replace(s, s.equals(uri.toString()) ? redacted : "...");
      }
      text = text + ": " + clean;
    }
    return SafeText.neutralise(text, 512);
  }

  /** Signals delivered (2xx) since the sink was built. */
  public long deliveredCount() {
    return delivered.get();
  }

  /**
   * Signals not delivered (rejected, unreachable, failed, or after close); those went to the
   * fallback, or were logged when there is none (see the class description).
   */
  public long failedCount() {
    return failed.get();
  }

  /** HTTP requests sent, retries included. */
  long requestCount() {
    return requests.get();
  }

  /** {@code WebhookSink[<redacted uri>]}: the URI without its secrets. */
  @Override
  public String toString() {
    return "WebhookSink[" + redacted + "]";
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
      log.debug("argos: webhook client shutdown failed: {}", scrub(e));
    }
  }

  /**
   * Options of a {@link WebhookSink}. Not thread-safe. Every setting is checked when set: an
   * invalid one is an {@link IllegalArgumentException} naming it (header values and the URI's
   * secrets are never echoed).
   */
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
    private Logger log = LoggerFactory.getLogger(WebhookSink.class);
    private String app = System.getProperty("argos.app", "unknown");

    private Builder(URI uri) {
      Objects.requireNonNull(uri, "uri");
      String scheme = uri.getScheme();
      if (scheme == null
          || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
        throw new IllegalArgumentException("uri must be http or https but was " + redact(uri));
      }
      if (uri.getHost() == null) {
        throw new IllegalArgumentException("uri must name a host but was " + redact(uri));
      }
      try {
        HttpRequest.newBuilder(uri);
      } catch (IllegalArgumentException e) {
        // the JDK's message holds the whole URI: not passed on
        throw new IllegalArgumentException(
            "uri is refused by java.net.http: " + redact(uri), null);
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

    /** Time to establish a connection, 1 ms to 5 minutes. Default 2 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Settings.within("connectTimeout", timeout, MIN_TIMEOUT, MAX_TIMEOUT);
      return this;
    }

    /** Time from sending to the response's status line, 1 ms to 5 minutes. Default 3 s. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Settings.within("requestTimeout", timeout, MIN_TIMEOUT, MAX_TIMEOUT);
      return this;
    }

    /** Attempts per signal, 1 to 10. Default 3. */
    public Builder attempts(int attempts) {
      this.attempts = Settings.within("attempts", attempts, 1, 10);
      return this;
    }

    /**
     * Pause before the second attempt, doubled before each next one up to 1 minute; 0 to 1 minute.
     * Default 250 ms.
     */
    public Builder backoff(Duration backoff) {
      this.backoff = Settings.within("backoff", backoff, Duration.ZERO, MAX_BACKOFF);
      return this;
    }

    /**
     * How long the endpoint is skipped after all attempts failed to reach it, 0 to 1 day. Default
     * 30 s.
     */
    public Builder downCooldown(Duration cooldown) {
      this.downCooldown = Settings.within("downCooldown", cooldown, Duration.ZERO, MAX_COOLDOWN);
      return this;
    }

    /**
     * Signals not delivered are appended to a problem registry at {@code path} (10 MiB, 3 backups,
     * 100 MiB floor), opened at {@link #build()} and closed with the sink. Without a fallback,
     * undelivered signals are logged (see the class description).
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

    /**
     * An extra request header (e.g. an authorization token); a second call with the same name
     * replaces the value. At most 64 headers, names up to 256 characters, values up to 8 192.
     *
     * @throws IllegalArgumentException naming the header (never echoing the value) if the name is
     *     not an HTTP token, the value holds a control character (CR, LF, NUL, ...; a tab is
     *     allowed) or a character beyond U+00FF, the name is restricted ({@code Host}, {@code
     *     Connection}, {@code Content-Length}, {@code Expect}, {@code Upgrade}, ...), or set by the
     *     sink itself ({@code Content-Type}, {@value #SIGNATURE_HEADER}), or {@code java.net.http}
     *     refuses it
     */
    public Builder header(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      String shown = SafeText.neutralise(name, 64);
      if (name.isEmpty() || name.length() > MAX_HEADER_NAME || !isToken(name)) {
        throw new IllegalArgumentException(
            "header name must be an HTTP token of 1 to " + MAX_HEADER_NAME
                + " characters but was \"" + shown + "\"");
      }
      String lower = name.toLowerCase(Locale.ROOT);
      if (RESTRICTED_HEADERS.contains(lower)) {
        throw new IllegalArgumentException(
            "header " + shown + " is restricted (java.net.http sets it) and cannot be set");
      }
      if (OWN_HEADERS.contains(lower)) {
        throw new IllegalArgumentException("header " + shown + " is set by the sink itself");
      }
      if (value.length() > MAX_HEADER_VALUE) {
        throw new IllegalArgumentException(
            "header " + shown + ": value must be at most " + MAX_HEADER_VALUE
                + " characters but had " + value.length());
      }
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
          throw new IllegalArgumentException(
              String.format(
                  Locale.ROOT,
                  "header %s: value holds a forbidden character U+%04X at index %d "
                      + "(control characters and characters beyond U+00FF are refused)",
                  shown,
                  (int) c,
                  i));
        }
      }
      if (!headers.containsKey(name) && headers.size() >= MAX_HEADERS) {
        throw new IllegalArgumentException("at most " + MAX_HEADERS + " headers can be set");
      }
      try {
        // the authority: anything java.net.http would refuse at delivery is refused here
        HttpRequest.newBuilder(uri).setHeader(name, value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "header " + shown + " is refused by java.net.http", null);
      }
      headers.put(name, value);
      return this;
    }

    private static boolean isToken(String s) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        boolean ok =
            (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        if (!ok) {
          return false;
        }
      }
      return true;
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

    /** Time source for the down cooldown and the lost-signal lines. Default {@link Clock#system()}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The logger of the sink's lines (tests). Default {@code dev.argos.signals.WebhookSink}. */
    Builder logger(Logger logger) {
      this.log = Objects.requireNonNull(logger, "logger");
      return this;
    }

    /**
     * Builds the sink (and opens the fallback file given by path). Every request header was
     * checked when set, so nothing set here can make every delivery fail later.
     *
     * @throws java.io.UncheckedIOException if the fallback file cannot be opened
     * @throws IllegalStateException if the fallback file is open for writing in another process,
     *     or in this JVM with other writer settings (one writer per file, see {@link
     *     ProblemRegistry})
     */
    public WebhookSink build() {
      Path p = fallbackPath;
      if (p != null) {
        return new WebhookSink(this, ProblemRegistry.builder(p).app(app).open(), true);
      }
      return new WebhookSink(this, fallbackRegistry, false);
    }

    /** {@code WebhookSink.Builder[<redacted uri>]}. */
    @Override
    public String toString() {
      return "WebhookSink.Builder[" + redact(uri) + "]";
    }
  }
}
