package dev.argos.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the command with captured streams. */
record Run(int status, String out, String err) {
  static Run of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = ArgosCommand.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(status, out.toString(), err.toString());
  }

  /** Lines of standard error, the last line break not counting. */
  long errLines() {
    return err.isEmpty() ? 0 : err.split("\\R", -1).length - (err.endsWith("\n") ? 1 : 0);
  }
}
