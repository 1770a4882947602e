package dev.argos.spring;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The WebFlux twin of {@link ServletRequestFilter}: records each request by client key, answers
 * {@code 429} with {@code Retry-After} for a quarantined key. Runs on the server's event loop,
 * which it never blocks (the guard reads lock-free structures only).
 */
final class ReactiveRequestFilter implements WebFilter, Ordered {
  private final RequestGuard guard;
  private final int order;

  ReactiveRequestFilter(RequestGuard guard, int order) {
    this.guard = guard;
    this.order = order;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    long retryAfter = guard.admit(new View(exchange.getRequest()));
    if (retryAfter != RequestGuard.ADMIT) {
      ServerHttpResponse response = exchange.getResponse();
      response.setStatusCode(HttpStatus.TOO_MANY_REQUESTS);
      response.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
      return response.setComplete();
    }
    return chain.filter(exchange);
  }

  @Override
  public int getOrder() {
    return order;
  }

  /** The reactive request as a resolver sees it. */
  private static final class View implements ClientKeyResolver.Request {
    private final ServerHttpRequest request;

    View(ServerHttpRequest request) {
      this.request = request;
    }

    @Override
    public String remoteAddress() {
      InetSocketAddress a = request.getRemoteAddress();
      if (a == null) {
        return "";
      }
      InetAddress ip = a.getAddress();
      return ip != null ? ip.getHostAddress() : a.getHostString();
    }

    @Override
    public @Nullable String firstHeader(String name) {
      return request.getHeaders().getFirst(name);
    }

    @Override
    public @Nullable String lastHeader(String name) {
      List<String> values = request.getHeaders().get(name);
      return values == null || values.isEmpty() ? null : values.get(values.size() - 1);
    }

    @Override
    public String method() {
      return request.getMethod().name();
    }

    @Override
    public String path() {
      return request.getPath().pathWithinApplication().value();
    }
  }
}
