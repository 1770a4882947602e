package dev.argos.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The page's JSON: safe in HTML, one line, trimmed for display. */
class JsonTest {

  @Test
  void markupQuotesAndLineSeparatorsAreEscapedAndTheDocumentIsOneLine() throws Exception {
    String nasty = "</script><b a='1'>&\u2028\u2029\n\r";
    String json = new String(Json.bytes(Map.of("k", nasty)), StandardCharsets.UTF_8);
    assertThat(json).doesNotContain("<", ">", "&", "'", "\u2028", "\u2029", "\n", "\r");
    assertThat(Fixture.parse(json).get("k").asText()).isEqualTo(nasty);
  }

  @Test
  void valuesAreTrimmedForDisplay() {
    List<Integer> many = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      many.add(i);
    }
    Map<String, Object> in = new LinkedHashMap<>();
    in.put("nan", Double.NaN);
    in.put("inf", Double.POSITIVE_INFINITY);
    in.put("long", "x".repeat(2_000));
    in.put("list", many);
    in.put("control", "a\u001b[31mb");
    String figure = "lag.executor." + "e".repeat(128) + ".lagMs";
    in.put(figure, 1.5);

    @SuppressWarnings("unchecked")
    Map<String, Object> out = (Map<String, Object>) Json.trim(in, 0);
    assertThat(out).containsEntry("nan", null).containsEntry("inf", null);
    assertThat((String) out.get("long")).hasSize(Json.MAX_STRING + 3).endsWith("...");
    List<?> list = (List<?>) out.get("list");
    assertThat(list).hasSize(Json.MAX_ENTRIES + 1);
    assertThat(list.get(Json.MAX_ENTRIES)).isEqualTo("... 8 more");
    assertThat(out.get("control")).isEqualTo("a\\u001b[31mb");
    assertThat(out).containsEntry(figure, 1.5); // a figure name is kept whole
  }

  @Test
  void anEventFrameIsOneDataLineEndedByABlankLine() {
    byte[] frame = LiveState.frame("signal", 7L, Map.of("message", "two\nlines"));
    String text = new String(frame, StandardCharsets.UTF_8);
    assertThat(text).startsWith("id: 7\nevent: signal\ndata: {").endsWith("}\n\n");
    assertThat(text.split("\n", -1)).hasSize(5);
  }
}
