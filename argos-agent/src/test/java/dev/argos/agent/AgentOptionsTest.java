package dev.argos.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentOptionsTest {
  @TempDir Path tmp;

  @Test
  void noOptionsMeanEveryDefault() {
    for (String args : new String[] {null, "", "  ", ",,"}) {
      AgentOptions o = AgentOptions.parse(args);
      assertThat(o.registry()).isNull();
      assertThat(o.config()).isNull();
      assertThat(o.live()).isNull();
      assertThat(o.stderrOnly()).isFalse();
      assertThat(o.problems()).isEmpty();
    }
  }

  @Test
  void liveZeroAsksForAnyFreePort() {
    AgentOptions o = AgentOptions.parse("live=0");
    assertThat(o.problems()).isEmpty();
    assertThat(o.live()).isZero();
  }

  @Test
  void validOptionsAreTaken() throws Exception {
    Path config = Files.writeString(tmp.resolve("a.properties"), "argos.sampleRate=50ms\n");
    Path registry = tmp.resolve("dir/problems.jsonl");
    AgentOptions o =
        AgentOptions.parse(
            " registry=" + registry + " , config=" + config + ",live=8089,LOG=stderr");
    assertThat(o.problems()).isEmpty();
    assertThat(o.registry()).isEqualTo(registry.toAbsolutePath());
    assertThat(o.config()).isEqualTo(config.toAbsolutePath());
    assertThat(o.live()).isEqualTo(8089);
    assertThat(o.stderrOnly()).isTrue();
  }

  @Test
  void eachBadOptionIsOneSentenceNamingItAndIsLeftOut() {
    AgentOptions o =
        AgentOptions.parse(
            "registry=,live=65536,config=" + tmp.resolve("missing") + ",foo=bar,log=x,=y,plain");
    assertThat(o.registry()).isNull();
    assertThat(o.live()).isNull();
    assertThat(o.config()).isNull();
    assertThat(o.stderrOnly()).isFalse();
    assertThat(o.problems())
        .containsExactly(
            "option registry= ignored: registry needs a file path; no registry",
            "option live=65536 ignored: live must be a port between 0 and 65535",
            "option config=" + tmp.resolve("missing") + " ignored: no readable file there;"
                + " defaults used",
            "unknown option \"foo\" ignored (known: registry, live, config, log)",
            "option log=x ignored: log must be auto or stderr; auto used",
            "option \"=y\" ignored: expected name=value (registry=PATH, live=PORT, config=FILE,"
                + " log=auto|stderr)",
            "option \"plain\" ignored: expected name=value (registry=PATH, live=PORT, config=FILE,"
                + " log=auto|stderr)");
  }

  @Test
  void aDirectoryIsNoRegistryAndUntrustedTextIsNeutralised() {
    AgentOptions o = AgentOptions.parse("registry=" + tmp + ",evil\n[argos-agent] ERROR=1");
    assertThat(o.registry()).isNull();
    assertThat(o.problems()).hasSize(2);
    assertThat(o.problems().get(0)).contains("it is a directory");
    assertThat(o.problems().get(1)).contains("evil\\n[argos-agent] error").doesNotContain("\n");
  }

  @Test
  void anOptionGivenTwiceSaysSoAndTheLastWins() {
    AgentOptions o = AgentOptions.parse("live=1,live=2");
    assertThat(o.live()).isEqualTo(2);
    assertThat(o.problems()).containsExactly("option live given twice: the last one is used");
  }
}
