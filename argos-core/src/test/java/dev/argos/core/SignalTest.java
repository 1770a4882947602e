package dev.argos.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.core.internal.SafeText;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignalTest {

  @Test
  void builderFillsDefaultsAndKeepsFields() {
    Instant before = Instant.now();
    Signal s =
        Signal.builder(Signal.TYPE_BURST)
            .severity(Severity.CRITICAL)
            .key("10.0.0.1")
            .message("burst from 10.0.0.1")
            .data("rate", 1234.5)
            .data("windowMs", 1000L)
            .build();
    assertThat(s.type()).isEqualTo("burst");
    assertThat(s.severity()).isEqualTo(Severity.CRITICAL);
    assertThat(s.key()).isEqualTo("10.0.0.1");
    assertThat(s.source()).isEmpty();
    assertThat(s.timestamp()).isAfterOrEqualTo(before);
    assertThat(s.data()).containsExactly(Map.entry("rate", 1234.5), Map.entry("windowMs", 1000L));
    assertThat(s.isResolved()).isFalse();
  }

  @Test
  void dataIsUnmodifiableAndNormalisedToJsonFriendlyValues() {
    Signal s =
        Signal.builder("custom")
            .data("nan", Double.NaN)
            .data("inf", Double.POSITIVE_INFINITY)
            .data("float", 1.5f)
            .data("short", (short) 3)
            .data("enum", Severity.INFO)
            .data("duration", Duration.ofMillis(1500))
            .data("list", List.of(1, "a", Severity.WARNING))
            .data("array", new String[] {"x", "y"})
            .data("object", new Object() {
              @Override
              public String toString() {
                return "obj";
              }
            })
            .data("null", null)
            .build();
    assertThat(s.data().get("nan")).isNull();
    assertThat(s.data().get("inf")).isNull();
    assertThat(s.data().get("float")).isEqualTo(1.5d);
    assertThat(s.data().get("short")).isEqualTo(3);
    assertThat(s.data().get("enum")).isEqualTo("INFO");
    assertThat(s.data().get("duration")).isEqualTo("PT1.5S");
    assertThat(s.data().get("list")).isEqualTo(List.of(1, "a", "WARNING"));
    assertThat(s.data().get("array")).isEqualTo(List.of("x", "y"));
    assertThat(s.data().get("object")).isEqualTo("obj");
    assertThat(s.data()).containsKey("null");
    assertThatThrownBy(() -> s.data().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aDataValueWhoseToStringThrowsBecomesAPlaceholder() {
    Object bad =
        new Object() {
          @Override
          public String toString() {
            throw new IllegalStateException("boom");
          }
        };
    Map<Object, Object> badKey = new java.util.HashMap<>();
    badKey.put(bad, 1);
    Signal s =
        Signal.builder("custom")
            .data("bad", bad)
            .data("inList", List.of("ok", bad))
            .data("badKey", badKey)
            .build();
    assertThat(s.data().get("bad")).isEqualTo("<toString threw IllegalStateException>");
    assertThat(s.data().get("inList")).isEqualTo(List.of("ok", "<toString threw IllegalStateException>"));
    assertThat(s.data().get("badKey")).isEqualTo(Map.of("<toString threw IllegalStateException>", 1));
    assertThat(s.toString()).contains("bad=<toString threw IllegalStateException>");
  }

  @Test
  void aMapAndAListContainingEachOtherAreCutNotFollowed() {
    Map<String, Object> map = new java.util.LinkedHashMap<>();
    List<Object> list = new java.util.ArrayList<>();
    map.put("list", list);
    list.add(map);
    list.add("x");
    Object[] array = new Object[1];
    array[0] = array;
    Signal s = Signal.builder("custom").data("cycle", map).data("loop", list).data("array", array).build();
    // depth 0 map -> 1 list -> 2 map -> 3 list -> 4 map: cut there
    Object level = s.data().get("cycle");
    for (int depth = 0; depth < 4; depth++) {
      level = depth % 2 == 0 ? ((Map<?, ?>) level).get("list") : ((List<?>) level).get(0);
    }
    assertThat(level).isEqualTo("<nested deeper than 4>");
    assertThat(s.data().get("array")).isInstanceOf(List.class);
    assertThat(s.toString()).contains("cycle=");
    assertThat(s.toBuilder().build()).isEqualTo(s).hasSameHashCodeAs(s);
  }

  @Test
  void typeMustBeWellFormed() {
    for (String bad : Arrays.asList("", "a b", "x:y", "new\nline", "a".repeat(65))) {
      assertThatThrownBy(() -> Signal.builder(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("type");
    }
  }

  @Test
  void untrustedTextIsBoundedAndToStringIsOneSafeLine() {
    String evil = "1.2.3.4\n2026-01-01 FAKE LOG LINE\r\u2028\u202e" + "k".repeat(10_000);
    Signal s =
        Signal.builder(Signal.TYPE_BURST)
            .key(evil)
            .message("from " + evil)
            .data("header", evil)
            .build();
    assertThat(s.key()).hasSize(Signal.MAX_KEY_LENGTH);
    assertThat(s.message()).hasSize(Signal.MAX_MESSAGE_LENGTH);
    String line = s.toString();
    assertThat(line).doesNotContain("\n", "\r", "\u2028", "\u202e");
    assertThat(line).contains("\\n", "\\r", "\\u2028", "\\u202e");
    assertThat(line.length()).isLessThan(2200);
  }

  @Test
  void toBuilderDerivesAnEqualCopy() {
    Signal s = Signal.builder("x").key("k").message("m").data("a", 1).source("src").build();
    assertThat(s.toBuilder().build()).isEqualTo(s).hasSameHashCodeAs(s);
    Signal resolved = s.toBuilder().severity(Severity.INFO).data(Signal.DATA_STATE, "resolved").build();
    assertThat(resolved.isResolved()).isTrue();
    assertThat(resolved).isNotEqualTo(s);
  }

  @Test
  void dataEntriesAreBounded() {
    Signal.Builder b = Signal.builder("x");
    for (int i = 0; i < 1000; i++) {
      b.data("k" + i, i);
    }
    assertThat(b.build().data()).hasSize(Signal.MAX_DATA_ENTRIES);
  }

  @Test
  void severityEscalatesAndCompares() {
    assertThat(Severity.INFO.escalate()).isEqualTo(Severity.WARNING);
    assertThat(Severity.WARNING.escalate()).isEqualTo(Severity.CRITICAL);
    assertThat(Severity.CRITICAL.escalate()).isEqualTo(Severity.CRITICAL);
    assertThat(Severity.CRITICAL.isAtLeast(Severity.WARNING)).isTrue();
    assertThat(Severity.INFO.isAtLeast(Severity.WARNING)).isFalse();
  }

  @Test
  void safeTextEscapesAndCaps() {
    assertThat(SafeText.neutralise("plain", 100)).isEqualTo("plain");
    assertThat(SafeText.neutralise("a\tb\u0000", 100)).isEqualTo("a\\tb\\u0000");
    assertThat(SafeText.neutralise("x".repeat(50), 10)).isEqualTo("xxxxxxxxxx...");
    assertThat(SafeText.neutralise(null, 10)).isEqualTo("null");
    assertThatThrownBy(() -> SafeText.neutralise("x", 2)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void manualClockMovesOnlyWhenAdvanced() {
    ManualClock c = Clock.manual(Instant.parse("2026-01-01T00:00:00Z"));
    long n0 = c.nanoTime();
    assertThat(c.nanoTime()).isEqualTo(n0);
    c.advance(Duration.ofMillis(1500));
    assertThat(c.nanoTime() - n0).isEqualTo(1_500_000_000L);
    assertThat(c.instant()).isEqualTo(Instant.parse("2026-01-01T00:00:01.500Z"));
    assertThatThrownBy(() -> c.advance(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT-0.001S");
  }
}
