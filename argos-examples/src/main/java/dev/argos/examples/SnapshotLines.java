package dev.argos.examples;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Formats {@code Argos.snapshot().figures()} as a few readable lines: one group per name prefix
 * ({@code sampler}, {@code requests}, {@code lag.jvm}, {@code heap}, ...), the prefix written
 * once, decimals to three significant digits, lines wrapped at a width.
 */
final class SnapshotLines {
  private SnapshotLines() {}

  static List<String> format(Map<String, Object> figures, int width) {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    figures.forEach(
        (name, value) -> {
          String group = groupOf(name);
          String rest = name.length() > group.length() ? name.substring(group.length() + 1) : name;
          groups.computeIfAbsent(group, g -> new ArrayList<>()).add(rest + "=" + text(value));
        });
    List<String> lines = new ArrayList<>();
    int pad = groups.keySet().stream().mapToInt(String::length).max().orElse(0);
    groups.forEach(
        (group, items) -> {
          String indent = " ".repeat(pad + 2);
          StringBuilder line = new StringBuilder(group).append(" ".repeat(pad + 2 - group.length()));
          boolean empty = true;
          for (String item : items) {
            if (!empty && line.length() + 1 + item.length() > width) {
              lines.add(line.toString());
              line = new StringBuilder(indent);
              empty = true;
            }
            line.append(empty ? "" : " ").append(item);
            empty = false;
          }
          lines.add(line.toString());
        });
    return lines;
  }

  /** {@code requests.keys.top} and {@code lag.jvm.p99Ms} group by two parts, others by one. */
  static String groupOf(String name) {
    String[] parts = name.split("\\.", -1);
    if (parts.length >= 3 && (parts[0].equals("lag") || parts[1].equals("keys"))) {
      return parts[0] + "." + parts[1];
    }
    return parts[0];
  }

  static String text(Object value) {
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (!Double.isFinite(d)) {
        return String.valueOf(d);
      }
      if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        return Long.toString((long) d);
      }
      return new BigDecimal(d).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }
    return String.valueOf(value);
  }
}
