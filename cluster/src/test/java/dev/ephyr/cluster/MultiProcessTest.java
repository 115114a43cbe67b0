package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.testing.Eventually;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Members in separate JVM processes: revocation, kill -9, SIGSTOP (frozen member), a member cut off
 * from the others, and split brain in both merge directions.
 *
 * <p>Split brain needs other settings and runs first, on a cluster of its own. The other tests share one cluster,
 * in this order: revocation, the frozen member and the cut-off member (each ends with all three rejoined and
 * serving), then kill -9 (which leaves two). Each works on its own tasks and starts from a cluster it has checked
 * formed; one that finds a member dead or frozen (an earlier test failed half-way) starts a new cluster.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class MultiProcessTest {

  private static final Duration CALL = ProcessCluster.CALL;
  private static final String MAX = Long.toString(Long.MAX_VALUE);
  /** The cluster with the default settings, kept from one test to the next. */
  private static ProcessCluster shared;
  /** A cluster of one test only. */
  private ProcessCluster own;

  @AfterEach
  void stopOwn() {
    if (own != null) {
      own.close();
    }
  }

  @AfterAll
  static void stopShared() {
    if (shared != null) {
      shared.close();
    }
  }

  /** The shared cluster, formed with all three members; a new one if a member of the last is dead or frozen. */
  private static ProcessCluster shared() throws Exception {
    if (shared != null && !shared.nodes.stream().allMatch(ChildNode::running)) {
      shared.close();
      shared = null;
    }
    if (shared == null) {
      shared = ProcessCluster.start("mp-shared", 3, Map.of());
    }
    shared.awaitFormed(shared.nodes, 3);
    return shared;
  }

  /** Parsed answer of the child's {@code raise} command. */
  private record Raised(long watermark, int acked, int missing, long ackNanos) {
    static Raised parse(String answer) {
      String[] f = answer.split(" ");
      return new Raised(Long.parseLong(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3]));
    }
  }

  private static Raised raise(ChildNode n, String task, String floor) throws InterruptedException {
    return Raised.parse(n.call(CALL, "raise " + task + " " + floor));
  }

  private static String check(ChildNode n, String lineage) throws InterruptedException {
    return n.call(CALL, "check " + lineage);
  }

  @Test
  @Order(2)
  void revokeAcknowledgedOnA_BAndCRejectImmediately() throws Exception {
    ProcessCluster cluster = shared();
    ChildNode a = cluster.node("a");
    ChildNode b = cluster.node("b");
    ChildNode c = cluster.node("c");
    for (ChildNode n : cluster.nodes) {
      assertEquals("ACCEPT", check(n, "root1,child1"));
    }
    Raised r = raise(a, "root1", MAX);
    assertEquals(3, r.acked());
    assertEquals(0, r.missing());
    // No waiting at all: the first check after the acknowledgement already rejects.
    assertEquals("REVOKED", check(b, "root1,child1"));
    assertEquals("REVOKED", check(c, "root1,child1"));
    assertEquals("REVOKED", check(c, "root1"));
    assertEquals("ACCEPT", check(b, "root2,child2"), "other trees are untouched");
  }

  @Test
  @Order(5)
  void kill9OfOneMember_othersKeepServingAndRevoking() throws Exception {
    ProcessCluster cluster = shared();
    ChildNode a = cluster.node("a");
    ChildNode b = cluster.node("b");
    cluster.node("c").kill();

    // Right after the kill: the revoke is stored and applied on the survivors; the dead member is reported
    // as missing until the cluster has removed it.
    Raised early = raise(a, "k1", MAX);
    assertEquals(Long.MAX_VALUE, early.watermark());
    assertTrue(early.acked() >= 2, "a and b applied it: " + early);
    assertEquals("REVOKED", check(b, "k1,k1child"));

    ProcessCluster.awaitMembers(a, 2);
    ProcessCluster.awaitMembers(b, 2);
    cluster.awaitFormed(List.of(a, b), 2);
    Raised later = raise(b, "k2", MAX);
    assertEquals(2, later.acked());
    assertEquals(0, later.missing());
    assertEquals("REVOKED", check(a, "k2,k2child"));
    assertEquals("ACCEPT", check(a, "k3,k3child"), "the survivors keep serving");
    assertEquals("ACCEPT", check(b, "k3,k3child"));
  }

  @Test
  @Order(3)
  void frozenMember_failsClosedOnResume_andServesAgainAfterRejoining() throws Exception {
    ProcessCluster cluster = shared();
    ChildNode a = cluster.node("a");
    ChildNode b = cluster.node("b");
    ChildNode c = cluster.node("c");
    assertEquals("ACCEPT", check(c, "f1,f1child"));

    c.freeze();
    ProcessCluster.awaitMembers(a, 2);
    ProcessCluster.awaitMembers(b, 2);
    Raised r = raise(a, "f1", MAX);
    assertEquals(2, r.acked(), "acknowledged by every member of the cluster as it is now");
    assertEquals("REVOKED", check(b, "f1,f1child"));

    c.resume();
    // From its first answer on, the resumed member never accepts the revoked tree: it refuses
    // (unavailable) until it has rejoined and reloaded, then rejects.
    int unavailable = 0;
    long deadline = System.nanoTime() + ProcessCluster.FORM.toNanos();
    while (true) {
      String outcome = check(c, "f1,f1child");
      assertNotEquals("ACCEPT", outcome, "the resumed member accepted a revoked token");
      if (outcome.equals("UNAVAILABLE")) {
        unavailable++;
      } else if (c.call(CALL, "state").equals("READY 3")) {
        break;
      }
      assertTrue(System.nanoTime() < deadline, "c did not rejoin");
    }
    assertTrue(unavailable > 0, "the resumed member should have refused while resynchronising");
    cluster.awaitFormed(cluster.nodes, 3);
    assertEquals("REVOKED", check(c, "f1,f1child"));
    assertEquals("ACCEPT", check(c, "f2,f2child"), "serves again after rejoining");
    Raised after = raise(c, "f2", MAX);
    assertEquals(3, after.acked());
    assertEquals("REVOKED", check(a, "f2"));
  }

  @Test
  @Order(4)
  void cutOffMember_failsClosedWithinDetectionTime_andServesAgainAfterRejoining() throws Exception {
    ProcessCluster cluster = shared();
    ChildNode a = cluster.node("a");
    ChildNode b = cluster.node("b");
    ChildNode c = cluster.node("c");
    assertEquals("ACCEPT", check(c, "x1,x1child"));

    // Freezing both others cuts c off: it hears nobody, exactly as behind a network partition.
    a.freeze();
    b.freeze();
    // Detection: max-no-heartbeat (5 s) plus a heartbeat and a tick; the margin absorbs a loaded machine.
    Duration bound = TestClusters.MAX_NO_HEARTBEAT.plus(TestClusters.HEARTBEAT.multipliedBy(2)).plusSeconds(15);
    Eventually.await(bound, "c fails closed", () -> check(c, "x1,x1child").equals("UNAVAILABLE"));
    assertTrue(c.call(CALL, "state").startsWith("BELOW_QUORUM"), "c knows why");

    a.resume();
    b.resume();
    cluster.awaitFormed(cluster.nodes, 3);
    assertEquals("ACCEPT", check(c, "x1,x1child"), "serves again after rejoining");
    // Right after the rejoin a partition's owner can stay unresolved for a while (Hazelcast retries the
    // operation, seen for over a minute on a loaded machine): the revoke is retried until all three acknowledge.
    Eventually.await(ProcessCluster.FORM, "c's revoke acknowledged by all three",
        () -> raise(c, "x1", MAX).acked() == 3);
    assertEquals("REVOKED", check(a, "x1,x1child"));
    assertEquals("REVOKED", check(b, "x1,x1child"));
  }

  @Test
  @Order(1)
  void splitBrain_mergesToTheRevocation_inBothDirections() throws Exception {
    // Quorum 1: both sides keep writing while split, which is exactly when the merge policy matters.
    // The scheduled merge check is pushed out of the test's reach and run by hand ("merge-now") once both sides
    // have written: on its own schedule it could merge c back before c's write and the test would prove nothing.
    ProcessCluster cluster = own = ProcessCluster.start("mp-split", 3, Map.of(
        ClusterConfig.QUORUM, "1", ClusterConfig.ALLOW_MINORITY_QUORUM, "true",
        ClusterConfig.MERGE_FIRST_RUN_DELAY, "3600s", ClusterConfig.MERGE_NEXT_RUN_DELAY, "3600s"));
    ChildNode a = cluster.node("a");
    ChildNode b = cluster.node("b");
    ChildNode c = cluster.node("c");

    // Direction 1: the revocation is on the surviving (larger) side, the older watermark on the merging side.
    splitOff(c, a, b);
    Raised revoked = raise(a, "s1", MAX);
    assertEquals(2, revoked.acked());
    c.resume();
    ProcessCluster.awaitMembers(c, 1);
    assertEquals(5, raise(c, "s1", "5").watermark(), "c's side never saw the revocation");
    assertEquals(7, raise(c, "s1new", "7").watermark());
    mergeBack(cluster, c);
    for (ChildNode n : cluster.nodes) {
      assertEquals(MAX, n.call(CALL, "wm s1"), n.name);
      assertEquals("7", n.call(CALL, "wm s1new"), n.name);
      assertEquals("REVOKED", check(n, "s1,s1child"), n.name);
    }
    int mergesAfterFirst = Integer.parseInt(c.call(CALL, "merges"));
    assertTrue(mergesAfterFirst >= 1, "c merged into a+b");

    // Direction 2: the revocation is on the merging (smaller) side, the older watermark on the survivors.
    splitOff(c, a, b);
    c.resume();
    ProcessCluster.awaitMembers(c, 1);
    Raised revokedOnSmallSide = raise(c, "s2", MAX);
    assertEquals(1, revokedOnSmallSide.acked(), "acknowledged by c's own one-member cluster");
    assertEquals(5, raise(a, "s2", "5").watermark(), "a's side never saw the revocation");
    mergeBack(cluster, c);
    for (ChildNode n : cluster.nodes) {
      assertEquals(MAX, n.call(CALL, "wm s2"), n.name);
      assertEquals("REVOKED", check(n, "s2,s2child"), n.name);
    }
    assertTrue(Integer.parseInt(c.call(CALL, "merges")) > mergesAfterFirst, "c was the merging side again");
    assertEquals("0", a.call(CALL, "merges"));
    assertEquals("0", b.call(CALL, "merges"));
  }

  /**
   * Runs the smaller side's merge check, then waits for the merge to finish. A check made while a merge is under
   * way starts another, so it is repeated only after a generous wait (it finds nothing while the larger side is
   * still settling).
   */
  private static void mergeBack(ProcessCluster cluster, ChildNode smaller) throws InterruptedException {
    long deadline = System.nanoTime() + ProcessCluster.FORM.toNanos();
    while (true) {
      smaller.call(CALL, "merge-now");
      try {
        Eventually.await(Duration.ofSeconds(30), smaller.name + " merges back",
            () -> smaller.call(CALL, "state").equals("READY 3"));
        break;
      } catch (AssertionError notYet) {
        assertTrue(System.nanoTime() < deadline, smaller.name + " never merged back");
      }
    }
    cluster.awaitFormed(cluster.nodes, 3);
  }

  /** Freezes {@code lone} until the others removed it; it stays frozen. */
  private static void splitOff(ChildNode lone, ChildNode... others) throws Exception {
    lone.freeze();
    for (ChildNode o : others) {
      ProcessCluster.awaitMembers(o, others.length);
    }
  }
}
