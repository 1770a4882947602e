package dev.argos.observers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OsResourceProbe}: parsing, and real readings of this JVM (Linux for descriptors). */
class OsResourceProbeTest {
  private static final List<String> LIMITS =
      List.of(
          "Limit                     Soft Limit           Hard Limit           Units     ",
          "Max cpu time              unlimited            unlimited            seconds   ",
          "Max processes             96365                96365                processes ",
          "Max open files            1024                 524288               files     ",
          "Max locked memory         8388608              8388608              bytes     ");

  @TempDir Path tmp;

  /** The real probe, telling sockets apart on every read. */
  private static OsResourceProbe everyRead() {
    return new OsResourceProbe(Path.of("/proc/self/fd"), Path.of("/proc/self/limits"),
        Path.of("/proc/self/cgroup"), Path.of("/sys/fs/cgroup"), 1);
  }

  @Test
  void softLimitIsTheFirstColumn() {
    assertThat(OsResourceProbe.softLimit(LIMITS, "Max open files")).isEqualTo(1024);
    assertThat(OsResourceProbe.softLimit(LIMITS, "Max processes")).isEqualTo(96365);
    assertThat(OsResourceProbe.softLimit(LIMITS, "Max cpu time")).isEqualTo(-1);
    assertThat(OsResourceProbe.softLimit(LIMITS, "Max nothing")).isEqualTo(-1);
    assertThat(OsResourceProbe.softLimit(List.of(), "Max open files")).isEqualTo(-1);
  }

  @Test
  void cgroupPidsMaxIsFoundForV2AndV1() throws IOException {
    Path v2 = tmp.resolve("v2");
    Files.createDirectories(v2.resolve("app/slice"));
    Files.writeString(v2.resolve("app/slice/pids.max"), "512\n");
    assertThat(OsResourceProbe.findPidsMax(List.of("0::/app/slice"), v2))
        .isEqualTo(v2.resolve("app/slice/pids.max"));

    Path v1 = tmp.resolve("v1");
    Files.createDirectories(v1.resolve("pids/docker/abc"));
    Files.writeString(v1.resolve("pids/docker/abc/pids.max"), "300");
    assertThat(OsResourceProbe.findPidsMax(List.of("4:memory:/docker/abc", "8:pids:/docker/abc"), v1))
        .isEqualTo(v1.resolve("pids/docker/abc/pids.max"));

    Path unlimited = tmp.resolve("unlimited");
    Files.createDirectories(unlimited);
    Files.writeString(unlimited.resolve("pids.max"), "max\n");
    assertThat(OsResourceProbe.findPidsMax(List.of("0::/"), unlimited)).isNull();
    assertThat(OsResourceProbe.findPidsMax(List.of("garbage"), tmp.resolve("none"))).isNull();
  }

  @Test
  void threadLimitFallsBackToCgroupWhenMaxProcessesIsUnlimited() throws IOException {
    Path limits = tmp.resolve("limits");
    Files.write(limits, List.of(
        "Max processes             unlimited            unlimited            processes ",
        "Max open files            4096                 4096                 files     "));
    Path cg = tmp.resolve("cgroup");
    Files.writeString(cg, "0::/svc\n");
    Path root = tmp.resolve("root");
    Files.createDirectories(root.resolve("svc"));
    Files.writeString(root.resolve("svc/pids.max"), "700");
    OsResourceProbe p = new OsResourceProbe(tmp.resolve("no-fd-dir"), limits, cg, root, 1);
    ResourceProbe.Reading r = p.read();
    assertThat(r.threadsMax()).isEqualTo(700);
    assertThat(r.fdMax()).isEqualTo(4096);
    assertThat(r.threads()).isPositive();
    assertThat(p.threadLimitSource()).endsWith("pids.max");
  }

  @Test
  void noThreadLimitMeansNoRatio() throws IOException {
    Path limits = tmp.resolve("limits");
    Files.write(limits, List.of("Max processes             unlimited            unlimited            processes "));
    OsResourceProbe p = new OsResourceProbe(tmp.resolve("no-fd-dir"), limits, tmp.resolve("nocg"), tmp, 1);
    assertThat(p.read().threadsMax()).isEqualTo(-1);
    assertThat(p.threadLimitSource()).isEmpty();
  }

  @Test
  void countsRealDescriptorsAndSocketsOnLinux() throws IOException {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "Linux /proc only");
    OsResourceProbe p = everyRead();
    ResourceProbe.Reading before = p.read();
    assertThat(before.fdOpen()).isPositive();
    assertThat(before.fdMax())
        .isEqualTo(OsResourceProbe.softLimit(Files.readAllLines(Path.of("/proc/self/limits")), "Max open files"));
    Object os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean) {
      long mx = ((com.sun.management.UnixOperatingSystemMXBean) os).getOpenFileDescriptorCount();
      assertThat(before.fdOpen()).isBetween(mx - 5, mx + 5);
    }

    Path f = Files.createFile(tmp.resolve("f"));
    List<FileChannel> files = new ArrayList<>();
    List<java.io.Closeable> socks = new ArrayList<>();
    try {
      for (int i = 0; i < 100; i++) {
        files.add(FileChannel.open(f, StandardOpenOption.READ));
      }
      ServerSocketChannel server = ServerSocketChannel.open();
      socks.add(server);
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      for (int i = 0; i < 3; i++) {
        socks.add(SocketChannel.open(server.getLocalAddress()));
        socks.add(server.accept());
      }
      ResourceProbe.Reading during = p.read();
      assertThat(during.fdOpen() - before.fdOpen()).isBetween(107L, 115L);
      assertThat(during.sockets() - before.sockets()).isBetween(7L, 10L);
    } finally {
      for (FileChannel c : files) {
        c.close();
      }
      for (java.io.Closeable c : socks) {
        c.close();
      }
    }
    ResourceProbe.Reading after = p.read();
    assertThat(after.fdOpen()).isBetween(before.fdOpen() - 5, before.fdOpen() + 5);
  }

  @Test
  void threadFiguresFollowRealThreads() throws InterruptedException {
    OsResourceProbe p = new OsResourceProbe();
    long base = p.read().threads();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(20);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Thread t = new Thread(() -> {
        started.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "probe-test-" + i);
      t.start();
      threads.add(t);
    }
    try {
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(p.read().threads()).isGreaterThanOrEqualTo(base + 20);
    } finally {
      release.countDown();
      for (Thread t : threads) {
        t.join(10_000);
      }
    }
    assertThat(p.read().threads()).isLessThan(base + 20);
  }
}
