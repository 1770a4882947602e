package dev.argos.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hostile data values never escape Signal.Builder: checked exceptions thrown sneakily, Errors, keys. */
class SignalHostileDataTest {
  @SuppressWarnings("unchecked")
  static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
    throw (E) t;
  }

  /** toString() throws a checked exception (Lombok @SneakyThrows style). */
  static final class SneakyToString {
    @Override
    public String toString() {
      throw sneaky(new java.io.IOException("boom"));
    }
  }

  /** toString() throws an Error other than StackOverflowError. */
  static final class AssertingToString {
    @Override
    public String toString() {
      throw new AssertionError("boom");
    }
  }

  @Test
  void aToStringThrowingACheckedExceptionDoesNotEscapeData() {
    assertThatCode(() -> Signal.builder("t").message("m").data("v", new SneakyToString()).build())
        .doesNotThrowAnyException();
  }

  @Test
  void aToStringThrowingAnAssertionErrorDoesNotEscapeData() {
    assertThatCode(() -> Signal.builder("t").message("m").data("v", new AssertingToString()).build())
        .doesNotThrowAnyException();
  }

  @Test
  void aMapKeyWhoseToStringThrowsCheckedDoesNotEscape() {
    Map<Object, Object> m = new HashMap<>();
    m.put(new SneakyToString(), 1);
    assertThatCode(() -> Signal.builder("t").message("m").data("v", m).build())
        .doesNotThrowAnyException();
  }

  @Test
  void aCyclicMapIsCut() {
    Map<String, Object> a = new HashMap<>();
    Map<String, Object> b = new HashMap<>();
    a.put("b", b);
    b.put("a", a);
    Signal s = Signal.builder("t").message("m").data("v", a).build();
    assertThat(s.toString()).isNotEmpty();
  }
}
