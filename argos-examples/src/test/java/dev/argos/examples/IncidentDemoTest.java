package dev.argos.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.core.DataKeys;
import dev.argos.core.Signal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncidentDemoTest {

  @Test
  void theDemoShowsOneIncidentWithItsOriginChainAndEvidence(@TempDir Path dir) throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    List<Signal> incidents = IncidentDemo.run(dir, lines::add);
    Signal first = incidents.get(0);
    assertThat(first.data()).containsEntry(DataKeys.STATE, "open");
    Map<?, ?> origin = (Map<?, ?>) first.data().get(DataKeys.ORIGIN);
    assertThat(origin.get("kind")).isEqualTo("lock");
    assertThat(origin.get("name")).isEqualTo("nightly-report");
    assertThat(incidents).extracting(Signal::key).containsOnly(first.key());
    Signal last = incidents.get(incidents.size() - 1);
    if (!last.isResolved()) {
      // only a JVM-wide stall episode (the loaded host) may keep it open: it ends after 10 s of calm
      assertThat(last.data().get(DataKeys.CHAIN).toString()).contains("key=jvm");
      assertThat(lines).anySatisfy(l -> assertThat(l).contains("still open after 16 s"));
    } else {
      assertThat(lines).anySatisfy(l -> assertThat(l).contains(first.key() + " resolved"));
    }
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("chain: origin lock nightly-report")
        .contains("IncidentDemo.nightlyReport"));
    assertThat(lines).anySatisfy(l -> assertThat(l).containsAnyOf("evidence bundle: ", "evidence not captured: "));
    assertThat(ContractTourThreads.argosThreads()).isEmpty();
  }
}
