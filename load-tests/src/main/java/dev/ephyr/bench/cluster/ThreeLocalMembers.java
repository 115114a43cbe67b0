package dev.ephyr.bench.cluster;

import dev.ephyr.cluster.ClusterConfig;
import dev.ephyr.cluster.ClusterNode;
import dev.ephyr.testing.FreePorts;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BiConsumer;

/** Three embedded members on loopback in this JVM, as the cluster benchmarks use them. */
final class ThreeLocalMembers implements AutoCloseable {

  final List<ClusterNode> nodes = new ArrayList<>();

  ThreeLocalMembers() throws Exception {
    this(-1);
  }

  /** Three members whose task near cache holds {@code taskCacheSize} records (0 = none, negative = the default). */
  ThreeLocalMembers(int taskCacheSize) throws Exception {
    this((i, b) -> {
      if (taskCacheSize >= 0) {
        b.taskCacheSize(taskCacheSize);
      }
    });
  }

  /** Three members, each configuration also shaped by {@code each} (given the member's index 0-2). */
  ThreeLocalMembers(BiConsumer<Integer, ClusterConfig.Builder> each) throws Exception {
    // Quiet Hazelcast before the first logger is created in this fork.
    System.setProperty("org.slf4j.simpleLogger.log.com.hazelcast", "warn");
    String name = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ports.add(FreePorts.next());
    }
    List<String> members = new ArrayList<>();
    for (int p : ports) {
      members.add("127.0.0.1:" + p);
    }
    try {
      for (int i = 0; i < 3; i++) {
        ClusterConfig.Builder b = ClusterConfig.builder(name)
            .nodeId("bench-" + i)
            .port(ports.get(i))
            .members(members)
            .keyringFingerprint("bench");
        each.accept(i, b);
        nodes.add(ClusterNode.start(b.build()));
      }
      for (ClusterNode n : nodes) {
        if (!n.awaitReady(Duration.ofSeconds(60))) {
          throw new IllegalStateException(n.nodeId() + " not ready: " + n.readiness());
        }
      }
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  @Override
  public void close() {
    nodes.forEach(ClusterNode::close);
    nodes.clear();
  }
}
