package dev.argos.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.argos.signals.ProblemRecord;
import dev.argos.signals.ProblemRegistry;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged agent ({@code argos-agent/target/argos-agent.jar}, built by the package phase
 * before this runs) attached with {@code -javaagent} to child JVMs running {@link AgentTestApp},
 * an application that knows nothing of Argos and carries its own, different Jackson.
 */
class ArgosAgentIT {
  private static final Path AGENT_JAR = Path.of(System.getProperty("argos.agent.jar"));
  private static final String JACKSON = System.getProperty("argos.it.jacksonVersion");

  @TempDir Path tmp;

  private record Run(int exit, String out, String err) {
    String all() {
      return "--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  private static String classPath(String... libDirs) throws IOException {
    List<String> cp = new ArrayList<>();
    cp.add(System.getProperty("argos.it.appClasses"));
    for (String dir : libDirs) {
      try (Stream<Path> jars = Files.list(Path.of(System.getProperty(dir)))) {
        jars.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> cp.add(p.toString()));
      }
    }
    return String.join(File.pathSeparator, cp);
  }

  private Run run(List<String> jvmOptions, String classPath, String... appArgs) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(classPath);
    cmd.add(AgentTestApp.class.getName());
    Collections.addAll(cmd, appArgs);
    Path out = tmp.resolve("child.out");
    Path err = tmp.resolve("child.err");
    Process p =
        new ProcessBuilder(cmd)
            .directory(tmp.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    boolean exited = p.waitFor(120, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    Run r =
        new Run(
            exited ? p.exitValue() : -1,
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    assertThat(exited).as("child exited within 120 s\n%s", r.all()).isTrue();
    return r;
  }

  private static void assertOwnJackson(Run r) {
    // the application loaded ITS Jackson (the agent's is relocated and invisible to it)
    assertThat(r.out())
        .as(r.all())
        .contains("APP JACKSON " + JACKSON + " {\"app\":\"test\",\"n\":1} from ")
        .contains("jackson-databind-" + JACKSON + ".jar");
  }

  @Test
  void aStallingAppGetsItsStallsInTheRegistryOnStderrAndInJfrWithItsOwnJacksonUndisturbed()
      throws Exception {
    Path registry = tmp.resolve("problems.jsonl");
    Path jfr = tmp.resolve("recording.jfr");
    Run r =
        run(
            List.of(
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-XX:StartFlightRecording=filename=" + jfr + ",dumponexit=true",
                "-javaagent:" + AGENT_JAR + "=registry=" + registry),
            classPath("argos.it.appLib"),
            "stall",
            registry.toString());

    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).as(r.all()).contains("APP DONE stall found=true");
    assertOwnJackson(r);
    // the start line, then one line per signal in the agent's own stderr format (no SLF4J here)
    assertThat(r.err())
        .as(r.all())
        .contains("[argos-agent] INFO dev.argos.agent - Argos started (JVM stalls over 50 ms")
        .containsPattern(
            "\\[argos-agent\\] (WARN|ERROR) dev\\.argos\\.signals - Signal\\[eventLoopLag"
                + " (WARNING|CRITICAL) key=\"jvm\"");

    List<ProblemRecord> records = ProblemRegistry.read(registry);
    assertThat(records)
        .as(r.all())
        .anySatisfy(
            rec -> {
              assertThat(rec.type()).isEqualTo("eventLoopLag");
              assertThat(rec.key()).isEqualTo("jvm");
              assertThat(rec.data()).containsEntry("cause", "gc");
            });

    List<RecordedEvent> events =
        RecordingFile.readAllEvents(jfr).stream()
            .filter(e -> e.getEventType().getName().equals("dev.argos.Signal"))
            .collect(Collectors.toList());
    assertThat(events)
        .as("dev.argos.Signal events in the recording\n%s", r.all())
        .anySatisfy(
            e -> {
              assertThat(e.getString("type")).isEqualTo("eventLoopLag");
              assertThat(e.getString("key")).isEqualTo("jvm");
              assertThat(e.getString("severity")).isIn("WARNING", "CRITICAL");
              assertThat(e.getString("episode")).startsWith("eventLoopLag-");
              assertThat(e.getString("message")).contains("the JVM");
              assertThat(e.getThread().getJavaName()).startsWith("argos-dispatcher-");
            });
  }

  @Test
  void aLeakingAppWithItsOwnSlf4jGetsMemoryPressureThroughItAndBadSettingsAreNamed()
      throws Exception {
    Path registry = tmp.resolve("leak.jsonl");
    Path config = tmp.resolve("argos.properties");
    Files.writeString(
        config,
        String.join(
            "\n",
            "argos.sampleRate=50ms",
            "argos.windowSize=8s",
            "argos.memoryGrowth=1.5",
            "argos.bogus=1",
            "argos.app=leaky"),
        StandardCharsets.UTF_8);
    Run r =
        run(
            List.of(
                "-Xmx256m",
                "-XX:+UseG1GC",
                "-Dorg.slf4j.simpleLogger.showDateTime=false",
                "-javaagent:" + AGENT_JAR + "=registry=" + registry + ",config=" + config),
            classPath("argos.it.appLib", "argos.it.appSlf4j"),
            "leak",
            registry.toString());

    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).as(r.all()).contains("APP DONE leak found=true");
    assertOwnJackson(r);
    // each bad setting is one WARN line naming it and the value; the rest applies
    assertThat(r.err())
        .as(r.all())
        .contains(
            "[argos-agent] WARN dev.argos.agent - config file argos.properties:"
                + " argos.memoryGrowth=1.5 ignored (memoryGrowth must be in (0, 1] but was 1.5);"
                + " its default is used")
        .contains(
            "[argos-agent] WARN dev.argos.agent - config file argos.properties: unknown setting"
                + " argos.bogus ignored")
        .contains("settings {argos.app=leaky, argos.sampleRate=50ms, argos.windowSize=8s}")
        .contains("Argos logs to the application's SLF4J (org.slf4j.simple.SimpleLoggerFactory)");
    // the signal's line went through the application's slf4j-simple (its format, not ours)
    assertThat(r.err())
        .as(r.all())
        .containsPattern("\\] (WARN|ERROR) dev\\.argos\\.signals - Signal\\[memoryPressure ");
    assertThat(r.err().lines().filter(l -> l.contains("Signal[memoryPressure")))
        .allSatisfy(l -> assertThat(l).doesNotContain("[argos-agent]"));

    List<ProblemRecord> records = ProblemRegistry.read(registry);
    assertThat(records)
        .as(r.all())
        .anySatisfy(
            rec -> {
              assertThat(rec.type()).isEqualTo("memoryPressure");
              assertThat(rec.app()).isEqualTo("leaky");
            });
  }

  @Test
  void badOptionsNeverStopTheAppEachIsOneLineAndArgosStartsWithTheDefaults() throws Exception {
    Run r =
        run(
            List.of(
                "-Xmx128m",
                "-javaagent:"
                    + AGENT_JAR
                    + "=registry=,live=abc,config=/no/such/argos.properties,bogus=1,log=loud,"
                    + "nonsense"),
            classPath("argos.it.appLib"),
            "hello");

    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).as(r.all()).contains("APP DONE hello found=true");
    assertOwnJackson(r);
    assertThat(r.err())
        .as(r.all())
        .contains("INFO dev.argos.agent - Argos started (JVM stalls over 50 ms")
        .contains("settings defaults");
    assertThat(r.err())
        .as(r.all())
        .contains("WARN dev.argos.agent - option registry= ignored: registry needs a file path")
        .contains("WARN dev.argos.agent - option live=abc ignored: live must be a port between")
        .contains(
            "WARN dev.argos.agent - option config=/no/such/argos.properties ignored: no readable"
                + " file there; defaults used")
        .contains("WARN dev.argos.agent - unknown option \"bogus\" ignored")
        .contains("WARN dev.argos.agent - option log=loud ignored")
        .contains("WARN dev.argos.agent - option \"nonsense\" ignored: expected name=value");
    // nothing thrown at the JVM (it would abort before main) and no stack trace
    assertThat(r.err()).doesNotContain("Exception in thread").doesNotContain("\tat ");
  }

  @Test
  void liveZeroServesTheLivePageOnAFreeLoopbackPortWithTheChildsFigures() throws Exception {
    // the application carries slf4j-simple: the page's own start line must still not initialise
    // it from the agent's start thread (it goes to standard error in the agent's format)
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Collections.addAll(
        cmd,
        "-Xmx128m",
        "-javaagent:" + AGENT_JAR + "=live=0",
        "-cp",
        classPath("argos.it.appLib", "argos.it.appSlf4j"),
        AgentTestApp.class.getName(),
        "attachable",
        tmp.resolve("stop").toString());
    Path out = tmp.resolve("live.out");
    Path err = tmp.resolve("live.err");
    Process p =
        new ProcessBuilder(cmd)
            .directory(tmp.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    URI page;
    JsonNode snapshot;
    HttpResponse<String> html;
    try {
      // port 0: the page's address is in the start line
      Pattern live =
          Pattern.compile("Argos started \\(.*; log=auto, live=(http://127\\.0\\.0\\.1:\\d+/);");
      page =
          Awaitility.await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () -> {
                    Matcher m = live.matcher(Files.readString(err, StandardCharsets.UTF_8));
                    return m.find() ? URI.create(m.group(1)) : null;
                  },
                  u -> u != null);
      assertThat(page.getPort()).isPositive();
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      HttpRequest get =
          HttpRequest.newBuilder(page.resolve("/api/snapshot"))
              .timeout(Duration.ofSeconds(10))
              .build();
      ObjectMapper json = new ObjectMapper();
      // Argos measures its first figures on its sampler thread, after its start
      snapshot =
          Awaitility.await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () -> {
                    HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    assertThat(r.headers().firstValue("Content-Type").orElse(""))
                        .startsWith("application/json");
                    return json.readTree(r.body());
                  },
                  s ->
                      s.path("figures").has("lag.jvm.p99Ms")
                          && s.path("figures").has("heap.maxBytes"));
      html =
          http.send(
              HttpRequest.newBuilder(page).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      Files.createFile(tmp.resolve("stop"));
      assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
    } finally {
      p.destroyForcibly();
    }
    Run r =
        new Run(
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).as(r.all()).contains("APP DONE attachable found=true");
    assertOwnJackson(r);
    // the figures are the child's own: its heap limit is the -Xmx it was given
    JsonNode figures = snapshot.get("figures");
    assertThat(figures.get("heap.maxBytes").asLong())
        .as("%s\n%s", snapshot, r.all())
        .isPositive()
        .isLessThanOrEqualTo(128L << 20);
    assertThat(figures.get("lag.jvm.p99Ms").isNumber()).as("%s", snapshot).isTrue();
    assertThat(snapshot.get("page").get("maxClients").asInt()).isEqualTo(8);
    assertThat(snapshot.get("signals").isArray()).isTrue();
    assertThat(html.statusCode()).isEqualTo(200);
    assertThat(html.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(r.err())
        .as(r.all())
        .contains("[argos-agent] INFO dev.argos.live.LivePage - Argos live page on " + page)
        .doesNotContain("the live page could not start")
        .doesNotContain("\tat ");
  }

  @Test
  void aTakenLivePortIsOneWarnLineAndTheAppAndArgosGoOn() throws Exception {
    Path registry = tmp.resolve("taken.jsonl");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      Run r =
          run(
              List.of(
                  "-Xmx128m",
                  "-javaagent:" + AGENT_JAR + "=live=" + port + ",registry=" + registry),
              classPath("argos.it.appLib"),
              "hello");
      assertThat(r.exit()).as(r.all()).isZero();
      assertThat(r.out()).as(r.all()).contains("APP DONE hello found=true");
      assertOwnJackson(r);
      // every WARN line but a real signal's (a stall of this shared machine may be one)
      List<String> warnings =
          r.err()
              .lines()
              .filter(l -> l.contains(" WARN ") && !l.contains(" dev.argos.signals - Signal["))
              .toList();
      assertThat(warnings)
          .as(r.all())
          .singleElement()
          .asString()
          .contains(
              "[argos-agent] WARN dev.argos.agent - live="
                  + port
                  + ": the live page could not start (java.io.UncheckedIOException: cannot bind"
                  + " the live page to 127.0.0.1:"
                  + port)
          .contains("java.net.BindException")
          .endsWith("); Argos runs without it");
      // Argos started with the rest (the registry) and without the page
      assertThat(r.err())
          .as(r.all())
          .contains("INFO dev.argos.agent - Argos started (JVM stalls over 50 ms")
          .contains("log=auto, registry=" + registry + ";")
          .doesNotContain("live=http")
          .doesNotContain("Argos live page on")
          .doesNotContain("\tat ");
      assertThat(registry).exists();
    }
  }

  @Test
  void loadedIntoARunningJvmItStartsThroughAgentmainOnceOnly() throws Exception {
    Path registry = tmp.resolve("attached.jsonl");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // JDK 21+ warns about dynamically loaded agents unless allowed; JDK 17 has no such option
    Collections.addAll(
        cmd,
        "-Xmx128m",
        "-XX:+IgnoreUnrecognizedVMOptions",
        "-XX:+EnableDynamicAgentLoading",
        "-cp",
        classPath("argos.it.appLib"),
        AgentTestApp.class.getName(),
        "attachable",
        tmp.resolve("stop").toString());
    Path out = tmp.resolve("attach.out");
    Path err = tmp.resolve("attach.err");
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      String pid =
          Awaitility.await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () ->
                      Files.readAllLines(out, StandardCharsets.UTF_8).stream()
                          .filter(l -> l.startsWith("APP PID "))
                          .map(l -> l.substring("APP PID ".length()).strip())
                          .findFirst()
                          .orElse(""),
                  s -> !s.isEmpty());
      String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
      for (int i = 0; i < 2; i++) {
        Process load =
            new ProcessBuilder(
                    jcmd,
                    pid,
                    "JVMTI.agent_load",
                    AGENT_JAR.toString(),
                    // quoted: jcmd would take an unquoted name=value for an option of its own
                    "\"registry=" + registry + "\"")
                .redirectErrorStream(true)
                .start();
        String said = new String(load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(load.waitFor(60, TimeUnit.SECONDS)).as(said).isTrue();
        assertThat(load.exitValue()).as(said).isZero();
      }
      Files.createFile(tmp.resolve("stop"));
      assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
    } finally {
      p.destroyForcibly();
    }
    Run r =
        new Run(
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).as(r.all()).contains("APP DONE attachable found=true");
    assertThat(r.err())
        .as(r.all())
        .contains("INFO dev.argos.agent - Argos started (JVM stalls over 50 ms")
        .contains("registry=" + registry)
        .contains("agentmain took")
        .contains("WARN dev.argos.agent - Argos is already started in this JVM; agentmain ignored")
        .doesNotContain("WARNING: A Java agent has been loaded dynamically");
    assertThat(r.err().lines().filter(l -> l.contains("Argos started"))).hasSize(1);
  }

  @Test
  void theJarIsSelfContainedWithEveryDependencyRelocatedAndBothEntryPoints() throws Exception {
    List<String> foreign = new ArrayList<>();
    List<String> unrelocated = new ArrayList<>();
    try (JarFile jar = new JarFile(AGENT_JAR.toFile())) {
      Manifest mf = jar.getManifest();
      assertThat(mf.getMainAttributes().getValue("Premain-Class"))
          .isEqualTo("dev.argos.agent.ArgosAgent");
      assertThat(mf.getMainAttributes().getValue("Agent-Class"))
          .isEqualTo("dev.argos.agent.ArgosAgent");
      for (JarEntry e : Collections.list(jar.entries())) {
        if (e.getName().endsWith(".class") && !e.getName().startsWith("dev/argos/")) {
          foreign.add(e.getName());
        }
        // Argos's own classes (the live page's Json too) refer to the relocated names only
        if (e.getName().endsWith(".class") && !e.getName().startsWith("dev/argos/agent/shaded/")) {
          String constants;
          try (var in = jar.getInputStream(e)) {
            constants = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
          }
          for (String pkg : List.of("com/fasterxml/", "org/HdrHistogram/", "org/slf4j/")) {
            if (constants.contains(pkg)) {
              unrelocated.add(e.getName() + " -> " + pkg);
            }
          }
        }
      }
      // argos-live, for live=PORT: its classes and its page
      assertThat(jar.getEntry("dev/argos/live/LivePage.class")).isNotNull();
      assertThat(jar.getEntry("dev/argos/live/Json.class")).isNotNull();
      assertThat(jar.getEntry("dev/argos/live/page.html")).isNotNull();
      assertThat(jar.getEntry("dev/argos/agent/shaded/jackson/databind/ObjectMapper.class"))
          .isNotNull();
      assertThat(jar.getEntry("dev/argos/agent/shaded/hdrhistogram/Histogram.class")).isNotNull();
      assertThat(jar.getEntry("dev/argos/agent/shaded/slf4j/LoggerFactory.class")).isNotNull();
      assertThat(
              jar.getEntry(
                  "META-INF/services/dev.argos.agent.shaded.slf4j.spi.SLF4JServiceProvider"))
          .isNotNull();
      assertThat(jar.getEntry("META-INF/services/org.slf4j.spi.SLF4JServiceProvider")).isNull();
    }
    assertThat(foreign).as("classes outside dev/argos/").isEmpty();
    assertThat(unrelocated).as("references to a dependency's own (unrelocated) name").isEmpty();
  }
}
