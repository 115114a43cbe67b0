package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real {@code ./ephyr} launcher against the built jar (never building it: EPHYR_NO_BUILD=1). Failsafe runs
 * it after {@code package}, so under CI the jar exists; elsewhere a missing jar skips it.
 */
class LauncherScriptIT {
  @TempDir Path cwd;
  private Path script;

  @BeforeEach
  void findScriptAndJar() {
    Path root = Path.of("").toAbsolutePath();
    if (!Files.exists(root.resolve("ephyr"))) {
      root = root.getParent(); // surefire runs in broker/
    }
    script = root.resolve("ephyr");
    boolean built = Files.isRegularFile(root.resolve("broker/target/ephyr.jar"));
    if ("true".equals(System.getenv("CI"))) {
      assertTrue(built, "broker/target/ephyr.jar must be built before this test under CI");
    }
    Assumptions.assumeTrue(built, "broker/target/ephyr.jar is not built; run mvn package first");
  }

  private record Run(int code, String out, String err) {}

  private Run run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(script.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
    pb.environment().put("EPHYR_NO_BUILD", "1");
    Path out = cwd.resolve("stdout.txt");
    Path err = cwd.resolve("stderr.txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("ephyr " + String.join(" ", args) + " did not finish");
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void help_viaTheScript() throws Exception {
    Run r = run("--help");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("Usage: ephyr COMMAND"), r.out());
  }

  @Test
  void exitCodes_viaTheScript() throws Exception {
    assertEquals(2, run("frobnicate").code());
    Run init = run("keys", "init");
    assertEquals(0, init.code(), init.err());
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(cwd.resolve("keyring.json"))));
    Run again = run("keys", "init");
    assertEquals(1, again.code());
    assertEquals(1, again.err().lines().count(), again.err());
  }
}
