package dev.argos.forensics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupCpuTest {

  @Test
  void v2ThrottlingIsReadAsADeltaFromTheSecondRead(@TempDir Path dir) throws IOException {
    Path stat = dir.resolve("cpu.stat");
    Files.writeString(stat, "usage_usec 100\nnr_periods 10\nnr_throttled 2\nthrottled_usec 5000\n");
    CgroupCpu cg = new CgroupCpu(stat);
    assertThat(cg.delta()).as("the first read is the baseline").isNull();
    Files.writeString(stat, "usage_usec 900\nnr_periods 20\nnr_throttled 7\nthrottled_usec 205000\n");
    assertThat(cg.delta()).isEqualTo(new EvidencePass.Throttle(200_000_000L, 5));
    cg.reset();
    assertThat(cg.delta()).isNull();
  }

  @Test
  void v1ThrottledTimeIsInNanoseconds(@TempDir Path dir) throws IOException {
    Path stat = dir.resolve("cpu.stat");
    Files.writeString(stat, "nr_periods 10\nnr_throttled 1\nthrottled_time 1000\n");
    CgroupCpu cg = new CgroupCpu(stat);
    cg.delta();
    Files.writeString(stat, "nr_periods 12\nnr_throttled 3\nthrottled_time 51000\n");
    assertThat(cg.delta()).isEqualTo(new EvidencePass.Throttle(50_000L, 2));
  }

  @Test
  void aMissingOrGarbledFileIsUnknownNeverAnError(@TempDir Path dir) throws IOException {
    assertThat(new CgroupCpu(null).delta()).isNull();
    CgroupCpu missing = new CgroupCpu(dir.resolve("nope"));
    assertThat(missing.delta()).isNull();
    Path stat = dir.resolve("cpu.stat");
    Files.writeString(stat, "nr_throttled x\nthrottled_usec\n\u0000\u0001 garbage\n");
    CgroupCpu garbled = new CgroupCpu(stat);
    garbled.delta();
    assertThat(garbled.delta()).isNull();
  }
}
