package dev.argos.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.argos.signals.ProblemRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContractTourTest {

  @Test
  void theWholePublicContractWorksEndToEnd(@TempDir Path dir) throws Exception {
    List<?> records = ContractTour.run(dir.resolve("problems.jsonl"));
    // the custom observer's signal travelled through the agent into the registry
    List<String> types =
        records.stream().map(r -> ((ProblemRecord) r).type()).collect(Collectors.toList());
    assertThat(types).contains("queueDepth");
    assertThat(ContractTourThreads.argosThreads()).isEmpty();
  }
}
