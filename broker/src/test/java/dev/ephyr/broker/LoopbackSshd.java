package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.fail;

import dev.ephyr.testing.Eventually;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real OpenSSH sshd on a free loopback port, in a temp directory, trusting the CA keys written to
 * {@link #caFile()} and honouring the KRL at {@link #krlFile()} (both re-read by sshd at every login).
 * Needs root (privilege separation, a local test account): skips with an install hint when sshd is missing,
 * fails instead when {@code CI=true}.
 */
final class LoopbackSshd implements AutoCloseable {
  static final String USER = "ephyrtest";
  private static final Path SSHD = Path.of("/usr/sbin/sshd");

  final Path dir;
  final int port;
  final String hostKey;
  private Process process;

  private LoopbackSshd(Path dir, int port, String hostKey) {
    this.dir = dir;
    this.port = port;
    this.hostKey = hostKey;
  }

  /** Skips (or fails under CI) unless sshd, ssh-keygen and root are available. */
  static void requireAvailable() {
    String problem = null;
    if (!Files.isExecutable(SSHD) || !Files.isExecutable(Path.of("/usr/bin/ssh-keygen"))) {
      problem = "OpenSSH sshd is not installed (apt-get install openssh-server)";
    } else if (!"root".equals(System.getProperty("user.name"))) {
      problem = "the sshd tests need root (privilege separation and a local test account)";
    }
    if (problem != null) {
      if ("true".equals(System.getenv("CI"))) {
        fail(problem + " — required when CI=true");
      }
      Assumptions.abort(problem);
    }
  }

  /** Prepares the directory, host key and test account; {@link #start()} runs sshd. */
  static LoopbackSshd prepare() {
    requireAvailable();
    try {
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "ephyr-sshd-");
      run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host_key").toString()));
      String hostKey = Files.readString(dir.resolve("host_key.pub")).trim();
      hostKey = hostKey.substring(0, hostKey.lastIndexOf(' ')); // drop the comment
      if (new ProcessBuilder("id", USER).start().waitFor() != 0) {
        run(List.of("useradd", "-m", "-s", "/bin/bash", USER));
      }
      run(List.of("usermod", "-p", "*", USER)); // no password, but not locked (sshd refuses locked accounts)
      Files.createDirectories(Path.of("/run/sshd"));
      Files.writeString(dir.resolve("ca.pub"), "");
      run(List.of("ssh-keygen", "-q", "-k", "-f", dir.resolve("revoked.krl").toString())); // an empty KRL
      return new LoopbackSshd(dir, TestKit.freePort(), hostKey);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  Path caFile() {
    return dir.resolve("ca.pub");
  }

  Path krlFile() {
    return dir.resolve("revoked.krl");
  }

  /** Starts sshd in the foreground as a child process and waits until it accepts connections. */
  void start() {
    try {
      Files.writeString(dir.resolve("sshd_config"), String.join("\n",
          "Port " + port,
          "ListenAddress 127.0.0.1",
          "HostKey " + dir.resolve("host_key"),
          "PidFile " + dir.resolve("sshd.pid"),
          "TrustedUserCAKeys " + caFile(),
          "RevokedKeys " + krlFile(),
          "AuthorizedKeysFile none",
          "PubkeyAuthentication yes",
          "PasswordAuthentication no",
          "KbdInteractiveAuthentication no",
          "UsePAM no",
          "PermitRootLogin no",
          "LogLevel VERBOSE",
          ""));
      process = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
      Eventually.await(Duration.ofSeconds(20), "sshd listening on " + port, () -> {
        if (!process.isAlive()) {
          throw new AssertionError("sshd exited: " + log());
        }
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 500);
          return true;
        } catch (IOException e) {
          return false;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String log() {
    try {
      return Files.readString(dir.resolve("sshd.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** Runs a command, returning its combined output; fails the test on a non-zero exit unless allowed. */
  static String run(List<String> cmd) throws IOException, InterruptedException {
    return run(cmd, false).output;
  }

  record Result(int exit, String output) {}

  static Result run(List<String> cmd, boolean anyExit) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(cmd + " did not finish");
    }
    if (!anyExit && p.exitValue() != 0) {
      throw new AssertionError(cmd + " exited " + p.exitValue() + ": " + out);
    }
    return new Result(p.exitValue(), out);
  }

  @Override
  public void close() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException ignored) {
      // temp dir; best effort
    }
  }
}
