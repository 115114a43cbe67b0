package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.testing.Eventually;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Expiry and restart behaviour, on one-member clusters (quorum 1 of 1 is a majority). */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class SingleNodeTest {

  private final List<ClusterNode> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    TestClusters.closeAll(nodes);
  }

  private ClusterNode startAlone(String cluster, int port) throws InterruptedException {
    ClusterNode n = ClusterNode.start(TestClusters.config(cluster, "solo-" + port, port, List.of(port))
        .watermarkRetention(Duration.ZERO).build());
    nodes.add(n);
    assertTrue(n.awaitReady(Duration.ofSeconds(60)), n.readiness()::toString);
    return n;
  }

  @Test
  void watermark_expiresFromTheMapOnceItsTaskCannotBeValid() throws Exception {
    ClusterNode n = startAlone(TestClusters.uniqueName("expiry"), TestClusters.freePorts(1).get(0));
    RaiseResult r = n.watermarks().revoke("short-task", Instant.now().plusMillis(300))
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue(r.acknowledgedByAll());
    assertEquals(Long.MAX_VALUE, n.watermarks().watermark("short-task"));
    // Retention is zero here: the entry goes with its task (TTL floor 1 s); a long-lived one stays.
    n.watermarks().revoke("long-task", Instant.now().plusSeconds(3600)).toCompletableFuture().get(30, TimeUnit.SECONDS);
    Eventually.await(Duration.ofSeconds(30), "expiry of short-task",
        () -> !n.hazelcast().getMap(WatermarkStore.MAP_NAME).containsKey("short-task"));
    assertTrue(n.hazelcast().getMap(WatermarkStore.MAP_NAME).containsKey("long-task"));
  }

  /** The guard that refuses removes must not keep expired entries in memory: the replay map stays bounded. */
  @Test
  void replayEntries_leaveMemoryWhenTheyExpire() throws Exception {
    ClusterNode n = startAlone(TestClusters.uniqueName("replay-expiry"), TestClusters.freePorts(1).get(0));
    for (int i = 0; i < 200; i++) {
      assertTrue(n.replay().firstUse("proof-" + i, Instant.now().plusMillis(200)).toCompletableFuture()
          .get(30, TimeUnit.SECONDS));
    }
    com.hazelcast.map.IMap<Object, Object> map = n.hazelcast().getMap(ReplayCache.MAP_NAME);
    assertEquals(200, map.getLocalMapStats().getOwnedEntryCount());
    Eventually.await(Duration.ofSeconds(60), "expired replay entries evicted from memory",
        () -> map.getLocalMapStats().getOwnedEntryCount() == 0);
  }

  @Test
  void serials_afterARestartOfTheWholeCluster_stayAboveEveryEarlierSerial() throws Exception {
    int port = TestClusters.freePorts(1).get(0);
    ClusterNode first = startAlone(TestClusters.uniqueName("serial1"), port);
    long last = 0;
    for (int i = 0; i < 50; i++) {
      long s = first.serials().next().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertTrue(s > last);
      last = s;
    }
    first.close();
    nodes.remove(first);

    // A new cluster: the counter is gone, only the time floor remains.
    ClusterNode second = startAlone(TestClusters.uniqueName("serial2"), port);
    long next = second.serials().next().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue(next > last, "serial " + next + " after restart is not above " + last);
  }
}
