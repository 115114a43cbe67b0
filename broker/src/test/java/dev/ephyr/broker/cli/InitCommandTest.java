package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.config.NodeConfig;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.ssh.signer.CaKeyFile;
import dev.ephyr.protocol.keys.Keyring;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ephyr init}: the layout it writes loads as the nodes load it, with owner-only modes, and nothing is clobbered. */
class InitCommandTest {
  @TempDir Path cwd;

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void threeLoopbackNodes_everyFileLoads_distinctPortsAndDirs_ownerOnlyModes() throws Exception {
    CliHarness cli = new CliHarness(cwd);
    CliHarness.Result r = cli.run("init", "--nodes", "3", "--hosts", "127.0.0.1,127.0.0.1,127.0.0.1", "--dir", "lab",
        "--cluster-name", "lab", "--admin", "alice", "--agent", "claude");
    assertEquals(0, r.code(), r.all());
    Path lab = cwd.resolve("lab");
    assertEquals("rwx------", mode(lab));
    for (String f : List.of("keyring.json", "policy.yaml", "admin.key", "agent.key")) {
      assertEquals("rw-------", mode(lab.resolve(f)), f);
    }
    Keyring.parse(Files.readAllBytes(lab.resolve("keyring.json"))); // a keyring the nodes read
    Policy policy = Policy.load(lab.resolve("policy.yaml"));
    assertTrue(policy.warnings().isEmpty(), policy.warnings().toString());
    String admin = Files.readString(lab.resolve("admin.key")).strip();
    String agent = Files.readString(lab.resolve("agent.key")).strip();
    assertTrue(policy.admins().containsKey("alice"));
    assertTrue(Files.readString(lab.resolve("policy.yaml")).contains(ApiKeys.hash(admin)));
    assertEquals("claude", policy.agentForApiKey(agent).orElseThrow().name());
    assertFalse(r.out().contains(admin) || r.out().contains(agent), "secrets are not printed");

    Set<Integer> ports = new HashSet<>();
    Set<Path> dirs = new HashSet<>();
    for (String n : List.of("n1", "n2", "n3")) {
      Path nodeDir = lab.resolve(n);
      assertEquals("rwx------", mode(nodeDir), n);
      assertEquals("rwx------", mode(nodeDir.resolve("data")), n);
      assertEquals("rw-------", mode(nodeDir.resolve("ssh-ca")), n);
      CaKeyFile.load(nodeDir.resolve("ssh-ca")); // the signer accepts it
      NodeConfig c = NodeConfig.load(nodeDir.resolve("node.yaml"), Map.of());
      assertEquals(n, c.nodeId());
      assertEquals(lab.resolve("keyring.json"), c.node().keyring());
      assertEquals(lab.resolve("policy.yaml"), c.node().policy());
      assertEquals(nodeDir.resolve("signer/signer.sock"), c.ssh().signerSocket());
      assertEquals("lab", c.cluster().get("cluster.name"));
      assertEquals("127.0.0.1:5801,127.0.0.1:5802,127.0.0.1:5803", c.cluster().get("cluster.members"));
      assertTrue(ports.add(c.http().port()) && ports.add(Integer.parseInt(c.cluster().get("cluster.port"))), n);
      assertTrue(dirs.add(c.state().dir()) && dirs.add(c.audit().dir()), n);
      String env = Files.readString(nodeDir.resolve("signer.env"));
      assertTrue(env.contains("EPHYR_SIGNER_SOCKET=\"" + nodeDir.resolve("signer/signer.sock") + "\""), env);
      assertTrue(env.contains("EPHYR_SIGNER_KEY=\"" + nodeDir.resolve("ssh-ca") + "\""), env);
      assertTrue(env.contains("EPHYR_SIGNER_PRINCIPALS=\"ops-ro\""), env);
      assertTrue(r.out().contains("node --config " + nodeDir.resolve("node.yaml")), r.out());
    }
    assertEquals(Set.of(8601, 8602, 8603, 5801, 5802, 5803), ports);
    assertTrue(r.out().contains("EPHYR_ADMIN_KEY_FILE=" + lab.resolve("admin.key") + " ephyr admin status --url "
        + "http://127.0.0.1:8601"), r.out());
    assertTrue(Files.readString(lab.resolve("README")).contains("admin status --url"));
  }

  @Test
  void nodesOnDifferentHosts_shareThePorts_andNoSshLeavesSshOut() throws Exception {
    CliHarness.Result r = new CliHarness(cwd).run("init", "--nodes", "2", "--hosts", "10.0.0.1,10.0.0.2", "--no-ssh");
    assertEquals(0, r.code(), r.all());
    Path dir = cwd.resolve(InitCommand.DEFAULT_DIR);
    for (String n : List.of("n1", "n2")) {
      NodeConfig c = NodeConfig.load(dir.resolve(n).resolve("node.yaml"), Map.of());
      assertEquals(8601, c.http().port());
      assertEquals("5801", c.cluster().get("cluster.port"));
      assertEquals(null, c.ssh().signerSocket());
      assertFalse(Files.exists(dir.resolve(n).resolve("ssh-ca")));
    }
    assertTrue(r.out().contains("# on 10.0.0.2"), r.out());
  }

  @Test
  void existingFiles_areRefusedWithoutForce_andNothingIsWritten() throws Exception {
    CliHarness cli = new CliHarness(cwd);
    assertEquals(0, cli.run("init", "--nodes", "3").code());
    Path dir = cwd.resolve(InitCommand.DEFAULT_DIR);
    byte[] keyring = Files.readAllBytes(dir.resolve("keyring.json"));
    byte[] caKey = Files.readAllBytes(dir.resolve("n2/ssh-ca"));
    CliHarness.Result again = cli.run("init", "--nodes", "3");
    assertEquals(1, again.code(), again.all());
    assertTrue(again.err().contains("already exists; nothing was written"), again.err());
    assertArrayEquals(keyring, Files.readAllBytes(dir.resolve("keyring.json")));

    // Only one file left over from an earlier run is enough to refuse, and the rest stays unwritten.
    Path other = cwd.resolve("other");
    Files.createDirectories(other.resolve("n3"));
    Files.writeString(other.resolve("n3/node.yaml"), "# mine\n");
    CliHarness.Result partial = cli.run("init", "--nodes", "3", "--dir", "other");
    assertEquals(1, partial.code(), partial.all());
    assertTrue(partial.err().contains("n3/node.yaml already exists"), partial.err());
    assertFalse(Files.exists(other.resolve("keyring.json")));
    assertEquals("# mine\n", Files.readString(other.resolve("n3/node.yaml")));

    CliHarness.Result forced = cli.run("init", "--nodes", "3", "--force");
    assertEquals(0, forced.code(), forced.all());
    assertNotEquals(new String(keyring, StandardCharsets.UTF_8), Files.readString(dir.resolve("keyring.json")));
    assertFalse(java.util.Arrays.equals(caKey, Files.readAllBytes(dir.resolve("n2/ssh-ca"))));
    assertEquals("rw-------", mode(dir.resolve("n2/ssh-ca")));
  }

  @Test
  void badFlags_clearUsageErrors_andNothingWritten() throws Exception {
    CliHarness cli = new CliHarness(cwd);
    Map<List<String>, String> cases = Map.of(
        List.of("--nodes", "3", "--hosts", "h1,h2"), "--hosts names 2 hosts for 3 nodes",
        List.of("--nodes", "0"), "--nodes must be 1-64",
        List.of("--nodes", "three"), "--nodes must be a whole number",
        List.of("--http-port", "70000"), "--http-port must be a port number (1-65535), got 70000",
        List.of("--cluster-port", "65535", "--nodes", "2"), "ports run past 65535",
        List.of("--http-port", "5802"), "port 5802 on 127.0.0.1 would be both the HTTP port of n1 and the cluster"
            + " port of n2",
        List.of("--hosts", "bad host"), "'bad host' is not a host name",
        List.of("--admin", "../x"), "--admin must be a letter or digit",
        List.of("--principals", "root;rm"), "'root;rm' is not an account name");
    for (Map.Entry<List<String>, String> c : cases.entrySet()) {
      String[] argv = new java.util.ArrayList<>(List.of("init", "--dir", "x")) {
        {
          addAll(c.getKey());
        }
      }.toArray(new String[0]);
      CliHarness.Result r = cli.run(argv);
      assertEquals(2, r.code(), c.getKey() + "\n" + r.all());
      assertTrue(r.err().contains(c.getValue()), c.getKey() + ": " + r.err());
      assertEquals(1, r.err().lines().count(), r.err());
    }
    assertFalse(Files.exists(cwd.resolve("x")));
  }

  @Test
  void unwritableDirectory_failsWithTheReason() throws Exception {
    Files.writeString(cwd.resolve("plain-file"), "x");
    CliHarness.Result r = new CliHarness(cwd).run("init", "--dir", "plain-file/cluster");
    assertEquals(1, r.code(), r.all());
    assertTrue(r.err().startsWith("ephyr init: cannot create directory " + cwd.resolve("plain-file/cluster")), r.err());
    CliHarness.Result notDir = new CliHarness(cwd).run("init", "--dir", "plain-file");
    assertEquals(1, notDir.code(), notDir.all());
    assertTrue(notDir.err().contains("exists and is not a directory"), notDir.err());
  }

  @Test
  void interactive_asksForTheSameValues_onStdin() throws Exception {
    CliHarness cli = new CliHarness(cwd);
    // nodes, hosts, HTTP port, cluster port, name, dir, admin, agent, ssh, principals
    CliHarness.Result r = cli.runWithInput("2\n\n9100\n\nhome\nasked\nbob\n\nyes\nops-ro,deploy\n", "init",
        "--interactive");
    assertEquals(0, r.code(), r.all());
    assertTrue(r.out().contains("Number of nodes [3]: "), r.out());
    Path dir = cwd.resolve("asked");
    NodeConfig n2 = NodeConfig.load(dir.resolve("n2/node.yaml"), Map.of());
    assertEquals(9101, n2.http().port());
    assertEquals("5802", n2.cluster().get("cluster.port"));
    assertEquals("home", n2.cluster().get("cluster.name"));
    assertTrue(Policy.load(dir.resolve("policy.yaml")).admins().containsKey("bob"));
    assertTrue(Files.readString(dir.resolve("n1/signer.env")).contains("EPHYR_SIGNER_PRINCIPALS=\"ops-ro,deploy\""));

    CliHarness.Result cut = cli.runWithInput("2\n\n", "init", "--interactive", "--dir", "cut");
    assertEquals(2, cut.code(), cut.all());
    assertTrue(cut.err().contains("input ended before every question was answered"), cut.err());
    assertFalse(Files.exists(cwd.resolve("cut")));
    CliHarness.Result bad = cli.runWithInput("2\nh1,h2,h3\n" + "\n".repeat(8), "init", "--interactive");
    assertEquals(2, bad.code(), bad.all());
    assertTrue(bad.err().contains("names 3 hosts for 2 nodes"), bad.err());
  }

  @Test
  void signerSettings_startTheSigner_whereTheNodeLooksForIt() throws Exception {
    CliHarness h = new CliHarness(cwd);
    assertEquals(0, h.run("init", "--nodes", "1", "--dir", "s", "--principals", "ops-ro,deploy").code());
    Path nodeDir = cwd.resolve("s/n1");
    Map<String, String> env = new java.util.HashMap<>();
    for (String line : Files.readAllLines(nodeDir.resolve("signer.env"))) {
      if (line.startsWith("EPHYR_")) {
        int eq = line.indexOf('=');
        env.put(line.substring(0, eq), line.substring(eq + 2, line.length() - 1)); // KEY="value"
      }
    }
    Path socket = Path.of(env.get("EPHYR_SIGNER_SOCKET"));
    assertEquals(NodeConfig.load(nodeDir.resolve("node.yaml"), Map.of()).ssh().signerSocket(), socket,
        "the node looks for the signer where the signer listens");
    // The signer accepts the key and the private socket folder init made, as its systemd unit would start it.
    java.util.concurrent.CompletableFuture<CliHarness.Result> run = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> h.run("signer", "--key", env.get("EPHYR_SIGNER_KEY"), "--socket", socket.toString(), "--principals",
            env.get("EPHYR_SIGNER_PRINCIPALS")));
    try {
      dev.ephyr.testing.Eventually.await(java.time.Duration.ofSeconds(30), "the signer answers", () -> {
        assertFalse(run.isDone(), () -> run.join().all());
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
          ch.connect(java.net.UnixDomainSocketAddress.of(socket));
          dev.ephyr.broker.ssh.signer.Frames.write(ch, "{\"op\":\"ping\"}");
          return dev.ephyr.broker.ssh.signer.Frames.read(ch).contains("\"ok\":true");
        }
      });
    } finally {
      h.stop.fire();
    }
    CliHarness.Result r = run.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(0, r.code(), r.all());
  }
}
