package dev.ephyr.bench;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.config.NodeConfig;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.testing.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A one-node broker for a benchmark, alone in its cluster: a fresh directory with a keyring and an agent
 * {@code bench} with an API key; the benchmark writes what its policy refers to into {@link #dir}, then
 * {@link #start} writes the policy, starts the node and waits until it may serve.
 */
public final class BenchNode implements AutoCloseable {
  /** The node's files. */
  public final Path dir;
  /** The {@code bench} agent's API key. */
  public final String apiKey;
  private final Keyring keyring;
  private Node node;

  private BenchNode(Path dir, Keyring keyring, String apiKey) {
    this.dir = dir;
    this.keyring = keyring;
    this.apiKey = apiKey;
  }

  /** A directory named after {@code prefix} with a keyring; nothing started yet. */
  public static BenchNode prepare(String prefix) throws IOException {
    SecureRandom random = new SecureRandom();
    Path dir = Files.createTempDirectory(prefix);
    Keyring keyring = Keyring.generate("k1", random);
    Files.write(dir.resolve("keyring.json"), keyring.toJson(InsecureSecretAccess.get()));
    return new BenchNode(dir, keyring, ApiKeys.generate(random));
  }

  /** The keyring the node runs with. */
  public Keyring keyring() {
    return keyring;
  }

  /**
   * Writes the policy — agent {@code bench} with this API key and {@code agentLines} (indented under it), then
   * {@code sections} (top-level policy lines) — starts the node with {@code settings} and waits until it is ready.
   */
  public Node start(List<String> agentLines, List<String> sections, Map<String, String> settings) throws Exception {
    List<String> policy = new ArrayList<>(List.of("version: 1", "agents:", "  bench:",
        "    api_keys: [\"" + ApiKeys.hash(apiKey) + "\"]"));
    agentLines.forEach(l -> policy.add("    " + l));
    policy.addAll(sections);
    policy.add("");
    Files.writeString(dir.resolve("policy.yaml"), String.join("\n", policy));
    int clusterPort = FreePorts.next();
    NodeConfig.Builder config = NodeConfig.builder().nodeId("bench").listen("127.0.0.1", 0)
        .keyring(dir.resolve("keyring.json")).policy(dir.resolve("policy.yaml")).dataDir(dir.resolve("data"))
        .set("cluster.name", "bench-" + UUID.randomUUID().toString().substring(0, 8))
        .set("cluster.port", String.valueOf(clusterPort)).set("cluster.members", "127.0.0.1:" + clusterPort);
    settings.forEach(config::set);
    node = Node.start(config.build()).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    // Started is not ready: the watermark mirror loads in the background (tools answer 503 until then).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!node.cluster().readiness().isReady()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the node did not become ready: " + node.cluster().readiness());
      }
      Thread.sleep(50); // setup only, outside any measurement; a harness polling its own node
    }
    return node;
  }

  @Override
  public void close() throws Exception {
    if (node != null) {
      node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }
}
