package dev.argos.cli;

import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Options shared by the commands that read a registry as a whole. */
final class Common {
  private Common() {}

  /** Output format. */
  enum Format {
    text,
    json
  }

  /** FILE, --all, --zone. */
  static final class Input {
    @Parameters(
        index = "0",
        paramLabel = "FILE",
        description = "The registry file, e.g. argos-problems.jsonl.")
    @SuppressWarnings("NullAway.Init")
    Path file;

    @Option(
        names = {"-a", "--all", "--include-rotated"},
        description = "Also read the rotated backups FILE.1, FILE.2, ... (oldest first).")
    boolean all;

    @Option(
        names = "--zone",
        paramLabel = "ZONE",
        converter = ZoneConverter.class,
        description = "Zone for days and hours, e.g. Europe/Paris (default: UTC).")
    ZoneId zone = ZoneId.of("UTC");

    List<Path> files() {
      return Inputs.files(file, all);
    }

    Inputs.Loaded load() {
      return Inputs.load(files());
    }
  }

  /** A zone id, or a usage error naming it. */
  static final class ZoneConverter implements CommandLine.ITypeConverter<ZoneId> {
    @Override
    public ZoneId convert(String value) {
      try {
        return ZoneId.of(value);
      } catch (java.time.DateTimeException e) {
        throw new CommandLine.TypeConversionException("unknown zone '" + value + "'");
      }
    }
  }
}
