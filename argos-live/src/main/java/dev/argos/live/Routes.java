package dev.argos.live;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.argos.core.Quarantine;
import dev.argos.core.internal.SafeText;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The page's one HTTP handler: {@code GET /} (the page), {@code GET /api/snapshot}, {@code GET
 * /api/events} (server-sent events), {@code POST /api/release?key=...}. Every answer is
 * no-store, nosniff, no-referrer (the token may be in the address); the page has a strict
 * Content-Security-Policy with a fresh nonce for its inline script and style.
 */
final class Routes implements HttpHandler {
  /** How often an idle event stream gets a comment line, so a closed client is noticed. */
  static final long HEARTBEAT_NANOS = 15_000_000_000L;
  /** Frames queued per event-stream client before it counts as slow and is dropped. */
  static final int CLIENT_MAX_FRAMES = 512;
  /** Bytes queued per event-stream client before it counts as slow and is dropped (default). */
  static final long CLIENT_MAX_BYTES = 512 * 1024;

  private static final String PAGE = loadPage();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final LiveState state;
  private final Watchdog watchdog;
  private final Quarantine quarantine;
  private final Supplier<Map<String, @Nullable Object>> snapshot;
  private final Registrar registrar;
  private final byte @Nullable [] tokenHash;
  private final boolean releaseEnabled;
  private final int maxClients;
  private final long clientMaxBytes;
  private final AtomicInteger streams = new AtomicInteger();
  private volatile String @Nullable [] allowedHosts;

  /** Registers an event-stream client with the state and returns its first frame. */
  interface Registrar {
    byte[] register(SseClient client);
  }

  Routes(
      LiveState state,
      Watchdog watchdog,
      Quarantine quarantine,
      Supplier<Map<String, @Nullable Object>> snapshot,
      Registrar registrar,
      @Nullable String token,
      boolean releaseEnabled,
      int maxClients,
      long clientMaxBytes) {
    this.state = state;
    this.watchdog = watchdog;
    this.quarantine = quarantine;
    this.snapshot = snapshot;
    this.registrar = registrar;
    this.tokenHash = token == null ? null : sha256(token);
    this.releaseEnabled = releaseEnabled;
    this.maxClients = maxClients;
    this.clientMaxBytes = clientMaxBytes;
    this.allowedHosts = null;
  }

  /**
   * Accepts only these {@code Host} headers (against DNS rebinding, when bound to a loopback
   * address); null accepts any.
   */
  void allowHosts(String @Nullable [] hosts) {
    this.allowedHosts = hosts;
  }

  @Override
  public void handle(HttpExchange ex) {
    try {
      watchdog.armCurrent();
      route(ex);
    } catch (IOException | UncheckedIOException e) {
      // the client went away, or the watchdog closed a connection stuck past its deadline
    } catch (RuntimeException e) {
      try {
        send(ex, 500, "text/plain", "internal error\n");
      } catch (IOException | RuntimeException ignored) {
        // nothing more to do for this connection
      }
    } finally {
      ex.close();
    }
  }

  private void route(HttpExchange ex) throws IOException {
    String[] hosts = allowedHosts;
    if (hosts != null && !hostAllowed(ex.getRequestHeaders().getFirst("Host"), hosts)) {
      send(ex, 403, "text/plain", "unknown Host\n");
      return;
    }
    String path = ex.getRequestURI().getRawPath();
    if (!authorised(ex)) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
      send(ex, 401, "text/plain", "access token required: Authorization: Bearer or ?token=\n");
      return;
    }
    String method = ex.getRequestMethod();
    switch (path == null ? "" : path) {
      case "/" -> {
        if (get(ex, method)) {
          page(ex);
        }
      }
      case "/api/snapshot" -> {
        if (get(ex, method)) {
          sendJson(ex, 200, Json.bytes(snapshot.get()));
        }
      }
      case "/api/events" -> {
        if (get(ex, method)) {
          events(ex);
        }
      }
      case "/api/release" -> release(ex, method);
      default -> send(ex, 404, "text/plain", "not found\n");
    }
  }

  private static boolean get(HttpExchange ex, String method) throws IOException {
    if ("GET".equals(method)) {
      return true;
    }
    ex.getResponseHeaders().set("Allow", "GET");
    send(ex, 405, "text/plain", "method not allowed\n");
    return false;
  }

  // ---- access ----

  private boolean authorised(HttpExchange ex) {
    byte[] expected = tokenHash;
    if (expected == null) {
      return true;
    }
    String given = null;
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      given = auth.substring(7).trim();
    }
    if (given == null) {
      // a token holds no space: a '+' typed in the address (base64) is the token's own
      given = queryParam(ex.getRequestURI().getRawQuery(), "token", false);
    }
    // hashes first: equal lengths, so the comparison's time tells nothing about the token
    return given != null && MessageDigest.isEqual(expected, sha256(given));
  }

  static boolean hostAllowed(@Nullable String host, String[] allowed) {
    if (host == null) {
      return false;
    }
    for (String a : allowed) {
      if (a.equalsIgnoreCase(host.trim())) {
        return true;
      }
    }
    return false;
  }

  /** The Host headers a loopback-bound page answers: its address, localhost, with the port. */
  static String[] loopbackHosts(InetAddress bound, int port) {
    String literal = bound.getHostAddress();
    if (literal.indexOf(':') >= 0) {
      literal = "[" + literal + "]";
    }
    return new String[] {
      literal + ":" + port, "localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port
    };
  }

  // ---- the page ----

  private static void page(HttpExchange ex) throws IOException {
    byte[] nonce = new byte[18];
    RANDOM.nextBytes(nonce);
    String n = Base64.getEncoder().encodeToString(nonce);
    Headers h = ex.getResponseHeaders();
    h.set(
        "Content-Security-Policy",
        "default-src 'none'; script-src 'nonce-" + n + "'; style-src 'nonce-" + n + "';"
            + " connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none';"
            + " frame-ancestors 'none'");
    h.set("X-Frame-Options", "DENY");
    send(ex, 200, "text/html", PAGE.replace("{{NONCE}}", n));
  }

  // ---- event stream ----

  private void events(HttpExchange ex) throws IOException {
    if (streams.incrementAndGet() > maxClients) {
      streams.decrementAndGet();
      ex.getResponseHeaders().set("Retry-After", "5");
      send(ex, 503, "text/plain", "too many live clients (at most " + maxClients + ")\n");
      return;
    }
    SseClient client =
        new SseClient(CLIENT_MAX_FRAMES, clientMaxBytes, Watchdog.current());
    try {
      Headers h = ex.getResponseHeaders();
      h.set("Content-Type", "text/event-stream; charset=utf-8");
      common(h);
      h.set("X-Accel-Buffering", "no");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      write(out, "retry: 3000\n\n".getBytes(StandardCharsets.US_ASCII));
      write(out, registrar.register(client));
      byte[] heartbeat = ":\n\n".getBytes(StandardCharsets.US_ASCII);
      while (true) {
        Watchdog.disarmCurrent();
        byte[] frame = client.take(HEARTBEAT_NANOS);
        if (frame == null) {
          break; // dropped as slow, or the page is closing
        }
        write(out, frame == SseClient.IDLE ? heartbeat : frame);
      }
    } catch (InterruptedException e) {
      // dropped or closing: the thread's interrupt status is cleared when the task ends
    } finally {
      client.close("gone");
      state.unregister(client);
      streams.decrementAndGet();
    }
  }

  private void write(OutputStream out, byte[] frame) throws IOException {
    watchdog.armCurrent();
    out.write(frame);
    out.flush();
  }

  int streams() {
    return streams.get();
  }

  // ---- release ----

  private void release(HttpExchange ex, String method) throws IOException {
    if (!"POST".equals(method)) {
      ex.getResponseHeaders().set("Allow", "POST");
      send(ex, 405, "text/plain", "method not allowed\n");
      return;
    }
    if (!releaseEnabled) {
      send(ex, 403, "text/plain", "release is not enabled on this page\n");
      return;
    }
    String origin = ex.getRequestHeaders().getFirst("Origin");
    String host = ex.getRequestHeaders().getFirst("Host");
    if (origin != null && !sameOrigin(origin, host)) {
      send(ex, 403, "text/plain", "cross-origin release refused\n");
      return;
    }
    drain(ex.getRequestBody());
    String key = queryParam(ex.getRequestURI().getRawQuery(), "key", true);
    if (key == null || key.isEmpty()) {
      send(ex, 400, "text/plain", "key required: POST /api/release?key=...\n");
      return;
    }
    boolean released = quarantine.release(key);
    sendJson(
        ex,
        200,
        Json.bytes(Map.of("key", SafeText.neutralise(key, Json.MAX_STRING), "released", released)));
  }

  /**
   * Whether a request's {@code Origin} is this page as the browser reached it: the host and port
   * it asked for ({@code Host}), over http, or over https through the TLS proxy the docs advise
   * in front of a page bound elsewhere (this port speaks plain HTTP, so no other site can be
   * https on the same host and port).
   */
  static boolean sameOrigin(String origin, @Nullable String host) {
    if (host == null || host.isBlank()) {
      return false;
    }
    String h = host.trim();
    return origin.equalsIgnoreCase("http://" + h) || origin.equalsIgnoreCase("https://" + h);
  }

  /** Reads and discards at most 64 KiB of a request body. */
  private static void drain(InputStream in) throws IOException {
    byte[] buf = new byte[4096];
    int total = 0;
    int n;
    while (total < 65_536 && (n = in.read(buf)) > 0) {
      total += n;
    }
  }

  // ---- helpers ----

  /** The first value of {@code name}; {@code plusIsSpace}: a '+' decodes to a space (forms). */
  static @Nullable String queryParam(@Nullable String rawQuery, String name, boolean plusIsSpace) {
    if (rawQuery == null) {
      return null;
    }
    for (String part : rawQuery.split("&", 64)) {
      int eq = part.indexOf('=');
      String k = eq < 0 ? part : part.substring(0, eq);
      if (name.equals(decode(k))) {
        String v = eq < 0 ? "" : part.substring(eq + 1);
        return decode(plusIsSpace ? v : v.replace("+", "%2B"));
      }
    }
    return null;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  private static void common(Headers h) {
    h.set("Cache-Control", "no-store");
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Referrer-Policy", "no-referrer");
  }

  private static void sendJson(HttpExchange ex, int code, byte[] body) throws IOException {
    send(ex, code, "application/json", body);
  }

  private static void send(HttpExchange ex, int code, String type, String body) throws IOException {
    send(ex, code, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
    Headers h = ex.getResponseHeaders();
    h.set("Content-Type", type + "; charset=utf-8");
    common(h);
    ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  private static String loadPage() {
    try (InputStream in = Routes.class.getResourceAsStream("page.html")) {
      if (in == null) {
        throw new IllegalStateException("page.html missing from the argos-live jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "Routes[streams=%d]", streams.get());
  }
}
