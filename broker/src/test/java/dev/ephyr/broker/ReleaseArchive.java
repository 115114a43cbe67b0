package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
    // What README and docs/operations.md §9 say the archive holds.
    for (String f : new String[] {"lib/ephyr.jar", "etc/node.yaml", "etc/signer.env", "systemd/ephyr-node.service",
        "systemd/ephyr-signer.service", "deploy/prometheus/ephyr-alerts.yml", "deploy/prometheus/ephyr-alerts.test.yml",
        "deploy/grafana/ephyr-dashboard.json", "docs/operations.md", "README"}) {
      assertTrue(Files.isRegularFile(home.resolve(f)), "the archive holds " + f);
    }
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

}
