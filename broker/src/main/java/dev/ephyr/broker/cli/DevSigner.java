package dev.ephyr.broker.cli;

import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.RolePolicy;
import dev.ephyr.broker.ssh.signer.Frames;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * For {@code ephyr dev}: runs {@code ephyr signer} as a child process (same java, same classpath) with the CA
 * key in the dev directory (created on first run, mode 0600), its socket in a private directory and its
 * signature log in {@code signer.log}; stops it with the node.
 */
final class DevSigner implements AutoCloseable {
  private final Process process;
  private final Path socket;
  private final Thread hook;

  private DevSigner(Process process, Path socket) {
    this.process = process;
    this.socket = socket;
    this.hook = new Thread(process::destroy, "ephyr-dev-signer-stop");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Starts the signer allowing the principals of {@code policy}'s roles (and the current user) and waits for it. */
  static DevSigner start(Path dir, Policy policy) throws CliException {
    Path runDir = dir.resolve("signer").toAbsolutePath();
    Path socket = runDir.resolve("signer.sock");
    if (socket.toString().getBytes(StandardCharsets.UTF_8).length > 100) {
      try {
        runDir = Files.createTempDirectory("ephyr-dev-signer-");
        socket = runDir.resolve("signer.sock");
      } catch (IOException e) {
        throw CliException.failed("cannot create a directory for the signer socket: " + SecureFiles.describe(e));
      }
    }
    TreeSet<String> principals = new TreeSet<>();
    for (RolePolicy r : policy.roles().values()) {
      principals.add(r.principal());
    }
    String me = System.getProperty("user.name");
    if (me != null && me.matches("[A-Za-z0-9_][A-Za-z0-9._-]{0,31}")) {
      principals.add(me);
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-Xmx96m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(List.of("signer", "--key", dir.resolve("ssh-ca").toAbsolutePath().toString(), "--create-key",
        "--socket", socket.toString(), "--principals", String.join(",", principals), "--max-ttl", "1h"));
    Process p;
    try {
      Path log = dir.resolve("signer.log");
      p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    } catch (IOException e) {
      throw CliException.failed("cannot start the SSH signer: " + SecureFiles.describe(e));
    }
    DevSigner signer = new DevSigner(p, socket);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!signer.answers()) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        signer.close();
        throw CliException.failed("the SSH signer did not start; see " + dir.resolve("signer.log"));
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // polling for the child's socket
    }
    return signer;
  }

  private boolean answers() {
    if (!Files.exists(socket)) {
      return false;
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      Frames.write(ch, "{\"op\":\"ping\"}");
      String r = Frames.read(ch);
      return r != null && r.contains("\"ok\":true");
    } catch (IOException e) {
      return false;
    }
  }

  /** The signer's socket, for {@code ssh.signer-socket}. */
  Path socket() {
    return socket;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }
}
