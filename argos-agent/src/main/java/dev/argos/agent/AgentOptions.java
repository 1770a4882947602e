package dev.argos.agent;

import dev.argos.core.internal.SafeText;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The agent's options: {@code -javaagent:argos-agent.jar=registry=PATH,live=PORT,config=FILE,
 * log=auto|stderr}, comma-separated {@code name=value} pairs (values cannot hold a comma).
 *
 * <p>Parsing never throws: a bad option is left out (its default applies) and described in
 * {@link #problems()}, one sentence each, naming the option and the value; Argos starts anyway.
 */
final class AgentOptions {
  static final String REGISTRY = "registry";
  static final String LIVE = "live";
  static final String CONFIG = "config";
  static final String LOG = "log";
  private static final int MAX_VALUE_SHOWN = 200;

  private @Nullable Path registry;
  private @Nullable Integer live;
  private @Nullable Path config;
  private boolean stderrOnly;
  private final List<String> problems = new ArrayList<>();

  private AgentOptions() {}

  /** Parses the agent's argument string (null or blank: every default). */
  static AgentOptions parse(@Nullable String args) {
    AgentOptions o = new AgentOptions();
    if (args == null || args.isBlank()) {
      return o;
    }
    List<String> seen = new ArrayList<>();
    for (String item : args.split(",", -1)) {
      String trimmed = item.strip();
      if (trimmed.isEmpty()) {
        continue;
      }
      int eq = trimmed.indexOf('=');
      if (eq <= 0) {
        o.problems.add(
            "option \"" + shown(trimmed) + "\" ignored: expected name=value (registry=PATH,"
                + " live=PORT, config=FILE, log=auto|stderr)");
        continue;
      }
      String name = trimmed.substring(0, eq).strip().toLowerCase(Locale.ROOT);
      String value = trimmed.substring(eq + 1).strip();
      if (seen.contains(name)) {
        o.problems.add("option " + shown(name) + " given twice: the last one is used");
      }
      seen.add(name);
      o.apply(name, value);
    }
    return o;
  }

  private void apply(String name, String value) {
    switch (name) {
      case REGISTRY -> registry = registryPath(value);
      case LIVE -> live = port(value);
      case CONFIG -> config = configFile(value);
      case LOG -> {
        if ("stderr".equals(value)) {
          stderrOnly = true;
        } else if ("auto".equals(value)) {
          stderrOnly = false;
        } else {
          problems.add(
              "option log=" + shown(value) + " ignored: log must be auto or stderr; auto used");
        }
      }
      default ->
          problems.add(
              "unknown option \""
                  + shown(name)
                  + "\" ignored (known: registry, live, config, log)");
    }
  }

  private @Nullable Path registryPath(String value) {
    if (value.isEmpty()) {
      problems.add("option registry= ignored: registry needs a file path; no registry");
      return null;
    }
    try {
      Path p = Path.of(value).toAbsolutePath();
      if (Files.isDirectory(p)) {
        problems.add(
            "option registry=" + shown(value) + " ignored: it is a directory, registry needs a"
                + " file path; no registry");
        return null;
      }
      return p;
    } catch (InvalidPathException e) {
      problems.add(
          "option registry=" + shown(value) + " ignored: not a valid path; no registry");
      return null;
    }
  }

  private @Nullable Integer port(String value) {
    int port;
    try {
      port = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65_535) {
      problems.add(
          "option live=" + shown(value) + " ignored: live must be a port between 0 and 65535");
      return null;
    }
    return port;
  }

  private @Nullable Path configFile(String value) {
    try {
      Path p = Path.of(value).toAbsolutePath();
      if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
        problems.add(
            "option config=" + shown(value) + " ignored: no readable file there; defaults used");
        return null;
      }
      return p;
    } catch (InvalidPathException e) {
      problems.add("option config=" + shown(value) + " ignored: not a valid path; defaults used");
      return null;
    }
  }

  private static String shown(String text) {
    return SafeText.neutralise(text, MAX_VALUE_SHOWN);
  }

  /** The registry file ({@code registry=PATH}, absolute), or null for none. */
  @Nullable Path registry() {
    return registry;
  }

  /**
   * The live page's port ({@code live=PORT}, 0 to 65535; 0 picks a free port), or null for no
   * live page.
   */
  @Nullable Integer live() {
    return live;
  }

  /** The settings file ({@code config=FILE}, absolute, readable when parsed), or null. */
  @Nullable Path config() {
    return config;
  }

  /** {@code log=stderr}: log lines go to standard error even when the application has SLF4J. */
  boolean stderrOnly() {
    return stderrOnly;
  }

  /** One sentence per bad option, in the order given. */
  List<String> problems() {
    return List.copyOf(problems);
  }
}
