package dev.argos.spring.servletapp;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/** A servlet application with one handler that counts the requests it served per client. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(ServletTestApp.Hello.class)
public class ServletTestApp {
  /** Requests that reached the handler, by X-Client header. */
  public static final Map<String, AtomicInteger> SERVED = new ConcurrentHashMap<>();

  @RestController
  public static class Hello {
    @GetMapping("/hello")
    public String hello(@RequestHeader(name = "X-Client", defaultValue = "none") String client) {
      SERVED.computeIfAbsent(client, k -> new AtomicInteger()).incrementAndGet();
      return "hello";
    }
  }
}
