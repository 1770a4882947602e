package dev.argos.spring;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import org.jspecify.annotations.Nullable;

/**
 * Records each request by client key and answers {@code 429 Too Many Requests} with {@code
 * Retry-After} for a quarantined key, which then does not reach the handler.
 */
final class ServletRequestFilter implements Filter {
  private static final byte[] BODY = "Too Many Requests\n".getBytes(StandardCharsets.UTF_8);

  private final RequestGuard guard;

  ServletRequestFilter(RequestGuard guard) {
    this.guard = guard;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (request instanceof HttpServletRequest http
        && response instanceof HttpServletResponse out) {
      long retryAfter = guard.admit(new View(http));
      if (retryAfter != RequestGuard.ADMIT) {
        out.setStatus(429);
        out.setHeader("Retry-After", Long.toString(retryAfter));
        out.setContentType("text/plain;charset=UTF-8");
        out.setContentLength(BODY.length);
        out.getOutputStream().write(BODY);
        return;
      }
    }
    chain.doFilter(request, response);
  }

  /** The servlet request as a resolver sees it. */
  private static final class View implements ClientKeyResolver.Request {
    private final HttpServletRequest request;

    View(HttpServletRequest request) {
      this.request = request;
    }

    @Override
    public String remoteAddress() {
      String a = request.getRemoteAddr();
      return a == null ? "" : a;
    }

    @Override
    public @Nullable String firstHeader(String name) {
      return request.getHeader(name);
    }

    @Override
    public @Nullable String lastHeader(String name) {
      Enumeration<String> e = request.getHeaders(name);
      if (e == null) {
        return null;
      }
      String last = null;
      while (e.hasMoreElements()) { // the container bounds the header count (Tomcat: 100)
        last = e.nextElement();
      }
      return last;
    }

    @Override
    public String method() {
      String m = request.getMethod();
      return m == null ? "" : m;
    }

    @Override
    public String path() {
      String p = request.getRequestURI();
      return p == null ? "" : p;
    }
  }
}
