package dev.ephyr.cluster;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The validated settings of one cluster node; build it with {@link #builder(String)} or {@link #fromMap(Map)}.
 *
 * <p>Every setting has a key (used in error messages and by {@link #fromMap(Map)}) and a default; see
 * {@code docs/cluster.md}. Validation happens in {@link Builder#build()}, and every message names the key.
 */
public final class ClusterConfig {

  /** Keys understood by {@link #fromMap(Map)}; also the names used in validation messages. */
  public static final String NAME = "cluster.name";
  public static final String BIND_HOST = "cluster.bind-host";
  public static final String PORT = "cluster.port";
  public static final String MEMBERS = "cluster.members";
  public static final String QUORUM = "cluster.quorum";
  public static final String ALLOW_MINORITY_QUORUM = "cluster.allow-minority-quorum";
  public static final String HEARTBEAT_INTERVAL = "cluster.heartbeat-interval";
  public static final String MAX_NO_HEARTBEAT = "cluster.max-no-heartbeat";
  public static final String MERGE_FIRST_RUN_DELAY = "cluster.merge-first-run-delay";
  public static final String MERGE_NEXT_RUN_DELAY = "cluster.merge-next-run-delay";
  public static final String OPERATION_TIMEOUT = "cluster.operation-timeout";
  public static final String ACK_TIMEOUT = "cluster.ack-timeout";
  public static final String REPLAY_TIMEOUT = "cluster.replay-timeout";
  public static final String MIRROR_RELOAD_INTERVAL = "cluster.mirror-reload-interval";
  public static final String WATERMARK_RETENTION = "cluster.watermark-retention";
  public static final String TASK_RETENTION = "cluster.task-retention";
  public static final String BACKUP_COUNT = "cluster.backup-count";
  /** Task records each node keeps in its near cache for display reads; 0 turns the near cache off. */
  public static final String TASK_CACHE_SIZE = "cluster.task-cache-size";
  /** Longest a near-cached task record is served before it is read again, even without an invalidation. */
  public static final String TASK_CACHE_TTL = "cluster.task-cache-ttl";
  /** Most task records this node's listing index holds (0 = no index: listings query the cluster). */
  public static final String TASK_INDEX_SIZE = "cluster.task-index-size";
  public static final String NODE_ID = "cluster.node-id";
  public static final String KEYRING_FINGERPRINT = "cluster.keyring-fingerprint";
  public static final String POLICY_HASH = "cluster.policy-hash";
  /** Directory of this node's durable state store; unset keeps state in memory only (tests, tools). */
  public static final String STATE_DIR = "cluster.state-dir";
  public static final String STATE_MAX_BYTES = "cluster.state-max-bytes";
  /** Every key {@link #fromMap(Map)} understands (the broker names the closest one for a typo). */
  public static final List<String> KEYS = List.of(NAME, BIND_HOST, PORT, MEMBERS, QUORUM, ALLOW_MINORITY_QUORUM,
      HEARTBEAT_INTERVAL, MAX_NO_HEARTBEAT, MERGE_FIRST_RUN_DELAY, MERGE_NEXT_RUN_DELAY, OPERATION_TIMEOUT,
      ACK_TIMEOUT, REPLAY_TIMEOUT, MIRROR_RELOAD_INTERVAL, WATERMARK_RETENTION, TASK_RETENTION, BACKUP_COUNT, TASK_CACHE_SIZE,
      TASK_CACHE_TTL, TASK_INDEX_SIZE, NODE_ID, KEYRING_FINGERPRINT, POLICY_HASH, STATE_DIR, STATE_MAX_BYTES);

  private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern NODE_ID_PATTERN = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final Pattern ATTRIBUTE = Pattern.compile("[\\x21-\\x7e]{1,256}");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,253}");

  private final String clusterName;
  private final String bindHost;
  private final int port;
  private final List<String> members;
  private final int quorum;
  private final boolean minorityQuorumAllowed;
  private final Duration heartbeatInterval;
  private final Duration maxNoHeartbeat;
  private final Duration mergeFirstRunDelay;
  private final Duration mergeNextRunDelay;
  private final Duration operationTimeout;
  private final Duration ackTimeout;
  private final Duration replayTimeout;
  private final Duration mirrorReloadInterval;
  private final Duration watermarkRetention;
  private final Duration taskRetention;
  private final int backupCount;
  private final int taskCacheSize;
  private final Duration taskCacheTtl;
  private final int taskIndexSize;
  private final String nodeId;
  private final String keyringFingerprint;
  private final String policyHash;
  private final Clock clock;
  private final java.nio.file.Path stateDir;
  private final long stateMaxBytes;

  private ClusterConfig(Builder b, int quorum) {
    this.stateDir = b.stateDir;
    this.stateMaxBytes = b.stateMaxBytes;
    this.clusterName = b.clusterName;
    this.bindHost = b.bindHost;
    this.port = b.port;
    this.members = List.copyOf(b.members);
    this.quorum = quorum;
    this.minorityQuorumAllowed = b.minorityQuorumAllowed;
    this.heartbeatInterval = b.heartbeatInterval;
    this.maxNoHeartbeat = b.maxNoHeartbeat;
    this.mergeFirstRunDelay = b.mergeFirstRunDelay;
    this.mergeNextRunDelay = b.mergeNextRunDelay;
    this.operationTimeout = b.operationTimeout;
    this.ackTimeout = b.ackTimeout;
    this.replayTimeout = b.replayTimeout;
    this.mirrorReloadInterval = b.mirrorReloadInterval;
    this.watermarkRetention = b.watermarkRetention;
    this.taskRetention = b.taskRetention;
    this.backupCount = b.backupCount;
    this.taskCacheSize = b.taskCacheSize;
    this.taskCacheTtl = b.taskCacheTtl;
    this.taskIndexSize = b.taskIndexSize;
    this.nodeId = b.nodeId;
    this.keyringFingerprint = b.keyringFingerprint;
    this.policyHash = b.policyHash;
    this.clock = b.clock;
  }

  /** Starts a builder for the cluster named {@code clusterName}, every other setting at its default. */
  public static Builder builder(String clusterName) {
    return new Builder(clusterName);
  }

  /**
   * Reads a config from string key/values (e.g. a YAML section flattened by the broker). Unknown keys
   * starting with {@code cluster.} are errors; durations are written like {@code 500ms}, {@code 10s}, {@code 5m},
   * {@code 1h}; members are comma-separated {@code host:port}.
   */
  public static ClusterConfig fromMap(Map<String, String> values) {
    String name = values.get(NAME);
    if (name == null) {
      throw new IllegalArgumentException(NAME + " is required");
    }
    Builder b = builder(name);
    for (Map.Entry<String, String> e : values.entrySet()) {
      String key = e.getKey();
      String v = e.getValue() == null ? "" : e.getValue().trim();
      switch (key) {
        case NAME: break;
        case BIND_HOST: b.bindHost(v); break;
        case PORT: b.port(parseInt(key, v)); break;
        case MEMBERS: b.members(splitMembers(v)); break;
        case QUORUM: b.quorum(parseInt(key, v)); break;
        case ALLOW_MINORITY_QUORUM:
          if (parseBoolean(key, v)) {
            b.allowMinorityQuorum();
          }
          break;
        case HEARTBEAT_INTERVAL: b.heartbeatInterval(parseDuration(key, v)); break;
        case MAX_NO_HEARTBEAT: b.maxNoHeartbeat(parseDuration(key, v)); break;
        case MERGE_FIRST_RUN_DELAY: b.mergeFirstRunDelay(parseDuration(key, v)); break;
        case MERGE_NEXT_RUN_DELAY: b.mergeNextRunDelay(parseDuration(key, v)); break;
        case OPERATION_TIMEOUT: b.operationTimeout(parseDuration(key, v)); break;
        case ACK_TIMEOUT: b.ackTimeout(parseDuration(key, v)); break;
        case REPLAY_TIMEOUT: b.replayTimeout(parseDuration(key, v)); break;
        case MIRROR_RELOAD_INTERVAL: b.mirrorReloadInterval(parseDuration(key, v)); break;
        case WATERMARK_RETENTION: b.watermarkRetention(parseDuration(key, v)); break;
        case TASK_RETENTION: b.taskRetention(parseDuration(key, v)); break;
        case BACKUP_COUNT: b.backupCount(parseInt(key, v)); break;
        case TASK_CACHE_SIZE: b.taskCacheSize(parseInt(key, v)); break;
        case TASK_CACHE_TTL: b.taskCacheTtl(parseDuration(key, v)); break;
        case TASK_INDEX_SIZE: b.taskIndexSize(parseInt(key, v)); break;
        case NODE_ID: b.nodeId(v); break;
        case KEYRING_FINGERPRINT: b.keyringFingerprint(v); break;
        case POLICY_HASH: b.policyHash(v); break;
        case STATE_DIR:
          if (!v.isEmpty()) {
            b.stateDir(java.nio.file.Path.of(v));
          }
          break;
        case STATE_MAX_BYTES:
          try {
            b.stateMaxBytes(Long.parseLong(v));
          } catch (NumberFormatException nfe) {
            throw new IllegalArgumentException(key + " must be a number of bytes, got '" + v + "'");
          }
          break;
        default:
          if (key.startsWith("cluster.")) {
            throw new IllegalArgumentException("unknown setting " + key);
          }
      }
    }
    return b.build();
  }

  private static List<String> splitMembers(String v) {
    List<String> out = new ArrayList<>();
    for (String m : v.split(",")) {
      if (!m.isBlank()) {
        out.add(m.trim());
      }
    }
    return out;
  }

  private static int parseInt(String key, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
    }
  }

  private static boolean parseBoolean(String key, String v) {
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    if (v.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
  }

  static Duration parseDuration(String key, String v) {
    try {
      return Durations.parse(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + " must be a duration like 500ms, 10s, 5m, 1h, 2d or 1h30m, got '" + v + "'");
    }
  }

  public String clusterName() { return clusterName; }
  public String bindHost() { return bindHost; }
  public int port() { return port; }
  public List<String> members() { return members; }
  public int quorum() { return quorum; }
  public boolean minorityQuorumAllowed() { return minorityQuorumAllowed; }
  public Duration heartbeatInterval() { return heartbeatInterval; }
  public Duration maxNoHeartbeat() { return maxNoHeartbeat; }
  public Duration mergeFirstRunDelay() { return mergeFirstRunDelay; }
  public Duration mergeNextRunDelay() { return mergeNextRunDelay; }
  public Duration operationTimeout() { return operationTimeout; }
  public Duration ackTimeout() { return ackTimeout; }
  public Duration replayTimeout() { return replayTimeout; }
  public Duration mirrorReloadInterval() { return mirrorReloadInterval; }
  public Duration watermarkRetention() { return watermarkRetention; }
  public Duration taskRetention() { return taskRetention; }
  public int backupCount() { return backupCount; }
  public int taskCacheSize() { return taskCacheSize; }
  public Duration taskCacheTtl() { return taskCacheTtl; }
  public int taskIndexSize() { return taskIndexSize; }
  public String nodeId() { return nodeId; }
  public String keyringFingerprint() { return keyringFingerprint; }
  public String policyHash() { return policyHash; }
  public Clock clock() { return clock; }
  /** The state directory, or null when this node keeps no durable state. */
  public java.nio.file.Path stateDir() { return stateDir; }
  public long stateMaxBytes() { return stateMaxBytes; }

  /**
   * A pause of the node's own threads longer than this means the node may have missed revocations
   * (the others could have removed it meanwhile): its mirror is resynchronised before it serves again.
   */
  Duration stallThreshold() {
    return maxNoHeartbeat.dividedBy(2);
  }

  @Override
  public String toString() {
    return "ClusterConfig[name=" + clusterName + ", node=" + nodeId + ", bind=" + bindHost + ":" + port
        + ", members=" + members + ", quorum=" + quorum + "]";
  }

  /** Mutable builder; {@link #build()} validates everything and names the offending key. */
  public static final class Builder {
    private final String clusterName;
    private String bindHost = "127.0.0.1";
    private int port = 5701;
    private final List<String> members = new ArrayList<>();
    private Integer quorum;
    private boolean minorityQuorumAllowed;
    private Duration heartbeatInterval = Duration.ofSeconds(1);
    private Duration maxNoHeartbeat = Duration.ofSeconds(10);
    private Duration mergeFirstRunDelay = Duration.ofSeconds(60);
    private Duration mergeNextRunDelay = Duration.ofSeconds(30);
    private Duration operationTimeout = Duration.ofSeconds(15);
    private Duration ackTimeout = Duration.ofSeconds(2);
    private Duration replayTimeout = Duration.ofSeconds(1);
    private Duration mirrorReloadInterval = Duration.ofSeconds(60);
    private Duration watermarkRetention = Duration.ofMinutes(10);
    private Duration taskRetention = Duration.ofHours(1);
    private int backupCount = 1;
    private int taskCacheSize = 10_000;
    private Duration taskCacheTtl = Duration.ofSeconds(10);
    private int taskIndexSize = 25_000;
    private String nodeId = UUID.randomUUID().toString();
    private String keyringFingerprint;
    private String policyHash = "none";
    private Clock clock = Clock.systemUTC();
    private java.nio.file.Path stateDir;
    private long stateMaxBytes = 1L << 30;

    private Builder(String clusterName) {
      this.clusterName = clusterName;
    }

    public Builder bindHost(String v) { this.bindHost = v; return this; }
    public Builder port(int v) { this.port = v; return this; }
    /** Replaces the member list ({@code host:port} each); this node's own address may be included. */
    public Builder members(List<String> v) { members.clear(); members.addAll(v); return this; }
    public Builder quorum(int v) { this.quorum = v; return this; }
    /**
     * Accepts a quorum that is not a strict majority of the configured members (e.g. 1 of 2): the
     * cluster stays available when split, and each side may then serve revocations the other missed
     * until the merge. See "two nodes" in docs/cluster.md.
     */
    public Builder allowMinorityQuorum() { this.minorityQuorumAllowed = true; return this; }
    public Builder heartbeatInterval(Duration v) { this.heartbeatInterval = v; return this; }
    public Builder maxNoHeartbeat(Duration v) { this.maxNoHeartbeat = v; return this; }
    public Builder mergeFirstRunDelay(Duration v) { this.mergeFirstRunDelay = v; return this; }
    public Builder mergeNextRunDelay(Duration v) { this.mergeNextRunDelay = v; return this; }
    public Builder operationTimeout(Duration v) { this.operationTimeout = v; return this; }
    public Builder ackTimeout(Duration v) { this.ackTimeout = v; return this; }
    public Builder replayTimeout(Duration v) { this.replayTimeout = v; return this; }
    public Builder mirrorReloadInterval(Duration v) { this.mirrorReloadInterval = v; return this; }
    public Builder watermarkRetention(Duration v) { this.watermarkRetention = v; return this; }
    public Builder taskRetention(Duration v) { this.taskRetention = v; return this; }
    public Builder backupCount(int v) { this.backupCount = v; return this; }
    /** Task records in this node's near cache (display reads only); 0 = no near cache. */
    public Builder taskCacheSize(int v) { this.taskCacheSize = v; return this; }
    public Builder taskIndexSize(int v) { this.taskIndexSize = v; return this; }
    public Builder taskCacheTtl(Duration v) { this.taskCacheTtl = v; return this; }
    public Builder nodeId(String v) { this.nodeId = v; return this; }
    public Builder keyringFingerprint(String v) { this.keyringFingerprint = v; return this; }
    public Builder policyHash(String v) { this.policyHash = v; return this; }
    public Builder clock(Clock v) { this.clock = v; return this; }
    /** Keeps the security state durably in this directory (created 0700 if missing). */
    public Builder stateDir(java.nio.file.Path v) { this.stateDir = v; return this; }
    public Builder stateMaxBytes(long v) { this.stateMaxBytes = v; return this; }

    /** Validates every setting and returns the immutable config. */
    public ClusterConfig build() {
      if (clusterName == null || !CLUSTER_NAME.matcher(clusterName).matches()) {
        throw new IllegalArgumentException(NAME + " must be 1-64 characters of [A-Za-z0-9._-]");
      }
      if (bindHost == null || !HOST.matcher(bindHost).matches()) {
        throw new IllegalArgumentException(BIND_HOST + " must be a host name or IP address");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(PORT + " must be 0-65535 (0 = ephemeral), got " + port);
      }
      Set<String> distinct = new LinkedHashSet<>();
      for (String m : members) {
        distinct.add(validateMember(m));
      }
      if (!distinct.isEmpty() && distinct.size() != members.size()) {
        throw new IllegalArgumentException(MEMBERS + " lists a member twice: " + members);
      }
      // Expected size: the listed members plus this node if it is not listed itself.
      int expected = distinct.size() + (distinct.contains(bindHost + ":" + port) ? 0 : 1);
      int q = quorum == null ? expected / 2 + 1 : quorum;
      if (q < 1 || q > expected) {
        throw new IllegalArgumentException(QUORUM + " must be between 1 and the expected cluster size "
            + expected + " (" + MEMBERS + " plus this node), got " + q);
      }
      if (2 * q <= expected && !minorityQuorumAllowed) {
        throw new IllegalArgumentException(QUORUM + " " + q + " is not a majority of " + expected
            + " members: both sides of a split could serve revocations the other missed; set "
            + ALLOW_MINORITY_QUORUM + " to accept that");
      }
      requireWholeSeconds(HEARTBEAT_INTERVAL, heartbeatInterval, 1, 60);
      requireWholeSeconds(MAX_NO_HEARTBEAT, maxNoHeartbeat, 3, 600);
      if (maxNoHeartbeat.compareTo(heartbeatInterval.multipliedBy(3)) < 0) {
        throw new IllegalArgumentException(MAX_NO_HEARTBEAT + " must be at least 3 x " + HEARTBEAT_INTERVAL
            + " (" + heartbeatInterval.toSeconds() + "s), got " + maxNoHeartbeat.toSeconds() + "s");
      }
      requireWholeSeconds(MERGE_FIRST_RUN_DELAY, mergeFirstRunDelay, 1, 3600);
      requireWholeSeconds(MERGE_NEXT_RUN_DELAY, mergeNextRunDelay, 1, 3600);
      requireRange(OPERATION_TIMEOUT, operationTimeout, Duration.ofSeconds(1), Duration.ofMinutes(5));
      requireRange(ACK_TIMEOUT, ackTimeout, Duration.ofMillis(10), Duration.ofMinutes(1));
      requireRange(REPLAY_TIMEOUT, replayTimeout, Duration.ofMillis(10), Duration.ofMinutes(1));
      requireRange(MIRROR_RELOAD_INTERVAL, mirrorReloadInterval, Duration.ofSeconds(1), Duration.ofDays(1));
      requireRange(WATERMARK_RETENTION, watermarkRetention, Duration.ZERO, Duration.ofDays(30));
      requireRange(TASK_RETENTION, taskRetention, Duration.ZERO, Duration.ofDays(30));
      if (backupCount < 0 || backupCount > 6) {
        throw new IllegalArgumentException(BACKUP_COUNT + " must be 0-6, got " + backupCount);
      }
      if (taskCacheSize < 0 || taskCacheSize > 1_000_000) {
        throw new IllegalArgumentException(TASK_CACHE_SIZE + " must be 0-1000000 (0 = no near cache), got "
            + taskCacheSize);
      }
      requireWholeSeconds(TASK_CACHE_TTL, taskCacheTtl, 1, 3600);
      if (taskIndexSize < 0 || taskIndexSize > 1_000_000) {
        throw new IllegalArgumentException(TASK_INDEX_SIZE + " must be 0-1000000 (0 = no listing index), got "
            + taskIndexSize);
      }
      if (nodeId == null || !NODE_ID_PATTERN.matcher(nodeId).matches()) {
        throw new IllegalArgumentException(NODE_ID + " must be 1-64 characters of [A-Za-z0-9._:-]");
      }
      if (keyringFingerprint == null || !ATTRIBUTE.matcher(keyringFingerprint).matches()) {
        throw new IllegalArgumentException(KEYRING_FINGERPRINT
            + " is required: 1-256 printable ASCII characters without spaces");
      }
      if (policyHash == null || !ATTRIBUTE.matcher(policyHash).matches()) {
        throw new IllegalArgumentException(POLICY_HASH + " must be 1-256 printable ASCII characters without spaces");
      }
      Objects.requireNonNull(clock, "clock");
      if (stateMaxBytes < (1L << 20) || stateMaxBytes > (1L << 40)) {
        throw new IllegalArgumentException(STATE_MAX_BYTES + " must be between 1 MiB and 1 TiB, got " + stateMaxBytes);
      }
      return new ClusterConfig(this, q);
    }

    private static String validateMember(String m) {
      if (m == null) {
        throw new IllegalArgumentException(MEMBERS + " contains a null entry");
      }
      int colon = m.lastIndexOf(':');
      if (colon <= 0 || !HOST.matcher(m.substring(0, colon)).matches()) {
        throw new IllegalArgumentException(MEMBERS + " entries must be host:port, got '" + m + "'");
      }
      int p;
      try {
        p = Integer.parseInt(m.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(MEMBERS + " entries must be host:port, got '" + m + "'");
      }
      if (p < 1 || p > 65535) {
        throw new IllegalArgumentException(MEMBERS + " port must be 1-65535, got '" + m + "'");
      }
      return m;
    }

    private static void requireWholeSeconds(String key, Duration d, long min, long max) {
      if (d == null || d.toMillis() % 1000 != 0 || d.toSeconds() < min || d.toSeconds() > max) {
        throw new IllegalArgumentException(key + " must be whole seconds between " + min + "s and " + max
            + "s (Hazelcast counts it in seconds), got " + d);
      }
    }

    private static void requireRange(String key, Duration d, Duration min, Duration max) {
      if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", got " + d);
      }
    }
  }
}
