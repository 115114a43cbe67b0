package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.verify.WatermarkLookup;
import dev.ephyr.testing.Eventually;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** Three real members in this JVM, shared by tests that leave the membership unchanged. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class ThreeMembersTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private final List<ClusterNode> nodes = new ArrayList<>();

  @BeforeAll
  void startCluster() throws Exception {
    String cluster = TestClusters.uniqueName("three");
    List<Integer> ports = TestClusters.freePorts(3);
    try {
      for (int i = 0; i < 3; i++) {
        nodes.add(ClusterNode.start(TestClusters.config(cluster, "n" + i, ports.get(i), ports)
            .taskRetention(Duration.ZERO).taskCacheTtl(Duration.ofHours(1)).build()));
      }
      for (ClusterNode n : nodes) {
        assertTrue(n.awaitReady(WAIT), () -> n.nodeId() + " not ready: " + n.readiness());
      }
      Eventually.await(WAIT, "three members everywhere",
          () -> nodes.stream().allMatch(n -> n.hazelcast().getCluster().getMembers().size() == 3));
    } catch (Exception | Error e) {
      TestClusters.closeAll(nodes);
      throw e;
    }
  }

  @AfterAll
  void stopCluster() {
    TestClusters.closeAll(nodes);
  }

  private static Instant inOneHour() {
    return Instant.now().plusSeconds(3600);
  }

  @Test
  void revoke_acknowledgedByAll_everyMirrorRejectsAtOnce() throws Exception {
    String task = "task-ack-1";
    for (ClusterNode n : nodes) {
      assertEquals(0, n.watermarks().watermark(task));
    }
    RaiseResult r = nodes.get(0).watermarks().revoke(task, inOneHour()).toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertTrue(r.acknowledgedByAll(), r::toString);
    assertEquals(Set.of("n0", "n1", "n2"), new HashSet<>(r.acknowledged()));
    assertEquals(WatermarkLookup.REVOKED, r.watermark());
    // No waiting: the acknowledgement means every mirror already holds it.
    for (ClusterNode n : nodes) {
      assertEquals(WatermarkLookup.REVOKED, n.watermarks().watermark(task), n.nodeId());
      assertTrue(n.watermarks().available());
    }
  }

  @Test
  void raise_neverLowers_andReturnsTheStoredValue() throws Exception {
    String task = "task-mono-1";
    RaiseResult high = nodes.get(1).watermarks().raise(task, 7, inOneHour()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    RaiseResult low = nodes.get(2).watermarks().raise(task, 3, inOneHour()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(7, high.watermark());
    assertEquals(7, low.watermark(), "a lower raise reports the higher stored value");
    for (ClusterNode n : nodes) {
      assertEquals(7, n.watermarks().watermark(task));
    }
  }

  @Test
  void concurrentRaises_fromAllMembers_keepTheMaximum_andMirrorsNeverGoDown() throws Exception {
    int tasks = 5;
    int raisesPerNode = 60;
    Map<String, Long> expectedMax = new ConcurrentHashMap<>();
    AtomicBoolean wentDown = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    // A reader on every node checks that no mirror value ever decreases while raises race.
    List<Thread> readers = new ArrayList<>();
    for (ClusterNode n : nodes) {
      Thread t = new Thread(() -> {
        Map<String, Long> seen = new HashMap<>();
        while (!stop.get()) {
          for (int i = 0; i < tasks; i++) {
            String task = "task-conc-" + i;
            long v = n.watermarks().watermark(task);
            Long before = seen.put(task, v);
            if (before != null && v < before) {
              wentDown.set(true);
            }
          }
          Thread.onSpinWait();
        }
      });
      t.setDaemon(true);
      t.start();
      readers.add(t);
    }
    try {
      List<CompletableFuture<RaiseResult>> all = new ArrayList<>();
      java.util.Random random = new java.util.Random(42);
      for (int k = 0; k < raisesPerNode; k++) {
        for (ClusterNode n : nodes) {
          String task = "task-conc-" + random.nextInt(tasks);
          long floor = 1 + random.nextInt(1_000_000);
          expectedMax.merge(task, floor, Math::max);
          all.add(n.watermarks().raise(task, floor, inOneHour()).toCompletableFuture());
        }
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
      for (CompletableFuture<RaiseResult> f : all) {
        assertTrue(f.get().acknowledgedByAll(), () -> f.join().toString());
      }
    } finally {
      stop.set(true);
      for (Thread t : readers) {
        t.join(10_000);
      }
    }
    assertFalse(wentDown.get(), "a mirror value decreased");
    for (Map.Entry<String, Long> e : expectedMax.entrySet()) {
      for (ClusterNode n : nodes) {
        assertEquals(e.getValue(), n.watermarks().watermark(e.getKey()), n.nodeId() + " " + e.getKey());
      }
      Watermark stored = nodes.get(0).hazelcast().<String, Watermark>getMap(WatermarkStore.MAP_NAME).get(e.getKey());
      assertEquals(e.getValue(), stored.floor());
    }
  }

  @Test
  void taskRegistry_listsByAgentAndRoot_fromAnyMember() throws Exception {
    Instant now = Instant.now();
    TaskRecord root = new TaskRecord("01ROOTLIST0000000000000000", "01ROOTLIST0000000000000000", null, "agent-list",
        0, 0, now, now.plusSeconds(600), null, null, "{}");
    TaskRecord child = new TaskRecord("01CHILDLIST000000000000000", root.taskId(), root.taskId(), "agent-other",
        1, 0, now.plusMillis(1), now.plusSeconds(300), null, null, "{\"tools\":[\"exec\"]}");
    nodes.get(0).tasks().put(root).toCompletableFuture().get(30, TimeUnit.SECONDS);
    nodes.get(1).tasks().put(child).toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertEquals(Optional.of(child), nodes.get(2).tasks().get(child.taskId()).toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertEquals(List.of(root), nodes.get(2).tasks().listByAgent("agent-list").toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertEquals(List.of(root, child), nodes.get(1).tasks().listByRoot(root.taskId()).toCompletableFuture().get(30, TimeUnit.SECONDS));
  }

  @Test
  void taskRegistry_displayReadsUseTheNearCache_decisionReadsAskTheOwner() throws Exception {
    Instant now = Instant.now();
    String id = "01NEARCACHE000000000000000";
    TaskRecord r = new TaskRecord(id, id, null, "agent-nc", 0, 0, now, now.plusSeconds(600), null, null, "{}");
    nodes.get(0).tasks().put(r).toCompletableFuture().get(30, TimeUnit.SECONDS);
    TaskRegistry reader = nodes.get(2).tasks();
    // The first read caches the record, unless the invalidation sent for the put arrives after it: read again.
    long[] hits = {0};
    Eventually.await(WAIT, "a display read answered by the near cache", () -> {
      assertEquals(Optional.of(r), reader.getForDisplay(id).toCompletableFuture().get(30, TimeUnit.SECONDS));
      hits[0] = reader.cacheStats().hits();
      CompletableFuture<Optional<TaskRecord>> hit = reader.getForDisplay(id).toCompletableFuture();
      boolean inline = hit.isDone();
      assertEquals(Optional.of(r), hit.get(30, TimeUnit.SECONDS));
      if (reader.cacheStats().hits() == hits[0] + 1) {
        assertTrue(inline, "a near-cache hit completes on the caller's thread, with no hop");
        hits[0]++;
        return true;
      }
      return false;
    });
    assertEquals(Optional.of(r), reader.get(id).toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertEquals(hits[0], reader.cacheStats().hits(), "get() never answers from the near cache");

    assertInstanceOf(BindResult.Bound.class,
        nodes.get(0).tasks().bindOnce(id, "jkt-nc").toCompletableFuture().get(30, TimeUnit.SECONDS));
    // The owner's answer has the holder as soon as the bind completed; the cached copy once its invalidation
    // arrived (the TTL here is an hour: nothing else could refresh it).
    assertEquals("jkt-nc", reader.get(id).toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow().holderJkt());
    Eventually.await(WAIT, "the display copy to show the holder", () -> "jkt-nc".equals(
        reader.getForDisplay(id).toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow().holderJkt()));
  }

  @Test
  void taskRegistry_bindsOnceClusterWide_underRace() throws Exception {
    Instant now = Instant.now();
    TaskRecord task = new TaskRecord("01BINDRACE0000000000000000", "01BINDRACE0000000000000000", null, "agent-bind",
        0, 0, now, now.plusSeconds(600), now.plusSeconds(30), null, "{}");
    nodes.get(0).tasks().put(task).toCompletableFuture().get(30, TimeUnit.SECONDS);

    List<CompletableFuture<BindResult>> attempts = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      for (ClusterNode n : nodes) {
        attempts.add(n.tasks().bindOnce(task.taskId(), "jkt-" + n.nodeId() + "-" + round).toCompletableFuture());
      }
    }
    CompletableFuture.allOf(attempts.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
    List<BindResult.Bound> bound = new ArrayList<>();
    for (CompletableFuture<BindResult> a : attempts) {
      if (a.get() instanceof BindResult.Bound) {
        bound.add((BindResult.Bound) a.get());
      }
    }
    assertEquals(1, bound.size(), "exactly one bind wins");
    String winner = bound.get(0).record().holderJkt();
    for (CompletableFuture<BindResult> a : attempts) {
      if (!(a.get() instanceof BindResult.Bound)) {
        assertEquals(new BindResult.AlreadyBound(winner), a.get());
      }
    }
    assertEquals(winner, nodes.get(2).tasks().get(task.taskId()).toCompletableFuture().get().orElseThrow().holderJkt());

    assertInstanceOf(BindResult.NotFound.class,
        nodes.get(1).tasks().bindOnce("01NOSUCHTASK00000000000000", "jkt").toCompletableFuture().get(30, TimeUnit.SECONDS));
    TaskRecord late = new TaskRecord("01BINDLATE0000000000000000", "01BINDLATE0000000000000000", null, "agent-bind",
        0, 0, now, now.plusSeconds(600), now.minusSeconds(1), null, "{}");
    nodes.get(1).tasks().put(late).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertInstanceOf(BindResult.DeadlinePassed.class,
        nodes.get(2).tasks().bindOnce(late.taskId(), "jkt").toCompletableFuture().get(30, TimeUnit.SECONDS));
  }

  @Test
  void taskRegistry_recordsExpireWithTheirTask() throws Exception {
    Instant now = Instant.now();
    // Task retention is zero in this cluster: the record lives until its task expires (TTL floor 1 s).
    TaskRecord shortLived = new TaskRecord("01SHORTLIVED00000000000000", "01SHORTLIVED00000000000000", null,
        "agent-ttl", 0, 0, now, now.plusMillis(500), null, null, "{}");
    nodes.get(0).tasks().put(shortLived).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue(nodes.get(1).tasks().get(shortLived.taskId()).toCompletableFuture().get().isPresent());
    Eventually.await(Duration.ofSeconds(30), "record expiry",
        () -> nodes.get(2).tasks().get(shortLived.taskId()).toCompletableFuture().get().isEmpty());
  }

  @Test
  void replayCache_firstUseWinsOnce_clusterWide() throws Exception {
    Instant keep = Instant.now().plusSeconds(120);
    assertTrue(nodes.get(0).replay().firstUse("jkt1:jti-a", keep).toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertFalse(nodes.get(1).replay().firstUse("jkt1:jti-a", keep).toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertFalse(nodes.get(2).replay().firstUse("jkt1:jti-a", keep).toCompletableFuture().get(30, TimeUnit.SECONDS));

    for (int k = 0; k < 20; k++) {
      String key = "jkt1:race-" + k;
      List<CompletableFuture<Boolean>> racing = new ArrayList<>();
      for (ClusterNode n : nodes) {
        racing.add(n.replay().firstUse(key, keep).toCompletableFuture());
      }
      int firsts = 0;
      for (CompletableFuture<Boolean> f : racing) {
        firsts += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertEquals(1, firsts, key);
    }
  }

  @Test
  void replayCache_forgetsAKeyAfterItsKeepUntil() throws Exception {
    String key = "jkt1:short";
    assertTrue(nodes.get(0).replay().firstUse(key, Instant.now().plusMillis(200)).toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertFalse(nodes.get(1).replay().firstUse(key, Instant.now().plusMillis(200)).toCompletableFuture().get(30, TimeUnit.SECONDS));
    Eventually.await(Duration.ofSeconds(30), "replay entry expiry",
        () -> !nodes.get(2).hazelcast().getMap(ReplayCache.MAP_NAME).containsKey(key));
    assertTrue(nodes.get(1).replay().firstUse(key, Instant.now().plusSeconds(60)).toCompletableFuture().get(30, TimeUnit.SECONDS));
  }

  @Test
  void serials_areUniqueAndIncreasingPerCaller_acrossMembers() throws Exception {
    long floor = System.currentTimeMillis() * SerialGenerator.PER_MILLI;
    Map<String, List<Long>> perNode = new HashMap<>();
    Set<Long> all = new HashSet<>();
    for (ClusterNode n : nodes) {
      perNode.put(n.nodeId(), new ArrayList<>());
    }
    for (int k = 0; k < 100; k++) {
      List<CompletableFuture<Long>> round = new ArrayList<>();
      for (ClusterNode n : nodes) {
        round.add(n.serials().next().toCompletableFuture());
      }
      for (int i = 0; i < nodes.size(); i++) {
        long s = round.get(i).get(30, TimeUnit.SECONDS);
        assertTrue(all.add(s), "duplicate serial " + s);
        assertTrue(s > floor, "serial below the time floor");
        perNode.get(nodes.get(i).nodeId()).add(s);
      }
    }
    for (List<Long> seq : perNode.values()) {
      for (int i = 1; i < seq.size(); i++) {
        assertTrue(seq.get(i) > seq.get(i - 1), "not increasing: " + seq);
      }
    }
  }

  @Test
  void status_listsMembersWithTheirAttributes() {
    ClusterStatus status = nodes.get(0).status();
    assertTrue(status.readiness().isReady());
    assertEquals(3, status.members().size());
    assertEquals(List.of(), status.mismatches());
    assertEquals(1, status.members().stream().filter(MemberView::local).count());
    for (MemberView m : status.members()) {
      assertEquals("kr-test-1", m.keyringFingerprint());
      assertEquals("n", m.nodeId().substring(0, 1));
    }
    // The Vert.x cluster manager needs this attribute on every member.
    nodes.forEach(n -> assertEquals(n.nodeId(),
        n.hazelcast().getCluster().getLocalMember().getAttribute("__vertx.nodeId")));
  }
}
