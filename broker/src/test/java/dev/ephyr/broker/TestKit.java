package dev.ephyr.broker;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.broker.config.NodeConfig;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.testing.Eventually;
import dev.ephyr.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Shared fixtures: a work directory with a keyring and a policy (agents alice, bob, carol with fresh API
 * keys), free ports, and node configs with a strict blocked-thread checker.
 */
final class TestKit {
  static final SecureRandom RANDOM = new SecureRandom();

  final Path dir;
  final String aliceKey = ApiKeys.generate(RANDOM);
  final String bobKey = ApiKeys.generate(RANDOM);
  final String carolKey = ApiKeys.generate(RANDOM);
  final String clusterName = "t-" + UUID.randomUUID().toString().substring(0, 8);
  final Keyring keyring = Keyring.generate("k1", RANDOM);

  TestKit() {
    try {
      dir = Files.createDirectories(Path.of("target", "test-work", clusterName)).toAbsolutePath();
      Path keys = dir.resolve("keyring.json");
      Files.write(keys, keyring.toJson(InsecureSecretAccess.get()));
      try {
        Files.setPosixFilePermissions(keys, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system; the test keyring is throwaway anyway
      }
      Files.writeString(dir.resolve("policy.yaml"), policyYaml());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * alice: methods GET,POST; may delegate (depth ≤ 2) and delegate to bob. bob: methods GET,DELETE, may
   * delegate (depth ≤ 5). carol: require_pop.
   */
  String policyYaml() {
    return String.join("\n",
        "version: 1",
        "agents:",
        "  alice:",
        "    api_keys: [\"" + ApiKeys.hash(aliceKey) + "\"]",
        "    targets: \"*\"",
        "    roles: \"*\"",
        "    methods: [GET, POST]",
        "    delegate: true",
        "    max_depth: 2",
        "    delegate_to: [bob]",
        "  bob:",
        "    api_keys: [\"" + ApiKeys.hash(bobKey) + "\"]",
        "    targets: \"*\"",
        "    methods: [GET, DELETE]",
        "    delegate: true",
        "  carol:",
        "    api_keys: [\"" + ApiKeys.hash(carolKey) + "\"]",
        "    targets: \"*\"",
        "    require_pop: true",
        "");
  }

  static int freePort() {
    return FreePorts.next();
  }

  /** A node config for this kit: HTTP on a free port, cluster member on {@code clusterPort}. */
  NodeConfig.Builder config(String nodeId, int clusterPort, List<Integer> memberPorts) {
    List<String> members = new ArrayList<>();
    for (int p : memberPorts) {
      members.add("127.0.0.1:" + p);
    }
    return NodeConfig.builder()
        .nodeId(nodeId)
        .listen("127.0.0.1", 0)
        .keyring(dir.resolve("keyring.json"))
        .policy(dir.resolve("policy.yaml"))
        .dataDir(dir.resolve(nodeId))
        .set("http.instances", "2")
        .set("vertx.event-loops", "2")
        .set("vertx.blocked-thread-check-interval", "100ms")
        .set("vertx.max-event-loop-execute-time", "100ms")
        .set("cluster.name", clusterName)
        .set("cluster.port", String.valueOf(clusterPort))
        .set("cluster.members", String.join(",", members))
        .set("cluster.heartbeat-interval", "1s")
        .set("cluster.max-no-heartbeat", "5s")
        .set("cluster.merge-first-run-delay", "5s")
        .set("cluster.merge-next-run-delay", "5s")
        .set("cluster.ack-timeout", "3s");
  }

  /** A config for one node alone in its cluster (its own free cluster port). */
  NodeConfig.Builder soloConfig(String nodeId) {
    int cp = freePort();
    return config(nodeId, cp, List.of(cp));
  }

  /** One node alone in its cluster, with {@code settings} (key, value, ...) set, started and ready. */
  Node startSolo(String nodeId, String... settings) throws ConfigException {
    NodeConfig.Builder b = soloConfig(nodeId);
    for (int i = 0; i + 1 < settings.length; i += 2) {
      b.set(settings[i], settings[i + 1]);
    }
    Node n = start(b.build());
    awaitReady(n);
    return n;
  }

  /** Two nodes, a and b, in one cluster, each configured by {@code tweak}, started and ready. */
  Node[] startPair(UnaryOperator<NodeConfig.Builder> tweak) throws ConfigException {
    return startCluster(tweak, "a", "b");
  }

  /**
   * One cluster of the nodes {@code ids}, each configured by {@code tweak}, started one after another (nodes starting
   * at once in one JVM starve each other's event loops), then all awaited ready.
   */
  Node[] startCluster(UnaryOperator<NodeConfig.Builder> tweak, String... ids) throws ConfigException {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < ids.length; i++) {
      ports.add(freePort());
    }
    Node[] nodes = new Node[ids.length];
    for (int i = 0; i < ids.length; i++) {
      nodes[i] = start(tweak.apply(config(ids[i], ports.get(i), ports)).build());
    }
    for (Node n : nodes) {
      awaitReady(n);
    }
    return nodes;
  }

  /** A node's MCP endpoint at its listen address (whatever public URL it names). */
  static String localMcp(Node n) {
    return "http://127.0.0.1:" + n.port() + "/mcp";
  }

  static Node start(NodeConfig config) {
    return start(config, null);
  }

  /** Starts a node whose spans go to {@code spans} (null: as configured). */
  static Node start(NodeConfig config, io.opentelemetry.sdk.trace.export.SpanExporter spans) {
    try {
      return Node.start(config, spans).toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("node did not start", e);
    }
  }

  static void close(Node node) {
    if (node == null) {
      return;
    }
    try {
      node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("node did not close", e);
    }
  }

  /**
   * Closes {@code nodes} (the last started first; a failure to close one does not skip the others), then fails if
   * an event loop of any of them was blocked while they ran.
   */
  static void closeCheckingLoops(Node... nodes) {
    long blocked = 0;
    for (Node n : nodes) {
      blocked += n == null ? 0 : n.blockedThreadWarnings();
    }
    AssertionError first = null;
    for (int i = nodes.length - 1; i >= 0; i--) {
      try {
        close(nodes[i]);
      } catch (AssertionError e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
    org.junit.jupiter.api.Assertions.assertEquals(0, blocked, "an event loop was blocked");
  }

  static void awaitReady(Node node) {
    Eventually.await(Duration.ofSeconds(60), node.nodeId() + " ready", () -> node.cluster().readiness().isReady());
  }
}
