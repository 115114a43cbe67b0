package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import dev.ephyr.protocol.verify.WatermarkLookup;
import dev.ephyr.testing.Eventually;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * An attacker on the cluster network: a Hazelcast client, and a raw Hazelcast member that joins with the
 * right cluster name (open-source Hazelcast has no member authentication) and our own jar's serializers,
 * then tries every write it can think of against a revoked watermark and a bound holder.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
final class RogueMemberTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String REVOKED = "01JREVOKEDTASK000000000000";
  private static final String BOUND = "01JBOUNDTASK00000000000000";

  private final List<ClusterNode> nodes = new ArrayList<>();
  private String cluster;
  private List<Integer> ports;
  private HazelcastInstance rogue;

  @BeforeAll
  void start() throws Exception {
    cluster = TestClusters.uniqueName("rogue");
    ports = TestClusters.freePorts(2);
    try {
      for (int i = 0; i < 2; i++) {
        nodes.add(ClusterNode.start(TestClusters.config(cluster, "n" + i, ports.get(i), ports).build()));
      }
      for (ClusterNode n : nodes) {
        assertTrue(n.awaitReady(WAIT), () -> n.nodeId() + " not ready: " + n.readiness());
      }
      Instant exp = Instant.now().plusSeconds(3600);
      assertTrue(nodes.get(0).watermarks().revoke(REVOKED, exp).toCompletableFuture().get(30, TimeUnit.SECONDS)
          .acknowledgedByAll());
      nodes.get(0).tasks().put(new TaskRecord(BOUND, BOUND, null, "agent-a", 0, 0, Instant.now(), exp, null, null,
          "{}")).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(new BindResult.Bound(storedTask(BOUND).withHolder("jkt-honest")).getClass(),
          nodes.get(0).tasks().bindOnce(BOUND, "jkt-honest").toCompletableFuture().get(30, TimeUnit.SECONDS)
              .getClass());
      rogue = Hazelcast.newHazelcastInstance(rogueConfig());
      Eventually.await(WAIT, "the rogue member joined",
          () -> nodes.get(0).hazelcast().getCluster().getMembers().size() == 3);
    } catch (Exception | Error e) {
      stop();
      throw e;
    }
  }

  @AfterAll
  void stop() {
    if (rogue != null) {
      rogue.getLifecycleService().terminate();
    }
    TestClusters.closeAll(nodes);
  }

  /** A plain member: right cluster name, our serializers (the attacker has our jar), none of our settings. */
  private Config rogueConfig() {
    Config cfg = new Config().setClusterName(cluster).setInstanceName(TestClusters.uniqueName("rogue-member"));
    cfg.setProperty("hazelcast.logging.type", "slf4j");
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
    cfg.getNetworkConfig().setPort(TestClusters.freePorts(1).get(0)).setPortAutoIncrement(false);
    JoinConfig join = cfg.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(TestClusters.addresses(ports));
    cfg.getSerializationConfig().addDataSerializableFactory(SerializationIds.FACTORY_ID,
        new ClusterSerializableFactory());
    cfg.getSerializationConfig().getCompactSerializationConfig().addSerializer(new WatermarkSerializer())
        .addSerializer(new TaskRecordSerializer());
    return cfg;
  }

  private Watermark storedWatermark() {
    return nodes.get(1).hazelcast().<String, Watermark>getMap(WatermarkStore.MAP_NAME).get(REVOKED);
  }

  private TaskRecord storedTask(String id) {
    return nodes.get(1).hazelcast().<String, TaskRecord>getMap(TaskRegistry.MAP_NAME).get(id);
  }

  @Test
  void hazelcastClient_cannotConnect() {
    ClientConfig cc = new ClientConfig().setClusterName(cluster);
    cc.setProperty("hazelcast.logging.type", "slf4j");
    cc.getNetworkConfig().addAddress(TestClusters.addresses(ports).toArray(new String[0]));
    cc.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(3000);
    assertThrows(IllegalStateException.class, () -> {
      HazelcastInstance client = HazelcastClient.newHazelcastClient(cc);
      // Reached only when the member served the client protocol: show what it could do.
      client.getMap(WatermarkStore.MAP_NAME).clear();
      client.shutdown();
    });
  }

  @Test
  void memberPort_listensOnTheConfiguredInterfaceOnly() {
    // Bound to 127.0.0.1: another loopback address of the same host finds nothing listening.
    assertThrows(IOException.class, () -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.2", ports.get(0)), 2000);
      }
    });
  }

  /**
   * Sets every value it is run on to {@code value} (or deletes it, for null). {@code DataSerializable} by
   * class name, so our members (same class path here) run it: the worst case of a processor class they have.
   */
  public static final class Overwrite implements EntryProcessor<String, Object, Object>, DataSerializable {
    private Object value;

    public Overwrite() {}

    Overwrite(Object value) {
      this.value = value;
    }

    @Override
    public Object process(Map.Entry<String, Object> entry) {
      entry.setValue(value);
      return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeObject(value);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      value = in.readObject();
    }
  }

  @Test
  void rogueMember_cannotLowerOrRemoveARevocation() {
    IMap<String, Object> map = rogue.getMap(WatermarkStore.MAP_NAME);
    Watermark low = new Watermark(0, System.currentTimeMillis() + 3_600_000);
    Map<String, Runnable> attacks = new LinkedHashMap<>();
    attacks.put("put", () -> map.put(REVOKED, low));
    attacks.put("set", () -> map.set(REVOKED, low));
    attacks.put("putAsync", () -> map.putAsync(REVOKED, low).toCompletableFuture().join());
    attacks.put("replace", () -> map.replace(REVOKED, low));
    attacks.put("putAll", () -> map.putAll(Map.of(REVOKED, low)));
    attacks.put("putTransient", () -> map.putTransient(REVOKED, low, 1, TimeUnit.HOURS));
    attacks.put("executeOnKey(set low)", () -> map.executeOnKey(REVOKED, new Overwrite(low)));
    attacks.put("executeOnEntries(set low)", () -> map.executeOnEntries(new Overwrite(low)));
    attacks.put("executeOnKey(delete)", () -> map.executeOnKey(REVOKED, new Overwrite(null)));
    attacks.put("remove", () -> map.remove(REVOKED));
    attacks.put("delete", () -> map.delete(REVOKED));
    attacks.put("removeAll", () -> map.removeAll(e -> true));
    attacks.put("removeInterceptors then put", () -> {
      // The attacker has our jar, so it knows the names Hazelcast gives our guards.
      for (int kind = 1; kind <= 4; kind++) {
        map.removeInterceptor("dev.ephyr.cluster.StateGuard" + kind);
      }
      map.put(REVOKED, low);
    });
    List<String> lowered = new ArrayList<>();
    for (Map.Entry<String, Runnable> a : attacks.entrySet()) {
      try {
        a.getValue().run();
      } catch (RuntimeException refused) {
        System.out.println("refused " + a.getKey() + ": " + refused); // fine: the check below decides
      }
      Watermark w = storedWatermark();
      if (w == null || w.floor() != WatermarkLookup.REVOKED) {
        lowered.add(a.getKey() + " -> " + w);
        nodes.get(0).watermarks().revoke(REVOKED, Instant.now().plusSeconds(3600)).toCompletableFuture().join();
      }
    }
    assertEquals(List.of(), lowered, "writes of a rogue member that lowered or removed the revocation");
    for (ClusterNode n : nodes) {
      assertEquals(WatermarkLookup.REVOKED, n.watermarks().watermark(REVOKED), n.nodeId() + " mirror");
    }
  }

  @Test
  void rogueMember_cannotUnbindOrRebindAHolder() {
    IMap<String, Object> map = rogue.getMap(TaskRegistry.MAP_NAME);
    TaskRecord unbound = storedTask(BOUND).withHolder(null);
    TaskRecord rebound = storedTask(BOUND).withHolder("jkt-attacker");
    Map<String, Runnable> attacks = new LinkedHashMap<>();
    attacks.put("put unbound", () -> map.put(BOUND, unbound));
    attacks.put("set rebound", () -> map.set(BOUND, rebound));
    attacks.put("replace", () -> map.replace(BOUND, rebound));
    attacks.put("putAll", () -> map.putAll(Map.of(BOUND, unbound)));
    attacks.put("executeOnKey(rebind)", () -> map.executeOnKey(BOUND, new Overwrite(rebound)));
    attacks.put("executeOnKey(delete)", () -> map.executeOnKey(BOUND, new Overwrite(null)));
    attacks.put("remove", () -> map.remove(BOUND));
    attacks.put("delete", () -> map.delete(BOUND));
    List<String> changed = new ArrayList<>();
    for (Map.Entry<String, Runnable> a : attacks.entrySet()) {
      try {
        a.getValue().run();
      } catch (RuntimeException refused) {
        System.out.println("refused " + a.getKey() + ": " + refused);
      }
      TaskRecord r = storedTask(BOUND);
      if (r == null || !"jkt-honest".equals(r.holderJkt())) {
        changed.add(a.getKey() + " -> " + (r == null ? "gone" : r.holderJkt()));
        if (r == null) {
          break; // a bound record cannot be restored through our own API; the failure is recorded
        }
      }
    }
    assertEquals(List.of(), changed, "writes of a rogue member that unbound or rebound the holder");
  }

  /**
   * What the guard cannot stop (evict, TTL, clear bypass interceptors in open-source Hazelcast): the map may
   * lose the entry, but no honest member's mirror goes down, so no node accepts the revoked token.
   */
  @Test
  void rogueMember_evictOrClear_mirrorsStillRefuse() throws Exception {
    IMap<String, Object> map = rogue.getMap(WatermarkStore.MAP_NAME);
    Map<String, Runnable> attacks = new LinkedHashMap<>();
    attacks.put("evict", () -> map.evict(REVOKED));
    attacks.put("setTtl", () -> map.setTtl(REVOKED, 1, TimeUnit.MILLISECONDS));
    attacks.put("evictAll", map::evictAll);
    attacks.put("clear", map::clear);
    for (Map.Entry<String, Runnable> a : attacks.entrySet()) {
      try {
        a.getValue().run();
      } catch (RuntimeException refused) {
        System.out.println("refused " + a.getKey() + ": " + refused);
      }
      System.out.println("after " + a.getKey() + ": " + storedWatermark());
    }
    for (ClusterNode n : nodes) {
      assertEquals(WatermarkLookup.REVOKED, n.watermarks().watermark(REVOKED), n.nodeId() + " mirror");
    }
    nodes.get(0).watermarks().revoke(REVOKED, Instant.now().plusSeconds(3600)).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @Test
  void rogueMember_cannotLowerTheSerialCounterNorForgetAReplayMarker() throws Exception {
    long issued = nodes.get(0).serials().next().toCompletableFuture().get(30, TimeUnit.SECONDS);
    IMap<String, Object> serials = rogue.getMap(SerialGenerator.MAP_NAME);
    try {
      serials.put(SerialGenerator.KEY, 1L);
    } catch (RuntimeException refused) {
      System.out.println("refused serial put: " + refused);
    }
    long next = nodes.get(1).serials().next().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue(next > issued, "serial " + next + " after " + issued + ": the counter went back");

    String marker = "dpop:rogue-test-jti";
    assertTrue(nodes.get(0).replay().firstUse(marker, Instant.now().plusSeconds(600)).toCompletableFuture()
        .get(30, TimeUnit.SECONDS));
    IMap<String, Object> replay = rogue.getMap(ReplayCache.MAP_NAME);
    for (Runnable forget : List.<Runnable>of(() -> replay.remove(marker), () -> replay.delete(marker),
        () -> replay.executeOnKey(marker, new Overwrite(null)))) {
      try {
        forget.run();
      } catch (RuntimeException refused) {
        System.out.println("refused replay removal: " + refused);
      }
    }
    assertFalse(nodes.get(1).replay().firstUse(marker, Instant.now().plusSeconds(600)).toCompletableFuture()
        .get(30, TimeUnit.SECONDS), "a used proof could be replayed after the rogue member removed its marker");
  }
}
