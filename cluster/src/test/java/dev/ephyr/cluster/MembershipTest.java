package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.ephyr.protocol.verify.WatermarkLookup;
import dev.ephyr.testing.Eventually;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Joining, leaving and keyring checks with real members in this JVM. */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class MembershipTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private final List<ClusterNode> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    TestClusters.closeAll(nodes);
  }

  private ClusterNode start(ClusterConfig config) {
    return start(config, r -> {});
  }

  private ClusterNode start(ClusterConfig config, java.util.function.Consumer<Readiness> listener) {
    ClusterNode n = ClusterNode.start(config, listener);
    nodes.add(n);
    return n;
  }

  /** What the late joiner's mirror held at each readiness change, observed from inside the listener. */
  private record Observed(Readiness readiness, int mirrorSize, boolean allPresent) {}

  @Test
  void lateJoiner_isReadyOnlyAfterLoadingTheWholeMap() throws Exception {
    String cluster = TestClusters.uniqueName("late");
    List<Integer> ports = TestClusters.freePorts(3);
    ClusterNode a = start(TestClusters.config(cluster, "a", ports.get(0), ports).build());
    ClusterNode b = start(TestClusters.config(cluster, "b", ports.get(1), ports).build());
    assertTrue(a.awaitReady(WAIT) && b.awaitReady(WAIT));
    int count = 500;
    Instant expires = Instant.now().plusSeconds(3600);
    List<CompletableFuture<RaiseResult>> writes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      writes.add(a.watermarks().raise("late-" + i, i + 1, expires).toCompletableFuture());
    }
    CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);

    // Written before C exists: C can only learn them by loading the map, not from listener events.
    String cNode = "c";
    List<Observed> seen = new CopyOnWriteArrayList<>();
    ClusterNode c = start(TestClusters.config(cluster, cNode, ports.get(2), ports).build(), r -> {
      HazelcastInstance hz = Hazelcast.getHazelcastInstanceByName("ephyr-" + cNode);
      WatermarkMirror mirror = (WatermarkMirror) hz.getUserContext().get(WatermarkMirror.USER_CONTEXT_KEY);
      boolean all = true;
      for (int i = 0; i < count && all; i++) {
        all = mirror.floor("late-" + i) == i + 1;
      }
      seen.add(new Observed(r, mirror.size(), all));
    });

    assertTrue(c.awaitReady(WAIT), c.readiness()::toString);
    Observed firstReady = seen.stream().filter(o -> o.readiness().isReady()).findFirst().orElseThrow();
    assertTrue(firstReady.allPresent(), "ready before the mirror held every watermark: " + seen);
    for (Observed o : seen) {
      if (o == firstReady) {
        break;
      }
      assertFalse(o.readiness().isReady());
    }
    for (int i = 0; i < count; i++) {
      assertEquals(i + 1, c.watermarks().watermark("late-" + i));
    }
    // And from now on it follows new raises like everyone else.
    RaiseResult r = b.watermarks().revoke("late-0", expires).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue(r.acknowledgedByAll());
    assertEquals(3, r.acknowledged().size());
    assertEquals(WatermarkLookup.REVOKED, c.watermarks().watermark("late-0"));
  }

  @Test
  void belowQuorum_failsClosed_thenServesAgainAfterRejoin() throws Exception {
    Steps steps = new Steps("belowQuorum");
    String cluster = TestClusters.uniqueName("quorum");
    List<Integer> ports = TestClusters.freePorts(3);
    ClusterNode a = start(TestClusters.config(cluster, "a", ports.get(0), ports).build());
    ClusterNode b = start(TestClusters.config(cluster, "b", ports.get(1), ports).build());
    ClusterNode c = start(TestClusters.config(cluster, "c", ports.get(2), ports).build());
    assertTrue(a.awaitReady(WAIT) && b.awaitReady(WAIT) && c.awaitReady(WAIT));
    assertEquals(2, a.config().quorum(), "majority of three by default");
    steps.done("three ready");

    b.close();
    nodes.remove(b);
    steps.done("b closed");
    assertTrue(a.watermarks().available(), "two of three is still a quorum");
    c.close();
    nodes.remove(c);
    steps.done("c closed");
    Eventually.await(WAIT, "a fails closed", () -> !a.watermarks().available());
    assertEquals(Readiness.State.BELOW_QUORUM, a.readiness().state());
    ExecutionException raise = assertThrows(ExecutionException.class,
        () -> a.watermarks().revoke("t", Instant.now().plusSeconds(60)).toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertInstanceOf(ClusterUnavailableException.class, raise.getCause());
    ExecutionException replay = assertThrows(ExecutionException.class,
        () -> a.replay().firstUse("k", Instant.now().plusSeconds(60)).toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertInstanceOf(ClusterUnavailableException.class, replay.getCause());
    steps.done("below quorum refused");

    ClusterNode b2 = start(TestClusters.config(cluster, "b2", ports.get(1), ports).build());
    steps.done("b2 started");
    assertTrue(b2.awaitReady(WAIT), b2.readiness()::toString);
    assertTrue(a.awaitReady(WAIT), a.readiness()::toString);
    steps.done("quorum back");
    RaiseResult r = a.watermarks().revoke("t", Instant.now().plusSeconds(60)).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue(r.acknowledgedByAll());
    assertEquals(WatermarkLookup.REVOKED, b2.watermarks().watermark("t"));
    steps.done("raise acknowledged");
  }

  /**
   * The node's own view drops below the quorum while Hazelcast's split-brain protection still sees every
   * member (its view lags): a raise must not be written, let alone "acknowledged by all".
   */
  @Test
  void ownViewBelowQuorum_raiseRefused_evenWhileHazelcastStillSeesAQuorum() throws Exception {
    String cluster = TestClusters.uniqueName("ownview");
    List<Integer> ports = TestClusters.freePorts(3);
    ClusterNode a = start(TestClusters.config(cluster, "a", ports.get(0), ports).build());
    ClusterNode b = start(TestClusters.config(cluster, "b", ports.get(1), ports).build());
    ClusterNode c = start(TestClusters.config(cluster, "c", ports.get(2), ports).build());
    assertTrue(a.awaitReady(WAIT) && b.awaitReady(WAIT) && c.awaitReady(WAIT));

    a.capMembershipViewForTest(1);
    assertEquals(Readiness.State.BELOW_QUORUM, a.readiness().state());
    assertEquals(3, a.hazelcast().getCluster().getMembers().size(), "Hazelcast itself still sees everyone");
    ExecutionException raise = assertThrows(ExecutionException.class,
        () -> a.watermarks().revoke("own-view", Instant.now().plusSeconds(60)).toCompletableFuture()
            .get(30, TimeUnit.SECONDS));
    assertInstanceOf(ClusterUnavailableException.class, raise.getCause());
    assertEquals(0, b.watermarks().watermark("own-view"), "nothing was written");
    ExecutionException put = assertThrows(ExecutionException.class,
        () -> a.tasks().put(new TaskRecord("own-view-task", "own-view-task", null, "alice", 0, 0, Instant.now(),
            Instant.now().plusSeconds(60), null, null, "")).toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertInstanceOf(ClusterUnavailableException.class, put.getCause());

    a.capMembershipViewForTest(Integer.MAX_VALUE);
    assertTrue(a.awaitReady(WAIT), a.readiness()::toString);
    RaiseResult r = a.watermarks().revoke("own-view", Instant.now().plusSeconds(60)).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    assertTrue(r.acknowledgedByAll());
    assertEquals(3, r.acknowledged().size());
  }

  @Test
  void foreignKeyring_refusesReadiness_andMismatchesAreReported() throws Exception {
    String cluster = TestClusters.uniqueName("keyring");
    List<Integer> ports = TestClusters.freePorts(3);
    ClusterNode a = start(TestClusters.config(cluster, "a", ports.get(0), ports).build());
    ClusterNode b = start(TestClusters.config(cluster, "b", ports.get(1), ports).policyHash("policy-2").build());
    assertTrue(a.awaitReady(WAIT) && b.awaitReady(WAIT));
    ClusterNode c = start(TestClusters.config(cluster, "c", ports.get(2), ports).keyringFingerprint("kr-other").build());

    Eventually.await(WAIT, "c refuses", () -> c.readiness().state() == Readiness.State.FOREIGN_KEYRING);
    assertTrue(c.readiness().detail().contains("kr-other"), c.readiness().detail());
    assertFalse(c.watermarks().available());
    assertTrue(a.readiness().isReady(), "the majority keeps serving");
    assertTrue(b.readiness().isReady(), "policy drift is reported, not blocking");

    Eventually.await(WAIT, "mismatches reported", () -> a.status().mismatches().size() == 2);
    List<Mismatch> mismatches = a.status().mismatches();
    Mismatch keyring = mismatches.stream().filter(m -> m.kind() == Mismatch.Kind.KEYRING).findFirst().orElseThrow();
    assertEquals("c", keyring.nodeId());
    assertEquals("kr-test-1", keyring.expected());
    assertEquals("kr-other", keyring.actual());
    Mismatch policy = mismatches.stream().filter(m -> m.kind() == Mismatch.Kind.POLICY).findFirst().orElseThrow();
    assertEquals("b", policy.nodeId());
    assertNotNull(policy.address());
  }

  private static List<Mismatch> policyDrift(ClusterNode n) {
    return n.status().mismatches().stream().filter(m -> m.kind() == Mismatch.Kind.POLICY).toList();
  }

  @Test
  void policyReloaded_thenAMemberRejoins_noFalseDrift_butARealDifferenceShows() throws Exception {
    String cluster = TestClusters.uniqueName("drift");
    List<Integer> ports = TestClusters.freePorts(3);
    ClusterNode a = start(TestClusters.config(cluster, "a", ports.get(0), ports).policyHash("h0").build());
    ClusterNode b = start(TestClusters.config(cluster, "b", ports.get(1), ports).policyHash("h0").build());
    ClusterNode c = start(TestClusters.config(cluster, "c", ports.get(2), ports).policyHash("h0").build());
    assertTrue(a.awaitReady(WAIT) && b.awaitReady(WAIT) && c.awaitReady(WAIT));
    // The policy file changes on every host; each node reloads it and publishes the new hash.
    for (ClusterNode n : List.of(a, b, c)) {
      n.publishPolicyHash("h1");
    }
    Eventually.await(WAIT, "every member sees h1", () -> List.of(a, b, c).stream().allMatch(n -> n.status().members()
        .stream().allMatch(m -> m.policyHash().equals("h1"))));
    // c restarts: it starts with the reloaded file (h1), while a and b still carry h0 as start-up attributes.
    c.close();
    nodes.remove(c);
    Eventually.await(WAIT, "c gone", () -> a.status().members().size() == 2);
    ClusterNode c2 = start(TestClusters.config(cluster, "c", ports.get(2), ports).policyHash("h1").build());
    assertTrue(c2.awaitReady(WAIT));
    Eventually.await(WAIT, "c2 sees every member's hash", () -> c2.status().members().size() == 3
        && c2.status().members().stream().allMatch(m -> m.policyHash().equals("h1")));
    for (int tick = 0; tick < 10; tick++) { // across several membership evaluations, on every member
      for (ClusterNode n : List.of(a, b, c2)) {
        assertEquals(List.of(), policyDrift(n), "false drift on " + n.nodeId());
      }
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }

    // A real difference: b alone has another policy in force.
    b.publishPolicyHash("h2");
    Eventually.await(WAIT, "a reports b's drift", () -> policyDrift(a).size() == 1);
    Mismatch drift = policyDrift(a).get(0);
    assertEquals("b", drift.nodeId());
    assertEquals("h1", drift.expected());
    assertEquals("h2", drift.actual());
    Eventually.await(WAIT, "c2 reports it too", () -> policyDrift(c2).size() == 1);
  }
}
