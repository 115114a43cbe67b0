package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The release archive {@code target/ephyr-<version>.tar.gz} for the tests that run it as an operator would:
 * found (built by {@code package}; skipped when missing, but required under CI), unpacked, and the environment a
 * small lab JVM runs with.
 */
final class ReleaseArchive {
  private ReleaseArchive() {}

  /** The built archive; under {@code CI=true} a missing one fails instead of skipping. */
  static Path find() throws IOException {
    Path target = Path.of("target");
    if (!Files.isDirectory(target)) {
      target = Path.of("broker", "target");
    }
    Path found = null;
    if (Files.isDirectory(target)) {
      try (Stream<Path> s = Files.list(target)) {
        found = s.filter(p -> p.getFileName().toString().matches("ephyr-.+\\.tar\\.gz")).findFirst().orElse(null);
      }
    }
    if ("true".equals(System.getenv("CI"))) {
      assertTrue(found != null, "broker/target/ephyr-<version>.tar.gz must be built (mvn package) before this test");
    }
    Assumptions.assumeTrue(found != null, "the release archive is not built; run mvn package first");
    return found.toAbsolutePath();
  }

  /** Unpacks the archive into {@code dir} and returns its {@code ephyr-<version>/} folder. */
  static Path unpack(Path dir) throws IOException, InterruptedException {
    Path tgz = find();
    Files.createDirectories(dir);
    Process tar = new ProcessBuilder("tar", "xzf", tgz.toString(), "-C", dir.toString()).inheritIO().start();
    assertTrue(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0, "tar xzf " + tgz);
    Path home;
    try (Stream<Path> s = Files.list(dir)) {
      home = s.filter(p -> p.getFileName().toString().startsWith("ephyr-")).findFirst().orElseThrow();
    }
    assertTrue(Files.isExecutable(home.resolve("bin/ephyr")), home + "/bin/ephyr is executable");
    return home;
  }

  /**
   * What the archive's launcher runs with here: the test JVM's java (through JAVA_HOME, the operator's choice) and
   * small JVMs, since several run at once on a shared machine.
   */
  static Map<String, String> smallJvmEnv() {
    return Map.of("JAVA_HOME", System.getProperty("java.home"),
        "EPHYR_JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k");
  }

  /** A first port such that it and the next {@code n - 1} are free on loopback, away from {@code avoid}. */
  static int freeRun(int n, int avoid) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20_000, 60_000);
      if (Math.abs(base - avoid) < 2 * n) {
        continue;
      }
      boolean free = true;
      for (int i = 0; i < n && free; i++) {
        try (ServerSocket s = new ServerSocket(base + i, 1, InetAddress.getLoopbackAddress())) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new AssertionError("no run of " + n + " free ports");
  }
}
