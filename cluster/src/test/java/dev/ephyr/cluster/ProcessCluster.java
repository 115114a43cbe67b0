package dev.ephyr.cluster;

import dev.ephyr.testing.Eventually;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Several {@link ChildNode}s forming one cluster; closing it kills every child. */
final class ProcessCluster implements AutoCloseable {

  static final Duration CALL = Duration.ofSeconds(60);
  static final Duration FORM = Duration.ofSeconds(120);

  final String name;
  final List<ChildNode> nodes = new ArrayList<>();

  private ProcessCluster(String name) {
    this.name = name;
  }

  /** Starts {@code n} children named a, b, c, ... and waits until every one is READY in a cluster of n. */
  static ProcessCluster start(String prefix, int n, Map<String, String> extra) throws Exception {
    ProcessCluster cluster = new ProcessCluster(TestClusters.uniqueName(prefix));
    try {
      List<Integer> ports = TestClusters.freePorts(n);
      String members = String.join(",", TestClusters.addresses(ports));
      for (int i = 0; i < n; i++) {
        String nodeName = String.valueOf((char) ('a' + i));
        Map<String, String> s = new LinkedHashMap<>();
        s.put(ClusterConfig.NAME, cluster.name);
        s.put(ClusterConfig.NODE_ID, nodeName);
        s.put(ClusterConfig.BIND_HOST, "127.0.0.1");
        s.put(ClusterConfig.PORT, Integer.toString(ports.get(i)));
        s.put(ClusterConfig.MEMBERS, members);
        s.put(ClusterConfig.KEYRING_FINGERPRINT, "kr-test-1");
        s.put(ClusterConfig.HEARTBEAT_INTERVAL, TestClusters.HEARTBEAT.toSeconds() + "s");
        s.put(ClusterConfig.MAX_NO_HEARTBEAT, TestClusters.MAX_NO_HEARTBEAT.toSeconds() + "s");
        s.put(ClusterConfig.MERGE_FIRST_RUN_DELAY, TestClusters.MERGE_DELAY.toSeconds() + "s");
        s.put(ClusterConfig.MERGE_NEXT_RUN_DELAY, TestClusters.MERGE_DELAY.toSeconds() + "s");
        s.put(ClusterConfig.OPERATION_TIMEOUT, "10s");
        s.put(ClusterConfig.ACK_TIMEOUT, "3s");
        s.put(ClusterConfig.MIRROR_RELOAD_INTERVAL, "30s");
        s.putAll(extra);
        cluster.nodes.add(ChildNode.start(nodeName, ports.get(i), s));
      }
      for (ChildNode c : cluster.nodes) {
        c.awaitStarted(FORM);
      }
      cluster.awaitFormed(cluster.nodes, n);
      return cluster;
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
  }

  ChildNode node(String nodeName) {
    return nodes.stream().filter(c -> c.name.equals(nodeName)).findFirst().orElseThrow();
  }

  /** Waits until each of {@code which} is READY and sees exactly {@code members} members. */
  void awaitFormed(List<ChildNode> which, int members) {
    for (ChildNode c : which) {
      Eventually.await(FORM, c.name + " READY with " + members + " members",
          () -> c.call(CALL, "state").equals("READY " + members));
    }
  }

  /** Waits until {@code c} sees exactly {@code members} members, whatever its readiness. */
  static void awaitMembers(ChildNode c, int members) {
    Eventually.await(FORM, c.name + " sees " + members + " members",
        () -> c.call(CALL, "state").endsWith(" " + members));
  }

  @Override
  public void close() {
    for (ChildNode c : nodes) {
      c.close();
    }
  }
}
