package dev.ephyr.broker.ssh.signer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ephyr.broker.cli.Main;
import dev.ephyr.testing.Eventually;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The signer as {@code deploy/systemd/ephyr-signer.service} runs it: with {@code --socket-group} naming the group it
 * already runs as, under a system-call filter without {@code @chown}. A chown of any kind there is refused (EPERM)
 * and the signer cannot start, so it must make none; strace records every chown-family call of the process tree.
 */
class SignerSyscallTest {
  @TempDir Path dir;

  @Test
  void socketGroupItAlreadyHas_startsWithoutAnyChownCall() throws Exception {
    Path strace = Path.of("/usr/bin/strace");
    if (!Files.isExecutable(strace)) {
      if ("true".equals(System.getenv("CI"))) {
        fail("strace is missing (apt-get install strace)");
      }
      Assumptions.abort("strace is missing (apt-get install strace)");
    }
    String group = Files.readAttributes(dir, PosixFileAttributes.class).group().getName();
    Path socket = dir.resolve("run").resolve("signer.sock");
    Path trace = dir.resolve("trace.txt");
    Process p = new ProcessBuilder(List.of(strace.toString(), "-f", "--seccomp-bpf", "-qq",
        "-e", "trace=chown,fchown,lchown,fchownat", "-o", trace.toString(),
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx96m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "signer", "--key", dir.resolve("ca").toString(), "--create-key", "--socket", socket.toString(),
        "--socket-group", group, "--allow-user", System.getProperty("user.name"), "--principals", "deploy"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("signer.log").toFile()).start();
    try {
      Eventually.await(Duration.ofSeconds(90), "the signer's socket", () -> {
        if (!p.isAlive()) {
          throw new AssertionError("the signer ended (exit " + p.exitValue() + "): "
              + Files.readString(dir.resolve("signer.log")));
        }
        return Files.exists(socket);
      });
      assertEquals(group, Files.readAttributes(socket, PosixFileAttributes.class).group().getName());
    } finally {
      // The signer first (strace, told to stop, would only detach from it and leave it running), then strace.
      p.toHandle().descendants().forEach(ProcessHandle::destroy);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    String calls = Files.readString(trace);
    assertTrue(calls.lines().noneMatch(l -> l.contains("chown")), "chown calls the unit's filter refuses:\n" + calls);
  }
}
