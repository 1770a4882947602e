package dev.argos.spring.reactiveapp;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.embedded.netty.NettyReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * A WebFlux application on Reactor Netty (declared here: with Tomcat on the test class path too,
 * Spring Boot would pick Tomcat) with one handler that counts the requests it served per client.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(ReactiveTestApp.Hello.class)
public class ReactiveTestApp {
  /** Requests that reached the handler, by X-Client header. */
  public static final Map<String, AtomicInteger> SERVED = new ConcurrentHashMap<>();

  @Bean
  NettyReactiveWebServerFactory nettyFactory() {
    return new NettyReactiveWebServerFactory();
  }

  @RestController
  public static class Hello {
    @GetMapping("/hello")
    public Mono<String> hello(
        @RequestHeader(name = "X-Client", defaultValue = "none") String client) {
      SERVED.computeIfAbsent(client, k -> new AtomicInteger()).incrementAndGet();
      return Mono.just("hello");
    }
  }
}
