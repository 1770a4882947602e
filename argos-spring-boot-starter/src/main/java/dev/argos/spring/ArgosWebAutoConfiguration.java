package dev.argos.spring;

import dev.argos.core.Agent;
import dev.argos.observers.Argos;
import jakarta.servlet.DispatcherType;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The web side: a request filter (servlet or WebFlux) that records each request by client key
 * and refuses a quarantined key with {@code 429 Too Many Requests} and {@code Retry-After}, and
 * the watch on the web server's request executor. The client key comes from the application's
 * {@link ClientKeyResolver} bean, else from the trusted header {@code
 * argos.web.client-key-header}, else it is the remote address.
 */
@AutoConfiguration(after = ArgosAutoConfiguration.class)
@ConditionalOnWebApplication
@ConditionalOnBean({Argos.class, Agent.class})
@ConditionalOnProperty(prefix = "argos", name = "enabled", havingValue = "true", matchIfMissing = true)
public class ArgosWebAutoConfiguration {
  /** Created by Spring. */
  public ArgosWebAutoConfiguration() {}

  /** The shared logic of both filters. */
  @Bean
  @ConditionalOnMissingBean
  RequestGuard argosRequestGuard(
      Argos argos,
      Agent agent,
      ObjectProvider<ClientKeyResolver> resolver,
      ArgosProperties properties) {
    ArgosProperties.WebSettings web = properties.getWeb();
    ClientKeyResolver r = resolver.getIfUnique(() -> defaultResolver(web));
    return new RequestGuard(
        argos, agent.quarantine(), r, web.isRejectQuarantined(), properties.getQuarantine().getTtl());
  }

  /** Watches the executor of each web server started in the context. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty(
      prefix = "argos.web", name = "watch-executor", havingValue = "true", matchIfMissing = true)
  ServerExecutorWatcher argosServerExecutorWatcher(Argos argos) {
    return new ServerExecutorWatcher(argos);
  }

  /** The resolver {@code argos.web.*} describes: the trusted header, else the remote address. */
  static ClientKeyResolver defaultResolver(ArgosProperties.WebSettings web) {
    String header = web.getClientKeyHeader();
    if (header == null || header.isBlank()) {
      return ClientKeyResolver.Request::remoteAddress;
    }
    return new HeaderKeyResolver(header, web.getClientKeyHop(), web.getMaxHeaderLength());
  }

  /** The servlet filter, for servlet applications. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = "jakarta.servlet.Filter")
  @ConditionalOnProperty(
      prefix = "argos.web", name = "enabled", havingValue = "true", matchIfMissing = true)
  static class Servlet {
    @Bean
    @ConditionalOnMissingBean(name = "argosRequestFilter")
    FilterRegistrationBean<ServletRequestFilter> argosRequestFilter(
        RequestGuard guard, ArgosProperties properties) {
      FilterRegistrationBean<ServletRequestFilter> r =
          new FilterRegistrationBean<>(new ServletRequestFilter(guard));
      r.setName("argosRequestFilter");
      r.setOrder(properties.getWeb().getFilterOrder());
      r.setDispatcherTypes(DispatcherType.REQUEST); // once per request, not again on error/async
      r.addUrlPatterns("/*");
      return r;
    }
  }

  /** The WebFlux filter, for reactive applications. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
  @ConditionalOnClass(name = "org.springframework.web.server.WebFilter")
  @ConditionalOnProperty(
      prefix = "argos.web", name = "enabled", havingValue = "true", matchIfMissing = true)
  static class Reactive {
    @Bean
    @ConditionalOnMissingBean(name = "argosWebFilter")
    ReactiveRequestFilter argosWebFilter(RequestGuard guard, ArgosProperties properties) {
      return new ReactiveRequestFilter(guard, properties.getWeb().getFilterOrder());
    }
  }
}
