package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ClusterConfigTest {

  private static ClusterConfig.Builder valid() {
    return ClusterConfig.builder("c1").keyringFingerprint("kr").members(List.of("10.0.0.1:5701", "10.0.0.2:5701"));
  }

  private static void assertRejected(String key, ClusterConfig.Builder b) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
    assertTrue(e.getMessage().contains(key), () -> "message should name " + key + ": " + e.getMessage());
  }

  @Test
  void defaults_areProductionSane() {
    ClusterConfig c = valid().build();
    assertEquals(Duration.ofSeconds(1), c.heartbeatInterval());
    assertEquals(Duration.ofSeconds(10), c.maxNoHeartbeat());
    assertEquals(2, c.quorum(), "majority of the two listed members plus this node");
    assertEquals(1, c.backupCount());
    assertEquals(Duration.ofSeconds(2), c.ackTimeout());
    assertEquals(10_000, c.taskCacheSize(), "bounded near cache of task records, on by default");
    assertEquals(Duration.ofSeconds(10), c.taskCacheTtl());
    assertEquals(0, valid().taskCacheSize(0).build().taskCacheSize(), "0 turns the near cache off");
    assertEquals(25_000, c.taskIndexSize(), "bounded listing index, on by default");
  }

  @Test
  void build_invalidValue_messageNamesTheSetting() {
    assertRejected(ClusterConfig.NAME, ClusterConfig.builder("bad name").keyringFingerprint("kr"));
    assertRejected(ClusterConfig.PORT, valid().port(70000));
    assertRejected(ClusterConfig.MEMBERS, valid().members(List.of("nohost")));
    assertRejected(ClusterConfig.QUORUM, valid().quorum(5));
    assertRejected(ClusterConfig.HEARTBEAT_INTERVAL, valid().heartbeatInterval(Duration.ofMillis(1500)));
    assertRejected(ClusterConfig.MAX_NO_HEARTBEAT, valid().heartbeatInterval(Duration.ofSeconds(5)).maxNoHeartbeat(Duration.ofSeconds(10)));
    assertRejected(ClusterConfig.ACK_TIMEOUT, valid().ackTimeout(Duration.ZERO));
    assertRejected(ClusterConfig.BACKUP_COUNT, valid().backupCount(7));
    assertRejected(ClusterConfig.KEYRING_FINGERPRINT, ClusterConfig.builder("c1"));
    assertRejected(ClusterConfig.NODE_ID, valid().nodeId("has space"));
    assertRejected(ClusterConfig.TASK_CACHE_SIZE, valid().taskCacheSize(-1));
    assertRejected(ClusterConfig.TASK_CACHE_SIZE, valid().taskCacheSize(1_000_001));
    assertRejected(ClusterConfig.TASK_INDEX_SIZE, valid().taskIndexSize(-1));
    assertRejected(ClusterConfig.TASK_INDEX_SIZE, valid().taskIndexSize(1_000_001));
    assertRejected(ClusterConfig.TASK_CACHE_TTL, valid().taskCacheTtl(Duration.ZERO));
    assertRejected(ClusterConfig.TASK_CACHE_TTL, valid().taskCacheTtl(Duration.ofMillis(1500)));
    assertRejected(ClusterConfig.TASK_CACHE_TTL, valid().taskCacheTtl(Duration.ofHours(2)));
  }

  @Test
  void build_twoNodesQuorumOne_requiresTheExplicitAvailabilityChoice() {
    ClusterConfig.Builder two = ClusterConfig.builder("c2").keyringFingerprint("kr").port(5701)
        .members(List.of("127.0.0.1:5701", "127.0.0.1:5702"));
    assertEquals(2, two.build().quorum(), "two nodes default to the guarantee: both must be present");
    assertRejected(ClusterConfig.ALLOW_MINORITY_QUORUM, two.quorum(1));
    assertEquals(1, two.quorum(1).allowMinorityQuorum().build().quorum());
  }

  @Test
  void fromMap_readsEveryKey_andRejectsUnknownOnes() {
    ClusterConfig c = ClusterConfig.fromMap(Map.of(
        ClusterConfig.NAME, "prod",
        ClusterConfig.MEMBERS, "10.0.0.1:5701, 10.0.0.2:5701,10.0.0.3:5701",
        ClusterConfig.BIND_HOST, "10.0.0.1",
        ClusterConfig.HEARTBEAT_INTERVAL, "2s",
        ClusterConfig.MAX_NO_HEARTBEAT, "8s",
        ClusterConfig.ACK_TIMEOUT, "750ms",
        ClusterConfig.WATERMARK_RETENTION, "5m",
        ClusterConfig.KEYRING_FINGERPRINT, "sha256:abc",
        ClusterConfig.ALLOW_MINORITY_QUORUM, "false"));
    assertEquals(2, c.quorum());
    assertEquals(Duration.ofMillis(750), c.ackTimeout());
    assertEquals(Duration.ofMinutes(5), c.watermarkRetention());
    assertEquals(List.of("10.0.0.1:5701", "10.0.0.2:5701", "10.0.0.3:5701"), c.members());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ClusterConfig.fromMap(Map.of(ClusterConfig.NAME, "x", "cluster.quorom", "2")));
    assertTrue(e.getMessage().contains("cluster.quorom"));
    e = assertThrows(IllegalArgumentException.class,
        () -> ClusterConfig.fromMap(Map.of(ClusterConfig.NAME, "x", ClusterConfig.ACK_TIMEOUT, "5")));
    assertTrue(e.getMessage().contains(ClusterConfig.ACK_TIMEOUT));
  }

  @Test
  void keys_listsExactlyWhatFromMapReads() {
    for (String key : ClusterConfig.KEYS) {
      try {
        ClusterConfig.fromMap(Map.of(ClusterConfig.NAME, "x", key, "?"));
      } catch (IllegalArgumentException e) {
        assertTrue(!e.getMessage().equals("unknown setting " + key), key + " is listed but not read");
      }
    }
    assertEquals(ClusterConfig.KEYS.size(), new java.util.HashSet<>(ClusterConfig.KEYS).size());
  }
}
