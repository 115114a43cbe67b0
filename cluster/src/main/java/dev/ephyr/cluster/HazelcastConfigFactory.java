package dev.ephyr.cluster;

import com.hazelcast.config.AdvancedNetworkConfig;
import com.hazelcast.config.ClassFilter;
import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.config.IndexConfig;
import com.hazelcast.config.IndexType;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.config.MemberAttributeConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.SerializationConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;
import java.util.concurrent.ConcurrentMap;

/**
 * The one place a Hazelcast {@link Config} is built: in code, every relevant setting explicit, never from a
 * {@code hazelcast.xml} found on the classpath or in the working directory.
 */
final class HazelcastConfigFactory {

  static final String QUORUM_NAME = "ephyr-quorum";
  static final int MERGE_BATCH_SIZE = 100;

  private HazelcastConfigFactory() {}

  static Config build(ClusterConfig c, ConcurrentMap<String, Object> userContext) {
    // new Config() starts empty; only Config.load()/XmlConfigBuilder would read a hazelcast.xml.
    Config cfg = new Config();
    cfg.setClusterName(c.clusterName());
    cfg.setInstanceName("ephyr-" + c.nodeId()); // unique per JVM: several members share test JVMs
    cfg.setUserContext(userContext);

    cfg.setProperty("hazelcast.logging.type", "slf4j");
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.shutdownhook.enabled", "false"); // the owner (broker) closes the node
    cfg.setProperty("hazelcast.socket.bind.any", "false");
    cfg.setProperty("hazelcast.health.monitoring.level", "OFF");
    cfg.setProperty("hazelcast.heartbeat.interval.seconds", Long.toString(c.heartbeatInterval().toSeconds()));
    cfg.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(c.maxNoHeartbeat().toSeconds()));
    cfg.setProperty("hazelcast.merge.first.run.delay.seconds", Long.toString(c.mergeFirstRunDelay().toSeconds()));
    cfg.setProperty("hazelcast.merge.next.run.delay.seconds", Long.toString(c.mergeNextRunDelay().toSeconds()));
    cfg.setProperty("hazelcast.operation.call.timeout.millis", Long.toString(c.operationTimeout().toMillis()));
    // A leaving member hands its partitions over for at most this long (Hazelcast's default is ten minutes): every
    // member keeps the security state in its own store, so a stop never hangs on a peer that does not answer.
    cfg.setProperty("hazelcast.graceful.shutdown.max.wait",
        Long.toString(Math.max(10, 2 * c.operationTimeout().toSeconds())));
    // Expired entries (replay keys above all: one per DPoP proof) leave memory at the next sweep, every 5 s, in
    // every partition: the default visits a few partitions per sweep and takes a tenth of what it finds, which
    // with thousands of proofs a second keeps minutes of dead keys in memory.
    cfg.setProperty("hazelcast.internal.map.expiration.cleanup.percentage", "100");
    cfg.setProperty("hazelcast.internal.map.expiration.cleanup.operation.count", "271");
    // The task map's near cache (display reads) must hear of a change at once, not in a batch every 10 s.
    cfg.setProperty("hazelcast.map.invalidation.batch.enabled", "false");

    // The advanced network configuration serves only the endpoints it lists: with nothing but the MEMBER
    // endpoint, the client protocol (and REST/memcache) is not served at all, so a Hazelcast client on the
    // network cannot connect. The endpoint binds the configured interface only.
    AdvancedNetworkConfig net = cfg.getAdvancedNetworkConfig().setEnabled(true);
    ServerSocketEndpointConfig member = new ServerSocketEndpointConfig();
    member.setPort(c.port()).setPortAutoIncrement(false);
    member.getInterfaces().setEnabled(true).addInterface(c.bindHost());
    net.setMemberEndpointConfig(member);
    cfg.setProperty("hazelcast.socket.server.bind.any", "false");
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(new java.util.ArrayList<>(c.members()));
    cfg.getJetConfig().setEnabled(false);

    MemberAttributeConfig attributes = cfg.getMemberAttributeConfig();
    attributes.setAttribute(ClusterNode.VERTX_NODE_ID, c.nodeId()); // required by HazelcastClusterManager
    attributes.setAttribute(ClusterNode.KEYRING_ATTRIBUTE, c.keyringFingerprint());
    attributes.setAttribute(ClusterNode.POLICY_ATTRIBUTE, c.policyHash());

    SerializationConfig ser = cfg.getSerializationConfig();
    ser.addDataSerializableFactory(SerializationIds.FACTORY_ID, new ClusterSerializableFactory());
    ser.getCompactSerializationConfig()
        .addSerializer(new WatermarkSerializer())
        .addSerializer(new TaskRecordSerializer());
    // Our types never use Java serialization; refuse to deserialize any Java-serialized class that is
    // not Hazelcast's own or the JDK's (exceptions travel that way).
    ser.setJavaSerializationFilterConfig(new JavaSerializationFilterConfig()
        .setWhitelist(new ClassFilter().addPrefixes("com.hazelcast.", "java.", "javax.", "[")));

    cfg.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(QUORUM_NAME, true, c.quorum())
        .setProtectOn(SplitBrainProtectionOn.READ_WRITE));

    cfg.addMapConfig(stateMap(WatermarkStore.MAP_NAME, c));
    MapConfig tasks = stateMap(TaskRegistry.MAP_NAME, c);
    tasks.addIndexConfig(new IndexConfig(IndexType.HASH, "agent"));
    tasks.addIndexConfig(new IndexConfig(IndexType.HASH, "rootId"));
    if (c.taskCacheSize() > 0) {
      tasks.setNearCacheConfig(taskNearCache(c));
    }
    cfg.addMapConfig(tasks);
    cfg.addMapConfig(stateMap(ReplayCache.MAP_NAME, c));
    cfg.addMapConfig(stateMap(SerialGenerator.MAP_NAME, c));

    cfg.addExecutorConfig(new ExecutorConfig(WatermarkStore.ACK_EXECUTOR)
        .setPoolSize(16) // each answer waits for its member's group commit
        .setQueueCapacity(10_000)
        .setStatisticsEnabled(false));
    return cfg;
  }

  /**
   * Task records as this node last read them, for {@code task_info} on any node without a hop to the record's
   * owner. OBJECT: a record is immutable, so a hit hands out the stored instance without deserialising it.
   * Every change on the owner invalidates the copies at once (batching is off above); the TTL bounds how long
   * a copy can outlive a lost invalidation. Bounded by entry count, least recently used out first.
   */
  private static NearCacheConfig taskNearCache(ClusterConfig c) {
    return new NearCacheConfig(TaskRegistry.MAP_NAME)
        .setInMemoryFormat(InMemoryFormat.OBJECT)
        .setInvalidateOnChange(true)
        .setCacheLocalEntries(true) // also the records this member owns: a hit skips the partition thread
        .setSerializeKeys(false)
        .setTimeToLiveSeconds((int) c.taskCacheTtl().toSeconds())
        .setEvictionConfig(new EvictionConfig()
            .setEvictionPolicy(EvictionPolicy.LRU)
            .setMaxSizePolicy(MaxSizePolicy.ENTRY_COUNT)
            .setSize(c.taskCacheSize()));
  }

  private static MapConfig stateMap(String name, ClusterConfig c) {
    return new MapConfig(name)
        .setBackupCount(c.backupCount())
        .setAsyncBackupCount(0)
        .setReadBackupData(false) // reads go to the owner: a backup may lag
        .setInMemoryFormat(InMemoryFormat.BINARY)
        .setStatisticsEnabled(false)
        .setSplitBrainProtectionName(QUORUM_NAME)
        .setMergePolicyConfig(new MergePolicyConfig(KeepMaximumMergePolicy.class.getName(), MERGE_BATCH_SIZE));
  }
}
