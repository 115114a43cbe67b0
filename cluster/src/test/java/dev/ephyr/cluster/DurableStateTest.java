package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.verify.WatermarkLookup;
import dev.ephyr.testing.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Three members in this JVM, each with its own state directory: what a restart of all of them keeps. */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class DurableStateTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String HOLDER = "holder-jkt-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  private final List<ClusterNode> nodes = new ArrayList<>();

  @TempDir
  Path tmp;

  @AfterEach
  void stop() {
    TestClusters.closeAll(nodes);
  }

  private ClusterNode start(String cluster, String id, int index, List<Integer> ports) {
    ClusterNode n = ClusterNode.start(TestClusters.config(cluster, id, ports.get(index), ports)
        .stateDir(tmp.resolve(id)).build());
    nodes.add(n);
    return n;
  }

  private void close(ClusterNode n) {
    n.close();
    nodes.remove(n);
  }

  private static <T> T get(java.util.concurrent.CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static TaskRecord record(String id, String parent, Instant expires, long bindWithinSeconds) {
    return new TaskRecord(id, parent == null ? id : parent, parent, "alice", parent == null ? 0 : 1, 0, Instant.now(),
        expires, bindWithinSeconds > 0 ? Instant.now().plusSeconds(bindWithinSeconds) : null, null, "{}");
  }

  @Test
  void wholeClusterRestart_inAnotherOrder_keepsRevocationsTasksBindingsAndCertificates() throws Exception {
    String cluster = TestClusters.uniqueName("durable");
    List<Integer> ports = TestClusters.freePorts(3);
    ClusterNode a = start(cluster, "a", 0, ports);
    ClusterNode b = start(cluster, "b", 1, ports);
    ClusterNode c = start(cluster, "c", 2, ports);
    assertTrue(a.awaitReady(WAIT) && b.awaitReady(WAIT) && c.awaitReady(WAIT));
    Instant expires = Instant.now().plusSeconds(3600);
    get(a.tasks().put(record("root", null, expires, 0)));
    get(a.tasks().put(record("child", "root", expires, 60)));
    get(b.tasks().put(record("bound", "root", expires, 60)));
    assertInstanceOf(BindResult.Bound.class, get(c.tasks().bindOnce("bound", HOLDER)));
    RaiseResult revoked = get(b.watermarks().revoke("child", expires));
    assertTrue(revoked.acknowledgedByAll());
    long serial = get(a.serials().next());
    get(a.certificates().put(serial, "{\"serial\":" + serial + ",\"valid_before\":"
        + expires.getEpochSecond() + "}", expires));

    close(a);
    close(b);
    close(c);
    // Another order: C first (alone, below quorum), then A, then B.
    c = start(cluster, "c", 2, ports);
    a = start(cluster, "a", 0, ports);
    assertTrue(c.awaitReady(WAIT), c.readiness()::toString);
    assertTrue(a.awaitReady(WAIT), a.readiness()::toString);
    b = start(cluster, "b", 1, ports);
    assertTrue(b.awaitReady(WAIT), b.readiness()::toString);
    for (ClusterNode n : List.of(a, b, c)) {
      assertEquals(WatermarkLookup.REVOKED, n.watermarks().watermark("child"), n.nodeId());
      assertEquals(0, n.watermarks().watermark("root"), n.nodeId());
    }
    Optional<TaskRecord> child = get(b.tasks().get("child"));
    assertTrue(child.isPresent(), "the task record survived");
    assertEquals(3, get(a.tasks().listByRoot("root")).size());
    assertEquals(HOLDER, get(a.tasks().get("bound")).orElseThrow().holderJkt(), "still bound to the same key");
    BindResult again = get(a.tasks().bindOnce("bound", "another-holder-jkt-bbbbbbbbbbbbbbbbbbbbbbbbbbb"));
    assertInstanceOf(BindResult.AlreadyBound.class, again, "the unbound copy cannot bind again");
    assertTrue(get(c.certificates().all()).stream().anyMatch(j -> j.contains("\"serial\":" + serial)));
    assertTrue(get(c.serials().next()) > serial, "new serials are above every old one");
  }

  @Test
  void singleNode_restart_keepsRevocationAndTask() throws Exception {
    String cluster = TestClusters.uniqueName("single");
    List<Integer> ports = TestClusters.freePorts(1);
    ClusterNode a = start(cluster, "solo", 0, ports);
    assertTrue(a.awaitReady(WAIT));
    Instant expires = Instant.now().plusSeconds(3600);
    get(a.tasks().put(record("solo-task", null, expires, 0)));
    assertTrue(get(a.watermarks().revoke("solo-task", expires)).acknowledgedByAll());
    close(a);
    a = start(cluster, "solo", 0, ports);
    assertTrue(a.awaitReady(WAIT), a.readiness()::toString);
    assertEquals(WatermarkLookup.REVOKED, a.watermarks().watermark("solo-task"));
    assertTrue(get(a.tasks().get("solo-task")).isPresent());
  }

  @Test
  void create_isOnTheCreatorsDiskWhenItCompletes_andReachesTheOthersWithoutBeingWaitedFor() throws Exception {
    String cluster = TestClusters.uniqueName("create");
    List<Integer> ports = TestClusters.freePorts(2);
    ClusterNode a = start(cluster, "a", 0, ports);
    ClusterNode b = start(cluster, "b", 1, ports);
    assertTrue(a.awaitReady(WAIT) && b.awaitReady(WAIT));
    StateStore onA = (StateStore) a.hazelcast().getUserContext().get(StateStore.USER_CONTEXT_KEY);
    StateStore onB = (StateStore) b.hazelcast().getUserContext().get(StateStore.USER_CONTEXT_KEY);
    get(a.tasks().create(record("fresh", null, Instant.now().plusSeconds(3600), 0)));
    assertTrue(onA.tasks().stream().anyMatch(r -> r.taskId().equals("fresh")), "on A's disk when create completes");
    assertTrue(get(b.tasks().get("fresh")).isPresent(), "in the cluster map");
    Eventually.await(WAIT, "B stores it too", () -> onB.tasks().stream().anyMatch(r -> r.taskId().equals("fresh")));
    // A store that refuses writes refuses the create: nothing is answered that is not on the creator's disk.
    onA.close();
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> get(a.tasks().create(record("refused", null, Instant.now().plusSeconds(3600), 0))));
    assertInstanceOf(StateStoreException.class, e.getCause());
  }

  @Test
  void bindAtEpoch_writesHolderAndEpochInOneStep_durableOnEveryMemberWhenItCompletes() throws Exception {
    String cluster = TestClusters.uniqueName("bind");
    List<Integer> ports = TestClusters.freePorts(2);
    ClusterNode a = start(cluster, "a", 0, ports);
    ClusterNode b = start(cluster, "b", 1, ports);
    assertTrue(a.awaitReady(WAIT) && b.awaitReady(WAIT));
    Instant expires = Instant.now().plusSeconds(3600);
    TaskRecord at3 = new TaskRecord("at-three", "at-three", null, "alice", 0, 3, Instant.now(), expires,
        Instant.now().plusSeconds(60), null, "{}");
    get(a.tasks().put(at3));
    get(a.tasks().put(record("plain", null, expires, 60)));
    // The floor is above the record's epoch: the floor wins; below it: one above the record's.
    BindResult first = get(b.tasks().bindOnce("plain", HOLDER, 7));
    BindResult second = get(a.tasks().bindOnce("at-three", HOLDER, 2));
    assertEquals(7, ((BindResult.Bound) first).record().epoch());
    assertEquals(4, ((BindResult.Bound) second).record().epoch());
    for (ClusterNode n : List.of(a, b)) {
      StateStore store = (StateStore) n.hazelcast().getUserContext().get(StateStore.USER_CONTEXT_KEY);
      // Acknowledged means durable on every live member: no waiting here.
      TaskRecord plain = store.tasks().stream().filter(r -> r.taskId().equals("plain")).findFirst().orElseThrow();
      assertEquals(HOLDER, plain.holderJkt(), n.nodeId());
      assertEquals(7, plain.epoch(), n.nodeId());
      assertEquals(7, get(n.tasks().get("plain")).orElseThrow().epoch(), n.nodeId());
    }
    // Binding happens once: a later bind (any floor) changes neither the holder nor the epoch.
    BindResult again = get(a.tasks().bindOnce("plain", "another-holder-jkt-bbbbbbbbbbbbbbbbbbbbbbbbbbb", 50));
    assertInstanceOf(BindResult.AlreadyBound.class, again);
    assertEquals(7, get(b.tasks().get("plain")).orElseThrow().epoch());
    assertThrows(IllegalArgumentException.class, () -> a.tasks().bindOnce("plain", HOLDER, -1));
  }

  @Test
  void acknowledgementsBelowQuorum_areNotAnAcknowledgement() throws Exception {
    String cluster = TestClusters.uniqueName("ackq");
    List<Integer> ports = TestClusters.freePorts(3);
    ClusterNode a = start(cluster, "a", 0, ports);
    ClusterNode b = start(cluster, "b", 1, ports);
    ClusterNode c = start(cluster, "c", 2, ports);
    assertTrue(a.awaitReady(WAIT) && b.awaitReady(WAIT) && c.awaitReady(WAIT));
    // B's and C's disks stop taking writes: they apply the raise in memory but cannot make it durable.
    for (ClusterNode n : List.of(b, c)) {
      ((StateStore) n.hazelcast().getUserContext().get(StateStore.USER_CONTEXT_KEY)).close();
    }
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> get(a.watermarks().revoke("t", Instant.now().plusSeconds(600))));
    assertInstanceOf(ClusterUnavailableException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("only 1 member(s) made it durable"), e.getCause().getMessage());
  }

  @Test
  void nodeDownDuringRevoke_learnsItOnJoining_andMakesItDurableItself() throws Exception {
    String cluster = TestClusters.uniqueName("late");
    List<Integer> ports = TestClusters.freePorts(3);
    ClusterNode a = start(cluster, "a", 0, ports);
    ClusterNode b = start(cluster, "b", 1, ports);
    ClusterNode c = start(cluster, "c", 2, ports);
    assertTrue(a.awaitReady(WAIT) && b.awaitReady(WAIT) && c.awaitReady(WAIT));
    close(c);
    Instant expires = Instant.now().plusSeconds(3600);
    RaiseResult r = get(a.watermarks().revoke("missed", expires));
    assertEquals(2, r.acknowledged().size());
    c = start(cluster, "c", 2, ports);
    assertTrue(c.awaitReady(WAIT), c.readiness()::toString);
    assertEquals(WatermarkLookup.REVOKED, c.watermarks().watermark("missed"));
    close(c);
    try (StateStore s = StateStore.open(tmp.resolve("c"), 1L << 30)) {
      assertEquals(WatermarkLookup.REVOKED, s.watermarks().get("missed").floor(), "on C's own disk");
    }
  }
}
