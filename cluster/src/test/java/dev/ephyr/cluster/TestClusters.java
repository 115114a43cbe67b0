package dev.ephyr.cluster;

import dev.ephyr.testing.FreePorts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Free ports, unique cluster names and the fast failure-detection settings the tests use. */
final class TestClusters {

  static final Duration HEARTBEAT = Duration.ofSeconds(1);
  static final Duration MAX_NO_HEARTBEAT = Duration.ofSeconds(5);
  static final Duration MERGE_DELAY = Duration.ofSeconds(5);

  private TestClusters() {}

  static String uniqueName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Ports free a moment ago, outside the range outgoing connections take theirs from (see {@link FreePorts}). */
  static List<Integer> freePorts(int n) {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ports.add(FreePorts.next());
    }
    return ports;
  }

  static List<String> addresses(List<Integer> ports) {
    List<String> out = new ArrayList<>();
    for (int p : ports) {
      out.add("127.0.0.1:" + p);
    }
    return out;
  }

  /** A node of an in-JVM test cluster, with fast failure detection. */
  static ClusterConfig.Builder config(String cluster, String nodeId, int port, List<Integer> ports) {
    return ClusterConfig.builder(cluster)
        .nodeId(nodeId)
        .bindHost("127.0.0.1")
        .port(port)
        .members(addresses(ports))
        .keyringFingerprint("kr-test-1")
        .policyHash("policy-1")
        .heartbeatInterval(HEARTBEAT)
        .maxNoHeartbeat(MAX_NO_HEARTBEAT)
        .mergeFirstRunDelay(MERGE_DELAY)
        .mergeNextRunDelay(MERGE_DELAY)
        .operationTimeout(Duration.ofSeconds(10))
        .ackTimeout(Duration.ofSeconds(3))
        .replayTimeout(Duration.ofSeconds(5))
        .mirrorReloadInterval(Duration.ofSeconds(30));
  }

  static void closeAll(List<ClusterNode> nodes) {
    RuntimeException first = null;
    for (ClusterNode n : nodes) {
      try {
        n.close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    nodes.clear();
    if (first != null) {
      throw first;
    }
  }
}
