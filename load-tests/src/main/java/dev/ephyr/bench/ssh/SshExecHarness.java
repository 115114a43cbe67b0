package dev.ephyr.bench.ssh;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.config.NodeConfig;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.broker.ssh.signer.CaKeyFile;
import dev.ephyr.broker.ssh.signer.SignerLimits;
import dev.ephyr.broker.ssh.signer.SignerServer;
import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.testing.FreePorts;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Exec latency through a real node against a real OpenSSH sshd on loopback: an {@code exec} that gets a
 * fresh certificate and logs in (the default), versus an {@code exec} on a persistent session. The two are
 * interleaved so machine noise hits both alike; prints median, p90 and the ratio of medians.
 *
 * <p>Needs root and /usr/sbin/sshd (it creates the local account {@code ephyrtest} like the tests do).
 * Usage: {@code java -cp load-tests/target/benchmarks.jar dev.ephyr.bench.ssh.SshExecHarness [rounds]}
 */
public final class SshExecHarness {
  private static final String USER = "ephyrtest";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private SshExecHarness() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    if (!Files.isExecutable(Path.of("/usr/sbin/sshd")) || !"root".equals(System.getProperty("user.name"))) {
      System.err.println("needs root and OpenSSH sshd (apt-get install openssh-server)");
      System.exit(2);
    }
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "ephyr-bench-ssh-");
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host_key").toString());
    String hostKey = Files.readString(dir.resolve("host_key.pub")).trim();
    hostKey = hostKey.substring(0, hostKey.lastIndexOf(' '));
    if (new ProcessBuilder("id", USER).start().waitFor() != 0) {
      run("useradd", "-m", "-s", "/bin/bash", USER);
    }
    run("usermod", "-p", "*", USER);
    Files.createDirectories(Path.of("/run/sshd"));
    int sshPort = freePort();

    SecureRandom random = new SecureRandom();
    Path keyring = dir.resolve("keyring.json");
    Files.write(keyring, Keyring.generate("b1", random).toJson(InsecureSecretAccess.get()));
    Files.setPosixFilePermissions(keyring, PosixFilePermissions.fromString("rw-------"));
    String apiKey = ApiKeys.generate(random);
    Files.writeString(dir.resolve("policy.yaml"), String.join("\n", "version: 1", "agents:", "  bench:",
        "    api_keys: [\"" + ApiKeys.hash(apiKey) + "\"]", "    targets: [box]", "    roles: [ops]",
        "roles:", "  ops: { principal: " + USER + " }",
        "targets:", "  box: { host: 127.0.0.1, port: " + sshPort + ", host_key: \"" + hostKey + "\", roles: [ops] }", ""));

    SignerServer signer = SignerServer.start(CaKeyFile.generate(random), new SignerServer.Config(
        dir.resolve("signer/s.sock"), new SignerLimits(Duration.ofHours(1), Set.of(USER), Set.of("permit-pty"),
            Set.of(), 1000, 1000), Set.of("root"), null), new PrintStream(OutputStream.nullOutputStream()),
        Clock.systemUTC());
    Files.writeString(dir.resolve("ca.pub"), signer.caPublicKey() + "\n");
    Files.writeString(dir.resolve("sshd_config"), String.join("\n", "Port " + sshPort, "ListenAddress 127.0.0.1",
        "HostKey " + dir.resolve("host_key"), "PidFile " + dir.resolve("sshd.pid"),
        "TrustedUserCAKeys " + dir.resolve("ca.pub"), "AuthorizedKeysFile none", "PasswordAuthentication no",
        "KbdInteractiveAuthentication no", "UsePAM no", "PermitRootLogin no", "LogLevel ERROR", ""));
    Process sshd = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", dir.resolve("sshd_config").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
    Node node = null;
    try {
      waitForPort(sshPort);
      node = Node.start(NodeConfig.builder().nodeId("bench").listen("127.0.0.1", 0).dataDir(dir.resolve("data"))
          .keyring(keyring).policy(dir.resolve("policy.yaml")).set("cluster.bind-host", "127.0.0.1")
          .set("cluster.port", "0").set("ssh.signer-socket", signer.socket().toString()).build())
          .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
      // Started is not ready: the watermark mirror loads in the background (task tools answer 503 until then).
      long readyBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!node.cluster().readiness().isReady()) {
        if (System.nanoTime() > readyBy) {
          throw new IllegalStateException("the node did not become ready: " + node.cluster().readiness());
        }
        Thread.sleep(50); // a benchmark harness polling its own node; nothing to wait on
      }
      String mcp = node.mcpUrl();
      String token = call(mcp, apiKey, "task_create", new JsonObject().put("ttl", "1h")).getString("token");
      JsonObject exec = new JsonObject().put("target", "box").put("command", "true");
      String session = call(mcp, token, "session_create", new JsonObject().put("target", "box")).getString("session_id");
      JsonObject onSession = new JsonObject().put("session_id", session).put("command", "true");
      for (int i = 0; i < 5; i++) { // warm-up
        call(mcp, token, "exec", exec);
        call(mcp, token, "exec", onSession);
      }
      long[] fresh = new long[rounds];
      long[] kept = new long[rounds];
      for (int i = 0; i < rounds; i++) {
        long t0 = System.nanoTime();
        call(mcp, token, "exec", exec);
        long t1 = System.nanoTime();
        call(mcp, token, "exec", onSession);
        long t2 = System.nanoTime();
        fresh[i] = t1 - t0;
        kept[i] = t2 - t1;
      }
      System.out.printf("exec with a new certificate: median %.2f ms, p90 %.2f ms (n=%d)%n", ms(pct(fresh, 50)),
          ms(pct(fresh, 90)), rounds);
      System.out.printf("exec on a persistent session: median %.2f ms, p90 %.2f ms (n=%d)%n", ms(pct(kept, 50)),
          ms(pct(kept, 90)), rounds);
      System.out.printf("ratio of medians (new certificate / session): %.1fx%n", (double) pct(fresh, 50) / pct(kept, 50));
    } finally {
      if (node != null) {
        node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
      signer.close();
      sshd.destroy();
      sshd.waitFor(10, TimeUnit.SECONDS);
      run("rm", "-rf", dir.toString());
    }
    System.exit(0);
  }

  private static JsonObject call(String mcp, String credential, String tool, JsonObject arguments) throws Exception {
    String body = new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "tools/call")
        .put("params", new JsonObject().put("name", tool).put("arguments", arguments)).encode();
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(mcp))
        .header("Authorization", "Bearer " + credential).header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream").header("MCP-Protocol-Version", "2025-06-18")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    JsonObject result = new JsonObject(r.body()).getJsonObject("result");
    if (r.statusCode() != 200 || result == null || result.getBoolean("isError", false)) {
      throw new IllegalStateException(tool + ": " + r.statusCode() + " " + r.body());
    }
    return result.getJsonObject("structuredContent");
  }

  private static long pct(long[] v, int p) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static int freePort() throws IOException {
    return FreePorts.next();
  }

  private static void waitForPort(int port) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException e) {
        Thread.sleep(100); // polling for sshd to listen
      }
    }
    throw new IllegalStateException("sshd did not start");
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    List<String> c = new ArrayList<>(List.of(cmd));
    Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(c + ": " + out);
    }
  }
}
