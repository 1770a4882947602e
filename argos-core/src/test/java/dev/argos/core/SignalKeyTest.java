package dev.argos.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The one form under which a key is named: {@link Signal#canonicalKey(String)}. */
class SignalKeyTest {
  private static final int MAX = Signal.MAX_KEY_LENGTH;

  private static String key(int length, char fill) {
    return String.valueOf(fill).repeat(length);
  }

  private static String keyed(String key) {
    return Signal.builder(Signal.TYPE_BURST).key(key).build().key();
  }

  /** Fails on the old builder: it cut the key to its first 256 characters. */
  @ParameterizedTest
  @ValueSource(ints = {257, 300, 1024, 100_000})
  void aLongKeyIsNeverReplacedByItsPrefix(int length) {
    String full = "203.0.113." + key(length - 10, 'k');
    String prefix = full.substring(0, MAX);
    String named = keyed(full);
    assertThat(named).hasSize(MAX).isNotEqualTo(prefix);
    // two clients whose keys share the first 256 characters stay two keys
    String other = full.substring(0, length - 1) + 'z';
    assertThat(keyed(other)).isNotEqualTo(named);
    assertThat(keyed(prefix)).isEqualTo(prefix);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 255, 256})
  void aKeyOfAtMost256CharactersIsKeptAsIs(int length) {
    String k = key(length, 'a');
    assertThat(Signal.canonicalKey(k)).isSameAs(k);
    assertThat(keyed(k)).isEqualTo(k);
  }

  @ParameterizedTest
  @ValueSource(ints = {257, 1024, 100_000})
  void aLongerKeyBecomesPrefixMarkerAndDigestOfExactly256Characters(int length) {
    String k = key(length, 'a');
    String c = Signal.canonicalKey(k);
    assertThat(c).hasSize(MAX);
    assertThat(c.substring(0, 239)).isEqualTo(k.substring(0, 239));
    assertThat(c.charAt(239)).isEqualTo('\u2026');
    assertThat(c.substring(240)).matches("[0-9a-f]{16}");
    assertThat(keyed(k)).isEqualTo(c);
    // idempotent: the canonical form names the same key
    assertThat(Signal.canonicalKey(c)).isSameAs(c);
    // deterministic
    assertThat(Signal.canonicalKey(new String(k.toCharArray()))).isEqualTo(c);
  }

  @Test
  void keysOfDifferentLengthsBeyondTheLimitDiffer() {
    assertThat(Signal.canonicalKey(key(257, 'a'))).isNotEqualTo(Signal.canonicalKey(key(258, 'a')));
    assertThat(Signal.canonicalKey(key(1024, 'a')))
        .isNotEqualTo(Signal.canonicalKey(key(100_000, 'a')));
  }

  @Test
  void aSurrogatePairAtTheCutIsNeverSplit() {
    String emoji = "\uD83D\uDE00"; // one code point, two chars
    // the pair sits on the prefix boundary (chars 238 and 239)
    String k = key(238, 'a') + emoji + key(100, 'b');
    String c = Signal.canonicalKey(k);
    assertThat(c).hasSize(MAX);
    assertWellFormed(c);
    assertThat(c).startsWith(key(238, 'a') + "\u2026\u2026");
    // one character earlier the pair is kept whole in the prefix
    String k2 = key(237, 'a') + emoji + key(100, 'b');
    String c2 = Signal.canonicalKey(k2);
    assertThat(c2).hasSize(MAX).startsWith(key(237, 'a') + emoji + "\u2026");
    assertWellFormed(c2);
    // the pair at the old 256-character cut
    String k3 = key(255, 'a') + emoji;
    assertThat(Signal.canonicalKey(k3)).hasSize(MAX);
    assertWellFormed(Signal.canonicalKey(k3));
    assertWellFormed(keyed(k3));
  }

  @Test
  void loneSurrogatesAreHashedAsTheyAre() {
    // UTF-8 would turn both into '?': the digest must not
    String a = key(300, 'x') + '\uD800';
    String b = key(300, 'x') + '?';
    assertThat(Signal.canonicalKey(a)).isNotEqualTo(Signal.canonicalKey(b));
  }

  @Test
  void nullIsRefusedByTheUtilityAndMeansNoKeyInTheBuilder() {
    assertThatThrownBy(() -> Signal.canonicalKey(null)).isInstanceOf(NullPointerException.class);
    assertThat(keyed(null)).isNull();
  }

  @Test
  void theDefaultHookQuarantinesTheSignalsCanonicalKey() {
    String full = key(1024, 'f');
    RecordingQuarantine q = new RecordingQuarantine();
    QuarantineHook.burstKeys()
        .onSignal(Signal.builder(Signal.TYPE_BURST).key(full).message("flood").build(), q);
    assertThat(q.size()).isEqualTo(1);
    assertThat(q.isQuarantined(Signal.canonicalKey(full))).isTrue();
    assertThat(q.isQuarantined(full.substring(0, MAX))).isFalse();
  }

  private static void assertWellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (Character.isHighSurrogate(ch)) {
        assertThat(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
            .as("high surrogate at %d is followed by its low half", i)
            .isTrue();
        i++;
      } else {
        assertThat(Character.isLowSurrogate(ch)).as("lone low surrogate at %d", i).isFalse();
      }
    }
  }
}
