package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.ssh.signer.CaKeyFile;
import dev.ephyr.broker.ssh.signer.SignerLimits;
import dev.ephyr.broker.ssh.signer.SignerServer;
import dev.ephyr.cluster.StateStore;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import dev.ephyr.protocol.verify.WatermarkLookup;
import dev.ephyr.testing.Eventually;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three broker nodes in three JVMs, each with its own state directory, killed with SIGKILL (no graceful
 * leave, nothing flushed) and started again: nothing acknowledged before the kill is undone.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DurableRestartTest {
  private static final Duration START = Duration.ofSeconds(150);
  private static TestKit kit;
  private static ChildCluster cluster;
  private static List<String> urls;
  /** The task revoked while node B was down (test 2), checked in B's own store while it is dead (test 3). */
  private static volatile String revokedWhileBDown;
  private static SignerServer signer;
  private static Path signerDir;

  @BeforeAll
  static void start() throws Exception {
    kit = new TestKit();
    // SSH certificates without an sshd: the target's port is closed, so exec fails after the certificate was
    // issued and recorded, which is all the KRL needs.
    Files.writeString(kit.dir.resolve("policy.yaml"), kit.policyYaml() + String.join("\n",
        "roles:",
        "  ops: { principal: ephyr-test }",
        "targets:",
        "  dead: { host: 127.0.0.1, port: " + TestKit.freePort() + ", host_key: \"" + ed25519HostKey()
            + "\", roles: [ops] }",
        ""));
    signerDir = Files.createTempDirectory(Path.of("/tmp"), "ephyr-signer-");
    signer = SignerServer.start(CaKeyFile.generate(new SecureRandom()), new SignerServer.Config(
        signerDir.resolve("s.sock"), new SignerLimits(Duration.ofMinutes(10), Set.of("ephyr-test"),
            SignerLimits.KNOWN_EXTENSIONS, SignerLimits.KNOWN_OPTIONS, 1000, 1000),
        Set.of(System.getProperty("user.name")), null), new PrintStream(OutputStream.nullOutputStream()),
        Clock.systemUTC());
    cluster = new ChildCluster(kit, 3, List.of("ssh:", "  signer-socket: " + signer.socket()));
    urls = cluster.urls;
    try {
      startNodes(List.of(0, 1, 2));
    } catch (Exception | AssertionError e) {
      stop();
      throw e;
    }
  }

  @AfterAll
  static void stop() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
    if (signer != null) {
      signer.close();
    }
    if (signerDir != null) {
      try (var walk = Files.walk(signerDir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static String ed25519HostKey() throws Exception {
    byte[] spki = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
    ByteBuffer blob = ByteBuffer.allocate(4 + 11 + 4 + 32);
    blob.putInt(11).put("ssh-ed25519".getBytes(StandardCharsets.US_ASCII)).putInt(32)
        .put(spki, spki.length - 32, 32);
    return "ssh-ed25519 " + Base64.getEncoder().encodeToString(blob.array());
  }

  /** Issues a certificate to the token's task on {@code node} (exec on the dead target) and returns its serial. */
  private static long issueCertificate(int node, String token) {
    McpClient c = McpClient.bearer(urls.get(node) + "/mcp", token);
    Set<Long> before = serials(c);
    assertNotNull(c.toolError("exec", new JsonObject().put("target", "dead").put("command", "true")));
    Set<Long> after = serials(c);
    after.removeAll(before);
    assertEquals(1, after.size(), "one new certificate: " + after);
    return after.iterator().next();
  }

  private static Set<Long> serials(McpClient c) {
    Set<Long> out = new HashSet<>();
    c.ok("list_certs", new JsonObject()).getJsonArray("certificates")
        .forEach(o -> out.add(((JsonObject) o).getLong("serial")));
    return out;
  }

  /** Every serial {@code node}'s KRL lists, whatever the CA. */
  private static Set<Long> krl(int node) {
    Http.Response r = Http.get(urls.get(node) + "/v1/ssh/krl.json", Map.of());
    assertEquals(200, r.status(), r.toString());
    Set<Long> out = new HashSet<>();
    r.json().getJsonArray("revoked").forEach(ca -> ((JsonObject) ca).getJsonArray("serials")
        .forEach(n -> out.add(((Number) n).longValue())));
    return out;
  }

  /** Starts the given nodes in that order (each process launched before the previous is ready) and waits for all. */
  private static void startNodes(List<Integer> order) throws Exception {
    cluster.start(order, START);
  }

  /** SIGKILL to every given node, back to back, then waits for them to be gone. */
  private static void killNow(List<Integer> which) throws InterruptedException {
    cluster.kill(which);
  }

  /**
   * Reads node {@code node}'s state file directly (the node must be dead): the revocation is on its own disk,
   * not only in the cluster's memory it joined.
   */
  private static void assertRevokedInStore(int node, String taskId) {
    assertNotNull(taskId, "the revoke made while node " + node + " was down (an earlier test) did not run");
    Path file = kit.dir.resolve("node" + (char) ('A' + node) + "-state").resolve(StateStore.FILE_NAME);
    MVStore store = new MVStore.Builder().fileName(file.toString()).readOnly().open();
    try {
      MVMap<String, long[]> marks = store.openMap("watermarks");
      long[] mark = marks.get(taskId);
      assertNotNull(mark, "node " + node + " has no watermark of " + taskId + " in " + file);
      assertEquals(WatermarkLookup.REVOKED, mark[0], "node " + node + "'s stored floor of " + taskId);
    } finally {
      store.close();
    }
  }

  private static McpClient alice(int node) {
    return McpClient.bearer(urls.get(node) + "/mcp", kit.aliceKey);
  }

  private static int ping(int node, String token) {
    return McpClient.bearer(urls.get(node) + "/mcp", token).rpc("ping", null).status();
  }

  private static Map<String, String> statuses(JsonObject list) {
    Map<String, String> out = new HashMap<>();
    list.getJsonArray("tasks").forEach(o -> out.put(((JsonObject) o).getString("task_id"),
        ((JsonObject) o).getString("status")));
    return out;
  }

  @Test
  @Order(1)
  void revokeThenKillAllThreeAtOnce_restartInAnotherOrder_nothingUndone() throws Exception {
    JsonObject root = alice(0).ok("task_create", new JsonObject().put("ttl", 900).put("can_delegate", true));
    McpClient rootOnB = McpClient.bearer(urls.get(1) + "/mcp", root.getString("token"));
    JsonObject child = rootOnB.ok("task_delegate", new JsonObject().put("can_delegate", true));
    JsonObject grandchild = McpClient.bearer(urls.get(2) + "/mcp", child.getString("token")).ok("task_delegate", null);
    // A bound task (two-phase), bound on C.
    JsonObject pending = alice(1).ok("task_create", new JsonObject().put("bind_within", 120).put("ttl", 900));
    HolderKeyPair key = HolderKeyPair.generate(TestKit.RANDOM);
    JsonObject bound = McpClient.dpop(urls.get(2) + "/mcp", pending.getString("token"), key).ok("task_bind", null);
    assertEquals(key.jkt(), bound.getString("holder_jkt"));

    long rootCert = issueCertificate(0, root.getString("token"));
    long childCert = issueCertificate(1, child.getString("token"));
    long grandchildCert = issueCertificate(2, grandchild.getString("token"));

    JsonObject revoke = alice(0).ok("task_revoke", new JsonObject().put("task_id", child.getString("task_id")));
    // A task answered to its creator just before the kill: only C is waited for on create (the others store it
    // without being waited for), so its record must come back from C's disk through the cold-start exchange.
    JsonObject lastCreated = alice(2).ok("task_create", new JsonObject().put("ttl", 900));
    killNow(List.of(0, 1, 2)); // within a few milliseconds of both acknowledgements
    assertTrue(revoke.getBoolean("acknowledged_by_all"), revoke.encode());

    startNodes(List.of(2, 0, 1));
    for (int n = 0; n < 3; n++) {
      Http.Response r = McpClient.bearer(urls.get(n) + "/mcp", child.getString("token")).rpc("ping", null);
      assertEquals(401, r.status(), "node " + n + ": " + r);
      assertEquals("revoked", r.json().getString("error"));
      assertEquals(401, ping(n, grandchild.getString("token")), "the subtree stays refused on node " + n);
      assertEquals(200, ping(n, root.getString("token")), "the parent works on node " + n);
    }
    for (int n = 0; n < 3; n++) {
      Set<Long> listed = krl(n);
      assertTrue(listed.containsAll(List.of(childCert, grandchildCert)), "node " + n + "'s KRL: " + listed);
      assertFalse(listed.contains(rootCert), "the live parent's certificate is not revoked: " + listed);
    }
    long newCert = issueCertificate(1, root.getString("token"));
    assertTrue(newCert > Math.max(rootCert, Math.max(childCert, grandchildCert)),
        "a serial after the restart (" + newCert + ") is above every earlier one");
    JsonObject info = alice(1).ok("task_info", new JsonObject().put("task_id", child.getString("task_id")));
    assertEquals("revoked", info.getString("status"));
    assertEquals("active", alice(2).ok("task_info", new JsonObject().put("task_id", root.getString("task_id")))
        .getString("status"));
    Map<String, String> listed = statuses(alice(0).ok("task_list", new JsonObject().put("include_inactive", true)));
    assertEquals("active", listed.get(root.getString("task_id")), listed.toString());
    assertEquals("active", listed.get(lastCreated.getString("task_id")), "created just before the kill: " + listed);
    assertEquals("active", alice(1).ok("task_info", new JsonObject().put("task_id", lastCreated.getString("task_id")))
        .getString("status"));
    assertEquals("revoked", listed.get(child.getString("task_id")), listed.toString());
    assertEquals("revoked_ancestor", listed.get(grandchild.getString("task_id")), listed.toString());

    // The bound task is still bound to the same key; its unbound copy cannot bind again, with any key.
    McpClient boundOnA = McpClient.dpop(urls.get(0) + "/mcp", bound.getString("token"), key);
    JsonObject boundInfo = boundOnA.ok("task_info", null);
    assertEquals(key.jkt(), boundInfo.getString("holder_jkt"));
    HolderKeyPair thief = HolderKeyPair.generate(TestKit.RANDOM);
    // The bind moved the task to a new epoch (acknowledged like a revoke): the unbound copy is dead on every node.
    for (int n = 0; n < 3; n++) {
      Http.Response again = McpClient.dpop(urls.get(n) + "/mcp", pending.getString("token"), thief)
          .call("task_bind", null);
      assertEquals(401, again.status(), "node " + n + ": " + again);
      assertEquals("revoked", again.json().getString("error"), "node " + n + ": " + again);
    }
    assertEquals(401, ping(1, bound.getString("token")), "a bound token still needs its proof");
  }

  @Test
  @Order(2)
  void killTwoOfThree_survivorFailsClosed_restartTheTwo_nothingLost() throws Exception {
    List<JsonObject> revoked = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      JsonObject t = alice(i % 3).ok("task_create", new JsonObject().put("ttl", 900));
      assertTrue(alice((i + 1) % 3).ok("task_revoke", new JsonObject().put("task_id", t.getString("task_id")))
          .getBoolean("acknowledged_by_all"));
      revoked.add(t);
    }
    JsonObject live = alice(0).ok("task_create", new JsonObject().put("ttl", 900));
    // With backup-count 1, a partition whose owner and backup were both on B and C is gone from memory.
    killNow(List.of(1, 2));
    Eventually.await(Duration.ofSeconds(60), "A fails closed", () -> ping(0, live.getString("token")) == 503);
    Http.Response refused = alice(0).call("task_revoke", new JsonObject().put("task_id", live.getString("task_id")));
    assertEquals(503, refused.status(), "no revoke is acknowledged below quorum: " + refused);

    startNodes(List.of(2));
    Eventually.await(Duration.ofSeconds(60), "A serves again", () -> ping(0, live.getString("token")) == 200);
    // B is down during this revoke: it learns it on joining, and must make it durable in its own store.
    JsonObject whileBDown = alice(2).ok("task_create", new JsonObject().put("ttl", 900));
    assertTrue(alice(0).ok("task_revoke", new JsonObject().put("task_id", whileBDown.getString("task_id")))
        .getBoolean("acknowledged_by_all"));
    revokedWhileBDown = whileBDown.getString("task_id");
    startNodes(List.of(1));
    revoked.add(whileBDown);
    for (JsonObject t : revoked) {
      for (int n = 0; n < 3; n++) {
        assertEquals(401, ping(n, t.getString("token")), "revoked task " + t.getString("task_id") + " on node " + n);
      }
    }
    Map<String, String> listed = statuses(alice(2).ok("task_list", new JsonObject().put("include_inactive", true)));
    for (JsonObject t : revoked) {
      assertEquals("revoked", listed.get(t.getString("task_id")), listed.toString());
    }
    assertEquals("active", listed.get(live.getString("task_id")));
  }

  @Test
  @Order(3)
  void thousandRevokesRacing_killAllInTheMiddle_noAcknowledgedRevokeUndone() throws Exception {
    int count = 1_000;
    JsonObject control = alice(0).ok("task_create", new JsonObject().put("ttl", 900));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<JsonObject>> created = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int node = i % 3;
        created.add(pool.submit(() -> alice(node).ok("task_create", new JsonObject().put("ttl", 900))));
      }
      List<JsonObject> tasks = new ArrayList<>();
      for (Future<JsonObject> f : created) {
        tasks.add(f.get(120, TimeUnit.SECONDS));
      }
      ConcurrentLinkedQueue<JsonObject> acknowledged = new ConcurrentLinkedQueue<>();
      AtomicBoolean killed = new AtomicBoolean();
      AtomicInteger sent = new AtomicInteger();
      List<Future<?>> revokes = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        JsonObject t = tasks.get(i);
        int node = (i + 1) % 3;
        revokes.add(pool.submit(() -> {
          if (killed.get()) {
            return;
          }
          sent.incrementAndGet();
          try {
            Http.Response r = alice(node).call("task_revoke", new JsonObject().put("task_id", t.getString("task_id")));
            JsonObject result = r.status() == 200 ? r.json().getJsonObject("result") : null;
            if (result != null && !result.getBoolean("isError", false)) {
              JsonObject body = result.getJsonObject("structuredContent");
              if (body.getBoolean("acknowledged_by_all", false)) {
                acknowledged.add(t);
              }
            }
          } catch (RuntimeException e) {
            // the node died under the call: not acknowledged, nothing to check
          }
        }));
      }
      Eventually.await(Duration.ofSeconds(120), "half the revokes acknowledged", () -> acknowledged.size() >= count / 2);
      killed.set(true);
      killNow(List.of(0, 1, 2));
      for (Future<?> f : revokes) {
        f.get(120, TimeUnit.SECONDS);
      }
      assertRevokedInStore(1, revokedWhileBDown);
      List<JsonObject> done = new ArrayList<>(acknowledged);
      assertTrue(done.size() >= count / 2, "acknowledged " + done.size());
      startNodes(List.of(1, 2, 0));
      List<Future<Integer>> checks = new ArrayList<>();
      for (int i = 0; i < done.size(); i++) {
        JsonObject t = done.get(i);
        int node = i % 3;
        checks.add(pool.submit(() -> ping(node, t.getString("token"))));
      }
      int accepted = 0;
      for (Future<Integer> f : checks) {
        if (f.get(120, TimeUnit.SECONDS) != 401) {
          accepted++;
        }
      }
      assertEquals(0, accepted, "revoked tokens accepted after the restart (of " + done.size() + " acknowledged)");
      // A task nobody revoked still works: the restart did not simply refuse everything.
      for (int n = 0; n < 3; n++) {
        assertEquals(200, ping(n, control.getString("token")), "the control task on node " + n);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
