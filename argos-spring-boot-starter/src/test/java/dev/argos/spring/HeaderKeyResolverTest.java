package dev.argos.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.argos.spring.ArgosProperties.Hop;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderKeyResolverTest {
  /** A request with a remote address and header lines. */
  record FakeRequest(String remoteAddress, Map<String, List<String>> headerLines)
      implements ClientKeyResolver.Request {
    @Override
    public String firstHeader(String name) {
      List<String> v = headerLines.get(name);
      return v == null ? null : v.get(0);
    }

    @Override
    public String lastHeader(String name) {
      List<String> v = headerLines.get(name);
      return v == null ? null : v.get(v.size() - 1);
    }

    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String path() {
      return "/";
    }
  }

  private static FakeRequest xff(String... lines) {
    return new FakeRequest("10.0.0.9", Map.of("X-Forwarded-For", List.of(lines)));
  }

  @Test
  void lastHopIsTheAddressTheTrustedProxyAppended() {
    HeaderKeyResolver r = new HeaderKeyResolver("X-Forwarded-For", Hop.LAST, 1024);
    assertThat(r.resolve(xff("1.1.1.1, 2.2.2.2, 3.3.3.3"))).isEqualTo("3.3.3.3");
    assertThat(r.resolve(xff("spoofed", "4.4.4.4"))).isEqualTo("4.4.4.4");
    assertThat(r.resolve(xff(" 5.5.5.5 "))).isEqualTo("5.5.5.5");
  }

  @Test
  void firstHopIsTheLeftMostAddress() {
    HeaderKeyResolver r = new HeaderKeyResolver("X-Forwarded-For", Hop.FIRST, 1024);
    assertThat(r.resolve(xff("1.1.1.1, 2.2.2.2, 3.3.3.3"))).isEqualTo("1.1.1.1");
    assertThat(r.resolve(xff("6.6.6.6", "7.7.7.7"))).isEqualTo("6.6.6.6");
  }

  @Test
  void missingOrEmptyHeaderFallsBackToTheRemoteAddress() {
    HeaderKeyResolver r = new HeaderKeyResolver("X-Forwarded-For", Hop.LAST, 1024);
    assertThat(r.resolve(new FakeRequest("10.0.0.9", Map.of()))).isEqualTo("10.0.0.9");
    assertThat(r.resolve(xff("1.1.1.1, "))).isEqualTo("10.0.0.9");
    assertThat(r.resolve(xff("   "))).isEqualTo("10.0.0.9");
  }

  @Test
  void onlyMaxHeaderLengthCharactersAreRead() {
    HeaderKeyResolver last = new HeaderKeyResolver("X-Forwarded-For", Hop.LAST, 16);
    HeaderKeyResolver first = new HeaderKeyResolver("X-Forwarded-For", Hop.FIRST, 16);
    String huge = "a".repeat(100_000); // one hop with no comma at all
    assertThat(last.resolve(xff(huge))).hasSize(16);
    assertThat(first.resolve(xff(huge))).hasSize(16);
    assertThat(last.resolve(xff(huge + ",9.9.9.9"))).isEqualTo("9.9.9.9");
  }

  @Test
  void settingsAreChecked() {
    assertThatThrownBy(() -> new HeaderKeyResolver(" ", Hop.LAST, 1024))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("argos.web.client-key-header");
    assertThatThrownBy(() -> new HeaderKeyResolver("X-Forwarded-For", Hop.LAST, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("argos.web.max-header-length")
        .hasMessageContaining("4");
  }
}
