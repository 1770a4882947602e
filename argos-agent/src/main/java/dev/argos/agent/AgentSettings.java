package dev.argos.agent;

import dev.argos.core.AgentConfig;
import dev.argos.core.internal.SafeText;
import dev.argos.core.internal.Throwables;
import dev.argos.observers.ArgosConfig;
import dev.argos.observers.Thresholds;
import dev.argos.signals.Dedup;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The settings of {@code config=FILE}: a Java properties file (UTF-8) with the settings of
 * DESIGN §3 under {@code argos.*}. Each value is checked by the builder it goes to (so the message
 * is the library's own, naming the setting and the value); a bad or unknown entry is left out, its
 * default applies, and one sentence says so in {@link #problems()}. Parsing never throws.
 */
final class AgentSettings {
  /** Largest settings file read, in bytes. */
  static final long MAX_FILE_BYTES = 64 * 1024;
  /** Unknown settings named one by one at most; the rest are counted in one sentence. */
  static final int MAX_UNKNOWN_SHOWN = 10;

  private static final Pattern SIMPLE_DURATION =
      Pattern.compile("([0-9]{1,12})\\s*(ms|s|m|h)", Pattern.CASE_INSENSITIVE);

  /** The builders one run of the agent configures. */
  static final class Builders {
    final ArgosConfig.Builder argos = ArgosConfig.builder();
    final Thresholds.Builder thresholds = Thresholds.builder();
    final Dedup.Builder dedup = Dedup.builder();
    final AgentConfig.Builder agent = AgentConfig.builder();
    @Nullable String app;
  }

  private interface Setting {
    void apply(String name, String value, Builders b);
  }

  /** Every key the file may hold, in the order documented in docs/zero-code.md. */
  static final Map<String, String> DESCRIPTIONS;

  private static final Map<String, Setting> SETTINGS;

  static {
    Map<String, Setting> s = new LinkedHashMap<>();
    Map<String, String> d = new LinkedHashMap<>();
    s.put("argos.sampleRate", (n, v, b) -> b.argos.sampleRate(duration(n, v)));
    d.put("argos.sampleRate", "duration, 100ms");
    s.put("argos.windowSize", (n, v, b) -> b.argos.windowSize(duration(n, v)));
    d.put("argos.windowSize", "duration, 60s");
    s.put("argos.eventLoopLag", (n, v, b) -> b.thresholds.eventLoopLag(duration(n, v)));
    d.put("argos.eventLoopLag", "duration, 50ms");
    s.put("argos.memoryGrowth", (n, v, b) -> b.thresholds.memoryGrowth(number(n, v)));
    d.put("argos.memoryGrowth", "share, 0.20");
    s.put("argos.heapUsageAfterGc", (n, v, b) -> b.thresholds.heapUsageAfterGc(number(n, v)));
    d.put("argos.heapUsageAfterGc", "share, 0.90");
    s.put("argos.gcOverhead", (n, v, b) -> b.thresholds.gcOverhead(number(n, v)));
    d.put("argos.gcOverhead", "share, 0.10");
    s.put("argos.burstMultiplier", (n, v, b) -> b.thresholds.burstMultiplier(number(n, v)));
    d.put("argos.burstMultiplier", "number > 1, 10");
    s.put("argos.burstMinRate", (n, v, b) -> b.thresholds.burstMinRate(number(n, v)));
    d.put("argos.burstMinRate", "per second, 20");
    s.put("argos.keyBurstMinRate", (n, v, b) -> b.thresholds.keyBurstMinRate(number(n, v)));
    d.put("argos.keyBurstMinRate", "per second, 10");
    s.put("argos.fileHandleUsage", (n, v, b) -> b.thresholds.fileHandleUsage(number(n, v)));
    d.put("argos.fileHandleUsage", "share, 0.90");
    s.put("argos.threadUsage", (n, v, b) -> b.thresholds.threadUsage(number(n, v)));
    d.put("argos.threadUsage", "share, 0.90");
    s.put("argos.dedupWindow", (n, v, b) -> b.dedup.window(duration(n, v)));
    d.put("argos.dedupWindow", "duration, 60s");
    s.put("argos.escalateAfter", (n, v, b) -> b.dedup.escalateAfter(integer(n, v)));
    d.put("argos.escalateAfter", "repeats, 3");
    s.put("argos.signalQueue", (n, v, b) -> b.agent.signalQueueCapacity(integer(n, v)));
    d.put("argos.signalQueue", "signals, 1024");
    s.put("argos.floodLimit", (n, v, b) -> b.agent.floodLimitPerMinute(integer(n, v)));
    d.put("argos.floodLimit", "signals per type per minute, 5000");
    s.put("argos.app", (n, v, b) -> b.app = appName(n, v));
    d.put("argos.app", "the registry's app field, system property argos.app or unknown");
    SETTINGS = Collections.unmodifiableMap(s);
    DESCRIPTIONS = Collections.unmodifiableMap(d);
  }

  private final Map<String, String> values;
  private final List<String> problems;

  private AgentSettings(Map<String, String> values, List<String> problems) {
    this.values = values;
    this.problems = problems;
  }

  /** No file: every default. */
  static AgentSettings defaults() {
    return new AgentSettings(Map.of(), List.of());
  }

  /** Reads {@code file}; an unreadable or oversized file yields the defaults and one problem. */
  static AgentSettings read(Path file) {
    try {
      byte[] bytes;
      try (java.io.InputStream in = Files.newInputStream(file)) {
        // at most one byte past the limit: a file's reported size can lie (/proc reports 0)
        bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
      }
      if (bytes.length > MAX_FILE_BYTES) {
        return new AgentSettings(
            Map.of(),
            List.of(
                "config file "
                    + shown(file.toString())
                    + " ignored: larger than "
                    + MAX_FILE_BYTES
                    + " bytes; defaults used"));
      }
      Properties p = new Properties();
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
              .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(bytes))
              .toString();
      try (Reader r = new java.io.StringReader(text)) {
        p.load(r);
      }
      return parse(p, "config file " + shown(file.getFileName().toString()));
    } catch (IOException | RuntimeException e) {
      return new AgentSettings(
          Map.of(),
          List.of(
              "config file "
                  + shown(file.toString())
                  + " ignored: "
                  + Throwables.describe(e)
                  + "; defaults used"));
    }
  }

  /** Checks each entry of {@code p} ({@code where} names the source in the problems). */
  static AgentSettings parse(Properties p, String where) {
    Map<String, String> ok = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    int unknown = 0;
    for (String name : new TreeSet<>(p.stringPropertyNames())) {
      String value = p.getProperty(name, "").strip();
      Setting setting = SETTINGS.get(name);
      if (setting == null) {
        if (++unknown > MAX_UNKNOWN_SHOWN) {
          continue; // counted: one WARN line per entry of a wrong file would flood standard error
        }
        problems.add(
            where
                + ": unknown setting "
                + shown(name)
                + " ignored (known: "
                + String.join(", ", SETTINGS.keySet())
                + ")");
        continue;
      }
      try {
        setting.apply(name, value, new Builders()); // the builder validates at once
        ok.put(name, value);
      } catch (IllegalArgumentException e) {
        problems.add(
            where
                + ": "
                + shown(name)
                + "="
                + shown(value)
                + " ignored ("
                + shown(String.valueOf(e.getMessage()))
                + "); its default is used");
      }
    }
    if (unknown > MAX_UNKNOWN_SHOWN) {
      problems.add(
          where
              + ": "
              + (unknown - MAX_UNKNOWN_SHOWN)
              + " more unknown settings ignored (is it the right file?)");
    }
    // the one check across settings: the window is at least the sample rate
    try {
      Builders b = new Builders();
      apply(ok, b);
      b.argos.thresholds(b.thresholds.build()).build();
    } catch (IllegalArgumentException e) {
      ok.remove("argos.sampleRate");
      ok.remove("argos.windowSize");
      problems.add(
          where
              + ": argos.sampleRate and argos.windowSize ignored ("
              + shown(String.valueOf(e.getMessage()))
              + "); their defaults are used");
    }
    return new AgentSettings(Collections.unmodifiableMap(ok), List.copyOf(problems));
  }

  private static void apply(Map<String, String> values, Builders b) {
    for (Map.Entry<String, String> e : values.entrySet()) {
      Setting s = SETTINGS.get(e.getKey());
      if (s != null) {
        s.apply(e.getKey(), e.getValue(), b);
      }
    }
  }

  /** Fresh builders with every accepted setting applied. */
  Builders builders() {
    Builders b = new Builders();
    apply(values, b);
    return b;
  }

  /** The accepted settings, as written in the file. */
  Map<String, String> values() {
    return values;
  }

  /** One sentence per entry left out. */
  List<String> problems() {
    return problems;
  }

  // ---- value forms ----

  /** {@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h} or ISO-8601 ({@code PT0.25S}). */
  static Duration duration(String name, String value) {
    Matcher m = SIMPLE_DURATION.matcher(value);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2).toLowerCase(Locale.ROOT)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    }
    if (value.startsWith("P") || value.startsWith("p")) {
      try {
        return Duration.parse(value);
      } catch (DateTimeParseException e) {
        // fall through to the message below
      }
    }
    throw new IllegalArgumentException(
        name + " must be a duration such as 250ms, 2s, 5m, 1h or PT0.25S but was " + shown(value));
  }

  static double number(String name, String value) {
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number but was " + shown(value), e);
    }
  }

  static int integer(String name, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer but was " + shown(value), e);
    }
  }

  private static String appName(String name, String value) {
    if (value.isEmpty() || value.length() > 200) {
      throw new IllegalArgumentException(
          name + " must be 1 to 200 characters but was " + shown(value));
    }
    return value;
  }

  private static String shown(String text) {
    return SafeText.neutralise(text, 200);
  }
}
