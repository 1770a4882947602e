package dev.argos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The follower behind {@code argos tail}, polled by hand: appends, torn lines, rotations. */
class FollowerTest {
  @TempDir Path dir;

  static void append(Path f, String text) throws IOException {
    Files.writeString(f, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  static List<String> poll(Follower f) throws IOException {
    List<String> lines = new ArrayList<>();
    f.poll(lines::add);
    return lines;
  }

  @Test
  void startsAtTheEndUnlessToldAndWaitsForWholeLines() throws IOException {
    Path p = dir.resolve("r.jsonl");
    append(p, "old1\nold2\n");
    try (Follower end = new Follower(p, false); Follower start = new Follower(p, true)) {
      assertThat(poll(end)).isEmpty();
      assertThat(poll(start)).containsExactly("old1", "old2");
      append(p, "new1\nhal");
      assertThat(poll(end)).containsExactly("new1");
      append(p, "f\n");
      assertThat(poll(end)).containsExactly("half");
      assertThat(poll(end)).isEmpty();
      assertThat(poll(start)).containsExactly("new1", "half");
    }
  }

  @Test
  void followsAcrossARotationWithoutLosingTheOldFilesLastLines() throws IOException {
    Path p = dir.resolve("r.jsonl");
    append(p, "a\n");
    try (Follower f = new Follower(p, true)) {
      assertThat(poll(f)).containsExactly("a");
      append(p, "b\n"); // written, then the file is rotated before the next poll
      Files.move(p, dir.resolve("r.jsonl.1"), StandardCopyOption.ATOMIC_MOVE);
      append(p, "c\n");
      assertThat(poll(f)).containsExactly("b", "c");
      assertThat(f.rotations()).isEqualTo(1);
      append(p, "d\n");
      assertThat(poll(f)).containsExactly("d");
    }
  }

  @Test
  void aFileThatAppearsLaterIsReadWholeAndATruncatedOneAgain() throws IOException {
    Path p = dir.resolve("later.jsonl");
    try (Follower f = new Follower(p, false)) {
      assertThat(poll(f)).isEmpty();
      append(p, "first\n");
      assertThat(poll(f)).containsExactly("first");
      Files.writeString(p, "");
      append(p, "x\n");
      assertThat(poll(f)).containsExactly("x");
    }
  }

  @Test
  void aRotationWhileTheNewFileIsMissingWaitsForIt() throws IOException {
    Path p = dir.resolve("r.jsonl");
    append(p, "a\n");
    try (Follower f = new Follower(p, true)) {
      assertThat(poll(f)).containsExactly("a");
      append(p, "b\n");
      Files.move(p, dir.resolve("r.jsonl.1"));
      assertThat(poll(f)).containsExactly("b");
      assertThat(poll(f)).isEmpty();
      append(p, "c\n");
      assertThat(poll(f)).containsExactly("c");
    }
  }

  @Test
  void anOverlongLineIsDroppedAndCounted() throws IOException {
    Path p = dir.resolve("r.jsonl");
    try (Follower f = new Follower(p, true)) {
      append(p, "x".repeat(Follower.MAX_LINE_BYTES + 10) + "\nshort\n");
      assertThat(poll(f)).containsExactly("short");
      assertThat(f.droppedLines()).isEqualTo(1);
    }
  }
}
