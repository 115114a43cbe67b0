package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.testing.FreePorts;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's path, as a new user would take it with the CLI alone: make a keyring, an agent key and an
 * admin credential, start three nodes from YAML files, then {@code ephyr admin status}, {@code tree},
 * {@code revoke}, {@code audit}, and finally {@code ephyr audit verify} on a stopped node's trail.
 */
class AdminCliTest {
  @TempDir Path dir;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  private static int freePort() {
    return FreePorts.next();
  }

  private static JsonObject post(String url, String bearer, JsonObject body) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body()).put("_status", r.statusCode());
  }

  @Test
  void aNewOperator_seesStatus_aTree_revokes_andReadsTheStory() throws Exception {
    CliHarness h = new CliHarness(dir);
    assertEquals(0, h.run("keys", "init", "keyring.json").code());
    JsonObject agent = new JsonObject(h.run("agent-key", "--agent", "demo", "--json").out().trim());
    CliHarness.Result adminKey = h.run("admin", "key", "--admin", "ops", "--out", "admin.key");
    assertEquals(0, adminKey.code(), adminKey.all());
    Matcher hash = Pattern.compile("ops: \\{ credential: \"(sha256:[0-9a-f]{64})\" }").matcher(adminKey.out());
    assertTrue(hash.find(), adminKey.out());
    assertFalse(adminKey.out().contains(Files.readString(dir.resolve("admin.key")).trim()), "--out keeps it off screen");
    Files.writeString(dir.resolve("policy.yaml"), String.join("\n", "version: 1", "agents:", "  demo:",
        "    api_keys: [\"" + agent.getString("hash") + "\"]", "    targets: \"*\"", "    delegate: true",
        "    max_depth: 2", "admins:", "  ops: { credential: \"" + hash.group(1) + "\" }", ""));
    assertEquals(0, h.run("policy", "validate", "policy.yaml").code());

    int[] cluster = {freePort(), freePort(), freePort()};
    String members = "[127.0.0.1:" + cluster[0] + ", 127.0.0.1:" + cluster[1] + ", 127.0.0.1:" + cluster[2] + "]";
    List<CliHarness> runners = new ArrayList<>();
    List<CompletableFuture<Integer>> exits = new ArrayList<>();
    int[] http = new int[3];
    try {
      for (int i = 0; i < 3; i++) {
        Files.writeString(dir.resolve("n" + (i + 1) + ".yaml"), String.join("\n",
            "node: { id: n" + (i + 1) + ", data-dir: data" + (i + 1) + ", keyring: keyring.json, policy: policy.yaml }",
            "http: { host: 127.0.0.1, port: 0 }",
            "vertx: { event-loops: 2 }",
            "cluster: { name: cli-" + cluster[0] + ", bind-host: 127.0.0.1, port: " + cluster[i] + ", members: "
                + members + " }", ""));
        CliHarness runner = new CliHarness(dir);
        runners.add(runner);
        OutputWatch out = new OutputWatch("serving MCP at");
        OutputWatch err = new OutputWatch("stopped");
        String config = "n" + (i + 1) + ".yaml";
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> runner.run(out, err, "", "node",
            "--config", config));
        exits.add(exit);
        CompletableFuture.anyOf(out.seen, exit).get(120, TimeUnit.SECONDS);
        assertTrue(out.seen.isDone(), "node " + (i + 1) + " did not start: " + out.text() + err.text());
        Matcher port = Pattern.compile("127\\.0\\.0\\.1:(\\d+)/mcp").matcher(out.text());
        assertTrue(port.find(), out.text());
        http[i] = Integer.parseInt(port.group(1));
      }
      String n1 = "http://127.0.0.1:" + http[0];
      String n2 = "http://127.0.0.1:" + http[1];
      String n3 = "http://127.0.0.1:" + http[2];
      CliHarness op = new CliHarness(dir);
      op.env.put("EPHYR_ADMIN_KEY_FILE", "admin.key");

      // 1. status: three members, all ready, one policy
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      CliHarness.Result status;
      do {
        status = op.run("admin", "status", "--url", n1);
        LockSupport.parkNanos(Duration.ofMillis(200).toNanos()); // poll interval
      } while (!status.out().contains("3 member(s), quorum 2 (present), 3 ready") && System.nanoTime() < deadline);
      assertEquals(0, status.code(), status.all());
      assertTrue(status.out().contains("3 member(s), quorum 2 (present), 3 ready"), status.all());
      assertTrue(status.out().contains("(all nodes agree)"), status.all());
      assertTrue(status.out().lines().anyMatch(l -> l.startsWith("n3 ") && l.contains("ready")), status.all());

      // 2. an agent works: a root task on n1, a child delegated on n2
      JsonObject root = post(n1 + "/v1/tasks", agent.getString("key"), new JsonObject().put("can_delegate", true)
          .put("ttl", 600));
      assertEquals(201, root.getInteger("_status"), root.encode());
      JsonObject child = post(n2 + "/v1/tasks/delegate", root.getString("token"), new JsonObject());
      assertEquals(201, child.getInteger("_status"), child.encode());
      String rootId = root.getString("task_id");
      String childId = child.getString("task_id");

      // 3. the tree, asked of the third node
      CliHarness.Result tree = op.run("admin", "tree", childId, "--url", n3);
      assertEquals(0, tree.code(), tree.all());
      assertTrue(tree.out().contains("Tree of root " + rootId + " (2 task(s))"), tree.out());
      assertTrue(tree.out().contains(rootId + "  demo  active"), tree.out());
      assertTrue(tree.out().contains("└─ " + childId + "  demo  active") && tree.out().contains("<=="), tree.out());

      // 4. revoke the root from n3 (which minted nothing): the whole tree dies on every node
      CliHarness.Result revoke = op.run("admin", "revoke", rootId, "--url", n3);
      assertEquals(0, revoke.code(), revoke.all());
      assertTrue(revoke.out().contains("revoked " + rootId + " and its 1 descendant(s); acknowledged by 3/3 member(s)"
          + " (all)"), revoke.out());
      for (String node : List.of(n1, n2, n3)) {
        JsonObject refused = post(node + "/v1/tasks/delegate", child.getString("token"), new JsonObject());
        assertEquals(401, refused.getInteger("_status"), refused.encode());
        assertEquals("revoked", refused.getString("error"));
      }
      CliHarness.Result after = op.run("admin", "tree", rootId, "--url", n2);
      assertTrue(after.out().contains(rootId + "  demo  revoked") && after.out().contains(childId
          + "  demo  revoked_ancestor"), after.out());
      CliHarness.Result revokedList = op.run("admin", "tasks", "--agent", "demo", "--status", "revoked", "--url", n1);
      assertTrue(revokedList.out().contains(childId) && revokedList.out().startsWith("TASK"), revokedList.all());

      // 5. the story of the tree, merged from the three nodes
      CliHarness.Result story;
      deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      do {
        story = op.run("admin", "audit", "--task", rootId, "--url", n2);
        LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // poll interval: records are written async
      } while (story.out().lines().filter(l -> l.contains(" revoked")).count() < 3 && System.nanoTime() < deadline);
      assertEquals(0, story.code(), story.all());
      List<String> lines = story.out().lines().toList();
      assertTrue(lines.get(0).startsWith("TIME") && lines.get(0).contains("DECISION"), story.out());
      int created = find(lines, "allow", "task_create");
      int delegated = find(lines, "allow", "task_delegate");
      int revoked = find(lines, "allow", "admin.revoke");
      int refusedAfter = find(lines, "deny", "revoked");
      assertTrue(created > 0 && delegated > created && revoked > delegated && refusedAfter > revoked, story.out());
      assertTrue(lines.get(revoked).contains("admin:ops"), story.out());

      CliHarness.Result json = op.run("admin", "status", "--url", n2, "--json");
      assertEquals(3, new JsonObject(json.out()).getJsonArray("nodes").size(), json.out());

      // 6. a wrong credential: one clear line, exit 1
      CliHarness wrong = new CliHarness(dir);
      wrong.env.put("EPHYR_ADMIN_KEY", agent.getString("key"));
      CliHarness.Result refused = wrong.run("admin", "status", "--url", n1);
      assertEquals(1, refused.code(), refused.all());
      assertTrue(refused.err().startsWith("ephyr admin status: admin_unauthorized (HTTP 401)"), refused.err());
      CliHarness.Result noKey = new CliHarness(dir).run("admin", "status", "--url", n1);
      assertEquals(2, noKey.code());
      assertTrue(noKey.err().contains("no admin credential: set EPHYR_ADMIN_KEY"), noKey.err());
    } finally {
      for (CliHarness r : runners) {
        r.stop.fire();
      }
      for (CompletableFuture<Integer> e : exits) {
        assertEquals(0, e.get(60, TimeUnit.SECONDS));
      }
    }
    // 7. the trail of a stopped node verifies, and its end is checked against the head
    CliHarness.Result verify = h.run("audit", "verify", "--keyring", "keyring.json", "data1/audit");
    assertEquals(0, verify.code(), verify.all());
    assertTrue(verify.out().startsWith("OK: ") && verify.out().contains("chain intact"), verify.out());
    Path file = dir.resolve("data1/audit/audit-00000001.jsonl");
    List<String> records = new ArrayList<>(Files.readAllLines(file));
    records.remove(2);
    Files.writeString(file, String.join("\n", records) + "\n");
    CliHarness.Result broken = h.run("audit", "verify", "--keyring", "keyring.json", "data1/audit");
    assertEquals(1, broken.code(), broken.all());
    assertTrue(broken.out().startsWith("BROKEN: " + file + ":3: seq 4 follows seq 2"), broken.out());
  }

  private static int find(List<String> lines, String decision, String what) {
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).contains("  " + decision + "  ") && lines.get(i).contains(what)) {
        return i;
      }
    }
    return -1;
  }
}
