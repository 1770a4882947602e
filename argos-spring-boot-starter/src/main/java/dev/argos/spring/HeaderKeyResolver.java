package dev.argos.spring;

import dev.argos.spring.ArgosProperties.Hop;
import java.util.Locale;

/**
 * The client key from a header a trusted proxy writes (e.g. {@code X-Forwarded-For}): the first
 * or last comma-separated hop of the first or last instance of the header, at most {@code
 * maxLength} characters of it read. A request without the header, or with an empty hop, is keyed
 * by its remote address.
 */
final class HeaderKeyResolver implements ClientKeyResolver {
  private final String header;
  private final Hop hop;
  private final int maxLength;

  HeaderKeyResolver(String header, Hop hop, int maxLength) {
    if (header.isBlank()) {
      throw new IllegalArgumentException("argos.web.client-key-header must not be blank");
    }
    if (maxLength < 16 || maxLength > 65_536) {
      throw new IllegalArgumentException(
          "argos.web.max-header-length must be between 16 and 65536 but was " + maxLength);
    }
    this.header = header.trim();
    this.hop = hop;
    this.maxLength = maxLength;
  }

  @Override
  public String resolve(Request request) {
    String value = hop == Hop.LAST ? request.lastHeader(header) : request.firstHeader(header);
    if (value == null) {
      return request.remoteAddress();
    }
    if (value.length() > maxLength) {
      value = hop == Hop.LAST
          ? value.substring(value.length() - maxLength)
          : value.substring(0, maxLength);
    }
    String token;
    if (hop == Hop.LAST) {
      token = value.substring(value.lastIndexOf(',') + 1);
    } else {
      int comma = value.indexOf(',');
      token = comma < 0 ? value : value.substring(0, comma);
    }
    token = token.trim();
    return token.isEmpty() ? request.remoteAddress() : token;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "HeaderKeyResolver[%s, %s hop]", header, hop);
  }
}
