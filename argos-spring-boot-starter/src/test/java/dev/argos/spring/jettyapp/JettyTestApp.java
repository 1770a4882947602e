package dev.argos.spring.jettyapp;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.embedded.jetty.JettyServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A servlet application on Jetty (declared here: Tomcat is on the test class path too). */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(JettyTestApp.Hello.class)
public class JettyTestApp {
  @Bean
  JettyServletWebServerFactory jettyFactory() {
    return new JettyServletWebServerFactory();
  }

  @RestController
  public static class Hello {
    @GetMapping("/hello")
    public String hello() {
      return "hello";
    }
  }
}
