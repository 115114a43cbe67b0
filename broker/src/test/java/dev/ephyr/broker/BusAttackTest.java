package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.ephyr.broker.admin.AdminVerticle;
import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.testing.Eventually;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An attacker on the cluster network joins with a clustered Vert.x of its own (a raw Hazelcast member with the
 * right cluster name, no keyring) and listens and talks on the broker's event-bus addresses: it must not read
 * the live audit stream, catch an operator's credential in an admin fan-out, revoke with it, or get a command
 * run on an SSH session by forging the forwarding message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BusAttackTest {
  final TestKit kit = new TestKit();
  final String adminKey = ApiKeys.generate(TestKit.RANDOM);
  final List<Node> nodes = new ArrayList<>();
  List<Integer> ports;
  Node n1;
  Node n2;
  HazelcastInstance intruderMember;
  Vertx intruder;

  @BeforeAll
  void start() throws Exception {
    Files.writeString(kit.dir.resolve("policy.yaml"), kit.policyYaml() + "admins:\n  ops:\n    credential: \""
        + ApiKeys.hash(adminKey) + "\"\n");
    ports = List.of(TestKit.freePort(), TestKit.freePort());
    n1 = TestKit.start(kit.config("n1", ports.get(0), ports).build());
    nodes.add(n1);
    n2 = TestKit.start(kit.config("n2", ports.get(1), ports).build());
    nodes.add(n2);
    for (Node n : nodes) {
      TestKit.awaitReady(n);
    }
    // The attacker has our (open-source) jar: members only join when they can read our cluster types.
    Config cfg = EventBusTlsTest.intruderConfig(kit, ports);
    intruderMember = Hazelcast.newHazelcastInstance(cfg);
    intruder = Vertx.builder().withClusterManager(new HazelcastClusterManager(intruderMember)).buildClustered()
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    Eventually.await(Duration.ofSeconds(30), "the intruder joined",
        () -> n1.cluster().hazelcast().getCluster().getMembers().size() == 3);
  }

  @AfterAll
  void stop() throws Exception {
    if (intruder != null) {
      intruder.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    if (intruderMember != null) {
      intruderMember.getLifecycleService().terminate();
    }
    for (Node n : nodes) {
      TestKit.close(n);
    }
  }

  private void listen(String address, List<Object> into) throws Exception {
    intruder.eventBus().consumer(address, (Message<Object> m) -> into.add(m.body())).completion()
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private JsonObject ask(String address, JsonObject body) throws Exception {
    try {
      Object reply = intruder.eventBus().request(address, body, new DeliveryOptions().setSendTimeout(10_000))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).body();
      return reply instanceof JsonObject o ? o : new JsonObject().put("reply", String.valueOf(reply));
    } catch (java.util.concurrent.ExecutionException e) {
      return new JsonObject().put("failed", e.getCause().toString());
    }
  }

  @Test
  void intruder_cannotReadTheLiveAuditStream() throws Exception {
    List<Object> seen = new CopyOnWriteArrayList<>();
    listen(Addresses.AUDIT_LIVE, seen);
    // An operator watches the live stream on n2, so n1 publishes its records on the bus.
    try (LiveStream operator = LiveStream.open("http://127.0.0.1:" + n2.port() + "/admin/audit/live",
        Map.of("Authorization", "Bearer " + adminKey))) {
      Eventually.await(Duration.ofSeconds(30), "the intruder received live batches", () -> {
        Http.get("http://127.0.0.1:" + n1.port() + "/admin/status", Map.of("Authorization", "Bearer " + adminKey));
        return seen.size() >= 2;
      });
    }
    for (Object b : seen) {
      String text = String.valueOf(b);
      assertFalse(text.contains("records") || text.contains("admin.status") || text.contains("\"node\""),
          "the intruder read audit records: " + text);
    }
  }

  @Test
  void intruder_catchesNoCredentialInAFanOut_andCannotRevokeWithOne() throws Exception {
    List<Object> caught = new CopyOnWriteArrayList<>();
    // Registered on n2's per-node address: the bus now hands some of n1's fan-out requests to the intruder.
    listen(AdminVerticle.nodeAddress("n2", "status"), caught);
    Eventually.await(Duration.ofSeconds(30), "the intruder received fan-out requests", () -> {
      Http.get("http://127.0.0.1:" + n1.port() + "/admin/status", Map.of("Authorization", "Bearer " + adminKey));
      return !caught.isEmpty();
    });
    String stolen = null;
    for (Object m : caught) {
      assertFalse(String.valueOf(m).contains(adminKey), "the operator's credential crossed the bus: " + m);
      if (m instanceof JsonObject o && o.getValue("credential") instanceof String c) {
        stolen = c;
      }
    }
    // What the intruder would do with a credential (and with the captured message itself).
    String task = "01JATTACKTASK0000000000000";
    JsonObject revoke = ask(Addresses.ADMIN_REVOKE, new JsonObject().put("credential", stolen == null ? adminKey : stolen)
        .put("args", new JsonObject().put("task_id", task)));
    assertFalse(Boolean.TRUE.equals(revoke.getValue("ok")) || revoke.getInteger("status", 0) == 404,
        "an admin operation from the intruder's bus was run: " + revoke);
    JsonObject reload = ask(AdminVerticle.nodeAddress("n1", "policy-reload"), new JsonObject()
        .put("credential", adminKey).put("args", new JsonObject()));
    assertFalse(Boolean.TRUE.equals(reload.getValue("ok")), "a raw credential was accepted on a per-node address: "
        + reload);
    JsonObject configReload = ask(AdminVerticle.nodeAddress("n1", "config-reload"), new JsonObject()
        .put("credential", adminKey).put("args", new JsonObject()));
    assertFalse(Boolean.TRUE.equals(configReload.getValue("ok")), "a raw credential was accepted on a per-node "
        + "address: " + configReload);
    JsonObject replayed = ask(AdminVerticle.nodeAddress("n1", "status"), (JsonObject) caught.get(0));
    assertFalse(Boolean.TRUE.equals(replayed.getValue("ok")), "a captured fan-out request was replayed: " + replayed);
  }

  @Test
  void intruder_cannotForgeASessionCommand() throws Exception {
    // A well-formed caller naming any task the intruder likes (session ids show up in audit records).
    String task = "01JATTACKTASK0000000000000";
    JsonObject caller = new JsonObject().put("agent", "alice").put("task", task)
        .put("lineage", new io.vertx.core.json.JsonArray().add(new JsonObject().put("task", task).put("epoch", 0)))
        .put("expires_at", System.currentTimeMillis() / 1000 + 600).put("targets", "*").put("roles", "*");
    JsonObject answer = ask(Addresses.SSH_SESSION_PREFIX + "n1", new JsonObject().put("op", "exec")
        .put("session_id", "n1~AAAAAAAAAAAAAAAAAAAAAA").put("command", "id").put("caller", caller));
    JsonObject denied = answer.getJsonObject("denied", new JsonObject());
    assertEquals("bus_refused", denied.getString("code"),
        "the forged session request reached the session layer instead of being refused: " + answer);
  }

  @Test
  void intruder_cannotPlantACaKeyThatTargetsWouldTrust() {
    // SSH targets install every key of /v1/ssh/ca as a trusted user CA.
    String planted = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHBsYW50ZWQtYnktdGhlLWludHJ1ZGVyLTAwMDAwMDAw intruder";
    intruderMember.<String, String>getMap("ephyr.ssh.ca").set("SHA256:planted", new JsonObject()
        .put("public_key", planted).put("node", "n1").put("published", System.currentTimeMillis() / 1000).encode());
    Http.Response r = Http.get("http://127.0.0.1:" + n1.port() + "/v1/ssh/ca", Map.of());
    assertFalse(r.body().contains("IHBsYW50ZWQt"), "the planted CA key is served to targets: " + r.body());
    // No node here has a signer, so without the planted key there is no CA at all: a reason, not an empty file.
    assertEquals(503, r.status(), r.body());
    assertEquals("ssh_ca_unavailable", r.json().getString("error"), r.body());
  }

  @Test
  void sshCa_withNoSignerInTheCluster_is503WithAReason_notAnEmptyFile() {
    Http.Response r = Http.get("http://127.0.0.1:" + n2.port() + "/v1/ssh/ca", Map.of());
    assertEquals(503, r.status(), r.body());
    assertEquals("application/json", r.header("Content-Type"));
    assertEquals("ssh_ca_unavailable", r.json().getString("error"), r.body());
    assertTrue(r.json().getString("message").contains("ssh.signer-socket"), r.body());
  }
}
