package dev.argos.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.argos.core.Severity;
import dev.argos.core.Signal;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** {@link Slf4jSink} against a recording {@link Logger}. */
class Slf4jSinkTest {
  private final List<String> calls = new ArrayList<>();

  private Logger recordingLogger(boolean fail) {
    return (Logger)
        Proxy.newProxyInstance(
            Logger.class.getClassLoader(),
            new Class<?>[] {Logger.class},
            (proxy, method, args) -> {
              String m = method.getName();
              if (m.startsWith("is") && m.endsWith("Enabled")) {
                return true;
              }
              if (m.equals("getName")) {
                return "test";
              }
              if (fail) {
                throw new IllegalStateException("logger down");
              }
              if (args != null && args.length == 2) {
                calls.add(m + " " + args[0] + " " + args[1]);
              }
              return null;
            });
  }

  @Test
  void levelFollowsSeverityOneNeutralisedLine() {
    Slf4jSink sink = Slf4jSink.create(recordingLogger(false));
    sink.onSignal(Signal.builder("burst").severity(Severity.INFO).message("i").build());
    sink.onSignal(Signal.builder("burst").severity(Severity.WARNING).message("w").build());
    sink.onSignal(
        Signal.builder("burst")
            .severity(Severity.CRITICAL)
            .key("evil\nkey")
            .message("forged\r\nINFO fake line\u202e")
            .build());
    assertThat(calls).hasSize(3);
    assertThat(calls.get(0)).startsWith("info {} Signal[burst INFO");
    assertThat(calls.get(1)).startsWith("warn {} Signal[burst WARNING");
    assertThat(calls.get(2)).startsWith("error {} Signal[burst CRITICAL");
    assertThat(calls.get(2))
        .doesNotContain("\n")
        .doesNotContain("\r")
        .doesNotContain("\u202e")
        .contains("evil\\nkey")
        .contains("forged\\r\\nINFO fake line\\u202e");
  }

  @Test
  void aFailingLoggerIsIgnored() {
    Slf4jSink sink = Slf4jSink.create(recordingLogger(true));
    assertThatCode(() -> sink.onSignal(Signal.builder("burst").message("x").build()))
        .doesNotThrowAnyException();
    assertThatCode(() -> Slf4jSink.create().onSignal(Signal.builder("burst").message("x").build()))
        .doesNotThrowAnyException();
  }
}
