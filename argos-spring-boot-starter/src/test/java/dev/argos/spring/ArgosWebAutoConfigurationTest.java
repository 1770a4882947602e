package dev.argos.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.Agent;
import dev.argos.core.Severity;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Which filter is registered, and with which client key resolver. */
class ArgosWebAutoConfigurationTest {
  private final WebApplicationContextRunner servlet =
      new WebApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(ArgosAutoConfiguration.class, ArgosWebAutoConfiguration.class));

  @Configuration(proxyBeanMethods = false)
  static class TenantResolver {
    @Bean
    ClientKeyResolver tenantResolver() {
      return request -> "tenant-" + request.firstHeader("X-Tenant");
    }
  }

  @Test
  void servletApplicationsGetTheFilterOnEveryPath() {
    servlet.run(
        context -> {
          FilterRegistrationBean<?> r =
              context.getBean("argosRequestFilter", FilterRegistrationBean.class);
          assertThat(r.getFilter()).isInstanceOf(ServletRequestFilter.class);
          assertThat(r.getUrlPatterns()).containsExactly("/*");
          assertThat(r.getOrder()).isEqualTo(-110); // before Spring Security's chain (-100)
        });
  }

  @Test
  void theUsersResolverIsUsed() {
    servlet
        .withUserConfiguration(TenantResolver.class)
        .withPropertyValues("argos.web.client-key-header=X-Forwarded-For") // the bean wins
        .run(
            context -> {
              RequestGuard guard = context.getBean(RequestGuard.class);
              context
                  .getBean(Agent.class)
                  .quarantine()
                  .quarantine("tenant-acme", Severity.WARNING, "test");
              var acme =
                  new HeaderKeyResolverTest.FakeRequest(
                      "10.0.0.1",
                      Map.of("X-Tenant", java.util.List.of("acme"),
                          "X-Forwarded-For", java.util.List.of("tenant-acme-not")));
              var other =
                  new HeaderKeyResolverTest.FakeRequest(
                      "10.0.0.1", Map.of("X-Tenant", java.util.List.of("other")));
              assertThat(guard.admit(acme)).isPositive();
              assertThat(guard.admit(other)).isEqualTo(RequestGuard.ADMIT);
            });
  }

  @Test
  void theTrustedHeaderIsUsedOnlyWhenConfigured() {
    var viaProxy =
        new HeaderKeyResolverTest.FakeRequest(
            "10.0.0.1", Map.of("X-Forwarded-For", java.util.List.of("203.0.113.7")));
    servlet.run(
        context -> {
          context.getBean(Agent.class).quarantine()
              .quarantine("203.0.113.7", Severity.WARNING, "test");
          // not configured: the header is ignored, the remote address is the key
          assertThat(context.getBean(RequestGuard.class).admit(viaProxy))
              .isEqualTo(RequestGuard.ADMIT);
        });
    servlet
        .withPropertyValues("argos.web.client-key-header=X-Forwarded-For")
        .run(
            context -> {
              context.getBean(Agent.class).quarantine()
                  .quarantine("203.0.113.7", Severity.WARNING, "test");
              assertThat(context.getBean(RequestGuard.class).admit(viaProxy)).isPositive();
            });
  }

  @Test
  void webOffRegistersNoFilter() {
    servlet
        .withPropertyValues("argos.web.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("argosRequestFilter"));
  }

  @Test
  void nonWebApplicationsGetNoWebBeans() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(ArgosAutoConfiguration.class, ArgosWebAutoConfiguration.class))
        .run(
            context -> {
              assertThat(context).hasSingleBean(Agent.class);
              assertThat(context).doesNotHaveBean(RequestGuard.class);
              assertThat(context).doesNotHaveBean(ServerExecutorWatcher.class);
            });
  }
}
