package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.audit.AuditFiles;
import dev.ephyr.broker.audit.AuditKeys;
import dev.ephyr.broker.audit.AuditVerifier;
import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.state.BackupManifest;
import dev.ephyr.cluster.StateVerifier;
import dev.ephyr.broker.policy.ApiKeys;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A backup taken through the admin API on one of two members while 200 revokes on both race it, restored into a
 * fresh node of a new cluster:
 * every revoke acknowledged before the backup was asked for is in force there, nothing that was not revoked is,
 * and the restored store and audit trail are sound.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class StateBackupRestoreTest {
  private static final int TASKS = 220;
  private static final int REVOKED = 200;

  private final TestKit kit = new TestKit();
  private final String adminKey = ApiKeys.generate(TestKit.RANDOM);
  private Node node;
  private Node other;
  private Node restored;

  @AfterEach
  void stop() {
    TestKit.close(restored);
    TestKit.closeCheckingLoops(node, other);
  }

  private record Revoke(String taskId, long ackedNanos, int status) {}

  @Test
  void backupDuringRevocationRace_restoredIntoAFreshCluster_nothingAcknowledgedIsMissing() throws Exception {
    Files.writeString(kit.dir.resolve("policy.yaml"), kit.policyYaml() + "admins:\n  ops:\n    credential: \""
        + ApiKeys.hash(adminKey) + "\"\n");
    // Two members: revokes go to both, the backup is taken on one. A revoke acknowledged by either is durable on
    // every live member, so it must be in the backup of either.
    Node[] pair = kit.startPair(b -> b);
    node = pair[0];
    other = pair[1];
    String base = "http://127.0.0.1:" + node.port();
    String otherBase = "http://127.0.0.1:" + other.port();
    McpClient alice = McpClient.bearer(TestKit.localMcp(node), kit.aliceKey);
    List<String> ids = new ArrayList<>();
    Map<String, String> tokens = new ConcurrentHashMap<>();
    for (int i = 0; i < TASKS; i++) {
      JsonObject t = alice.ok("task_create", new JsonObject().put("ttl", 900));
      ids.add(t.getString("task_id"));
      tokens.put(t.getString("task_id"), t.getString("token"));
    }
    Set<String> toRevoke = new HashSet<>(ids.subList(0, REVOKED));

    // 200 revokes from 8 threads; the backup is asked for once a quarter of them were acknowledged.
    ExecutorService pool = Executors.newFixedThreadPool(8);
    AtomicInteger acked = new AtomicInteger();
    List<Future<Revoke>> revokes = new ArrayList<>();
    for (int i = 0; i < REVOKED; i++) {
      String id = ids.get(i);
      String via = i % 2 == 0 ? base : otherBase;
      revokes.add(pool.submit(() -> {
        Http.Response r = Http.post(via + "/v1/tasks/" + id + "/revoke", Map.of("Authorization", "Bearer "
            + kit.aliceKey, "Content-Type", "application/json"), "{}");
        long at = System.nanoTime();
        if (r.status() == 200) {
          acked.incrementAndGet();
        }
        return new Revoke(id, at, r.status());
      }));
    }
    dev.ephyr.testing.Eventually.await(java.time.Duration.ofSeconds(60), "a quarter of the revokes acknowledged",
        () -> acked.get() >= REVOKED / 4);
    Path backupDir = kit.dir.resolve("backup-1");
    long backupAsked = System.nanoTime();
    Http.Response backup = Http.post(base + "/admin/state/backup", Map.of("Authorization", "Bearer " + adminKey,
        "Content-Type", "application/json"), new JsonObject().put("dir", backupDir.toString()).encode());
    long backupAnswered = System.nanoTime();
    assertEquals(200, backup.status(), backup.toString());
    List<Revoke> done = new ArrayList<>();
    for (Future<Revoke> f : revokes) {
      done.add(f.get(120, TimeUnit.SECONDS));
    }
    pool.shutdown();
    for (Revoke r : done) {
      assertEquals(200, r.status(), "every revoke is acknowledged: " + r);
    }
    Set<String> ackedBeforeBackup = new HashSet<>();
    for (Revoke r : done) {
      if (r.ackedNanos() < backupAsked) {
        ackedBeforeBackup.add(r.taskId());
      }
    }
    long ackedAfter = done.stream().filter(r -> r.ackedNanos() > backupAnswered).count();
    assertTrue(ackedBeforeBackup.size() >= REVOKED / 4, "the race had revokes acknowledged before the backup");
    assertTrue(Files.isRegularFile(backupDir.resolve(BackupManifest.FILE)), "the manifest is written");
    assertTrue(StateVerifier.verify(backupDir.resolve("state")).ok(), "the state copy is a sound store");
    JsonObject summary = backup.json();
    assertEquals(TASKS, summary.getLong("tasks"), "every task created before the backup: " + summary);
    // The audit copy is a whole chain up to the record its head names: nothing cut, nothing half-written.
    AuditVerifier.Report trail = new AuditVerifier(AuditKeys.of(kit.keyring)).verify(
        AuditFiles.list(backupDir.resolve("audit")), backupDir.resolve("audit").resolve(AuditFiles.HEAD));
    assertTrue(trail.ok(), "the audit copy verifies: " + trail);
    assertEquals(summary.getLong("audit_seq"), trail.lastSeq(), "the manifest names the last record copied");

    // A fresh node, alone in a new cluster, same keyring, restored from the backup.
    Path fresh = kit.dir.resolve("fresh");
    Process restore = restoreCommand(backupDir, fresh.resolve("state"), fresh.resolve("audit"));
    String out = new String(restore.getInputStream().readAllBytes());
    assertTrue(restore.waitFor(120, TimeUnit.SECONDS), "restore finished");
    assertEquals(0, restore.exitValue(), out);
    int cp = TestKit.freePort();
    restored = TestKit.start(kit.config("fresh", cp, List.of(cp)).set("cluster.name", kit.clusterName + "-restored")
        .dataDir(fresh).build());
    TestKit.awaitReady(restored);
    String freshMcp = TestKit.localMcp(restored);
    Set<String> refused = new HashSet<>();
    for (String id : ids) {
      Http.Response ping = McpClient.bearer(freshMcp, tokens.get(id)).rpc("ping", null);
      if (ping.status() != 200) {
        assertTrue(ping.body().contains("revoked"), "refused only as revoked: " + id + " " + ping);
        refused.add(id);
      }
    }
    Set<String> missing = new HashSet<>(ackedBeforeBackup);
    missing.removeAll(refused);
    assertEquals(Set.of(), missing, "revokes acknowledged before the backup that the restored node does not enforce");
    Set<String> spurious = new HashSet<>(refused);
    spurious.removeAll(toRevoke);
    assertEquals(Set.of(), spurious, "tasks refused on the restored node that were never revoked");
    assertFalse(refused.isEmpty());
    System.out.printf("backup race: %d revokes acknowledged before the backup was asked for, %d after it answered,"
        + " %d enforced after the restore%n", ackedBeforeBackup.size(), ackedAfter, refused.size());
  }

  @Test
  void backupRequest_refusesAnExistingOrRelativeDirectory_andAnUnknownAdmin() throws Exception {
    Files.writeString(kit.dir.resolve("policy.yaml"), kit.policyYaml() + "admins:\n  ops:\n    credential: \""
        + ApiKeys.hash(adminKey) + "\"\n");
    node = kit.startSolo("refusing");
    String url = "http://127.0.0.1:" + node.port() + "/admin/state/backup";
    Map<String, String> auth = Map.of("Authorization", "Bearer " + adminKey, "Content-Type", "application/json");
    Http.Response exists = Http.post(url, auth, new JsonObject().put("dir", kit.dir.toString()).encode());
    assertEquals(400, exists.status(), exists.toString());
    assertTrue(exists.json().getString("message").contains("already exists"), exists.toString());
    Http.Response relative = Http.post(url, auth, new JsonObject().put("dir", "backups/x").encode());
    assertEquals(400, relative.status(), relative.toString());
    assertTrue(relative.json().getString("message").contains("absolute"), relative.toString());
    Http.Response noDir = Http.post(url, auth, "{}");
    assertEquals(400, noDir.status(), noDir.toString());
    Http.Response stranger = Http.post(url, Map.of("Authorization", "Bearer " + kit.aliceKey, "Content-Type",
        "application/json"), new JsonObject().put("dir", kit.dir.resolve("b").toString()).encode());
    assertEquals(401, stranger.status(), stranger.toString());
    assertFalse(Files.exists(kit.dir.resolve("b")), "nothing written for a refused caller");
  }

  /** {@code ephyr state restore} in a child JVM, as an operator runs it. */
  private Process restoreCommand(Path backup, Path stateDir, Path auditDir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.ephyr.broker.cli.Main",
        "state", "restore", backup.toString(), "--keyring", kit.dir.resolve("keyring.json").toString(),
        "--state-dir", stateDir.toString(), "--audit-dir", auditDir.toString()).redirectErrorStream(true).start();
  }
}
