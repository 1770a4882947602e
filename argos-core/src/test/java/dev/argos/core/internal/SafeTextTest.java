package dev.argos.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link SafeText}: the one capping and escaping helper, surrogate-safe. */
class SafeTextTest {
  private static final String FACE = "\uD83D\uDE00"; // U+1F600, two UTF-16 units

  @Test
  void neutraliseNeverCutsASurrogatePairWhenTheCutLandsMidPair() {
    // 7 ASCII characters, then the pair occupies positions 7 and 8: a cut at 8 lands inside it
    String text = "abcdefg" + FACE + "xyz";
    String out = SafeText.neutralise(text, 8);
    assertThat(out).isEqualTo("abcdefg...");
    assertWellFormed(out);
  }

  @Test
  void neutraliseKeepsWholePairsWhenCappingAtEveryLength() {
    String text = FACE.repeat(40) + "\n" + "a" + FACE.repeat(40);
    for (int max = 8; max <= 120; max++) {
      String out = SafeText.neutralise(text, max);
      assertWellFormed(out);
      assertThat(out).endsWith("...");
      assertThat(out.length()).as("max %d", max).isLessThanOrEqualTo(max + 3);
      // nothing but whole code points is dropped: the kept part is a prefix of the escaped text
      String kept = out.substring(0, out.length() - 3);
      assertThat(SafeText.neutralise(text, 10_000)).startsWith(kept);
    }
  }

  @Test
  void neutraliseEscapesLoneSurrogatesSoTheResultIsWellFormed() {
    String lone = "a\uD83Db\uDE00c" + FACE;
    String out = SafeText.neutralise(lone, 100);
    assertThat(out).isEqualTo("a\\ud83db\\ude00c" + FACE);
    assertWellFormed(out);
    assertWellFormed(SafeText.neutralise("x\uD83D", 100));
    assertThat(SafeText.neutralise("x\uD83D", 100)).isEqualTo("x\\ud83d");
  }

  @Test
  void escapesAreNeverSplitByTheCap() {
    // "abcdefg" then an escape of six characters that does not fit in 8
    assertThat(SafeText.neutralise("abcdefg\u0001zzz", 8)).isEqualTo("abcdefg...");
    assertThat(SafeText.neutralise("abcdef\nzzz", 8)).isEqualTo("abcdef\\n...");
  }

  @Test
  void capKeepsWholePairsAndEscapesNothing() {
    String text = FACE.repeat(10) + "\n";
    for (int max = 0; max <= 25; max++) {
      String out = SafeText.cap(text, max);
      assertWellFormed(out);
      assertThat(text).startsWith(out);
      assertThat(out.length()).isBetween(Math.min(text.length(), max) - 1, max);
    }
    assertThat(SafeText.cap("a\nb", 10)).isEqualTo("a\nb");
  }

  @Test
  void formatsWithoutTheDefaultLocale() {
    java.util.Locale before = java.util.Locale.getDefault();
    try {
      java.util.Locale.setDefault(new java.util.Locale("ar", "EG")); // Arabic-Indic digits
      assertThat(SafeText.neutralise("\u0007", 10)).isEqualTo("\\u0007");
    } finally {
      java.util.Locale.setDefault(before);
    }
  }

  @Test
  void refusesATinyMaximumNamingIt() {
    assertThatThrownBy(() -> SafeText.neutralise("x", 7))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxLength")
        .hasMessageContaining("7");
  }

  /** Every high surrogate is followed by a low one and every low one preceded by a high one. */
  private static void assertWellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        assertThat(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
            .as("high surrogate at %d of %s is followed by a low one", i, s)
            .isTrue();
        i++;
      } else {
        assertThat(Character.isLowSurrogate(c)).as("lone low surrogate at %d of %s", i, s).isFalse();
      }
    }
  }
}
