package dev.argos.spring;

import dev.argos.core.Quarantine;
import dev.argos.core.internal.Throwables;
import dev.argos.observers.Argos;
import dev.argos.signals.InMemoryQuarantine;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both request filters do: key the request, record it, and say whether it must be refused
 * and for how long. Never throws: a failing resolver falls back to the remote address (logged at
 * most once a minute), and Argos's hot path does not throw.
 */
final class RequestGuard {
  /** {@code admit} result of a request that goes on. */
  static final long ADMIT = -1;

  private static final Logger log = LoggerFactory.getLogger(RequestGuard.class);
  private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Argos argos;
  private final Quarantine quarantine;
  private final ClientKeyResolver resolver;
  private final boolean reject;
  private final Duration ttl;
  private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

  RequestGuard(
      Argos argos, Quarantine quarantine, ClientKeyResolver resolver, boolean reject, Duration ttl) {
    this.argos = argos;
    this.quarantine = quarantine;
    this.resolver = resolver;
    this.reject = reject;
    this.ttl = ttl;
  }

  /**
   * Records the request under its client key; returns {@link #ADMIT}, or the seconds to put in
   * {@code Retry-After} (at least 1) when the key is quarantined and must be refused.
   */
  long admit(ClientKeyResolver.Request request) {
    try {
      String key = keyOf(request);
      argos.recordRequest(key);
      if (!reject || key == null || !quarantine.isQuarantined(key)) {
        return ADMIT;
      }
      return retryAfterSeconds(key);
    } catch (RuntimeException unexpected) {
      warn("argos: the request filter failed, request let through: {}", unexpected);
      return ADMIT;
    }
  }

  /** The seconds left of {@code key}'s quarantine when the quarantine tells, else the TTL. */
  long retryAfterSeconds(String key) {
    Duration left =
        quarantine instanceof InMemoryQuarantine q ? q.remaining(key) : ttl;
    if (left.isZero() || left.isNegative()) {
      left = Duration.ofSeconds(1); // expired in between: come back at once
    }
    long seconds = left.getSeconds() + (left.getNano() > 0 ? 1 : 0);
    return Math.max(1, seconds);
  }

  private @Nullable String keyOf(ClientKeyResolver.Request request) {
    try {
      return resolver.resolve(request);
    } catch (RuntimeException failed) {
      warn("argos: the ClientKeyResolver threw, keyed by remote address: {}", failed);
      return request.remoteAddress();
    }
  }

  private void warn(String format, Throwable t) {
    long now = System.nanoTime();
    long last = lastLogged.get();
    if (now - last >= LOG_EVERY_NANOS && lastLogged.compareAndSet(last, now)) {
      log.warn(format, Throwables.describe(t));
    }
  }
}
