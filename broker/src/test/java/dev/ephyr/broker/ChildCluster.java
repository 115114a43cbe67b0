package dev.ephyr.broker;

import dev.ephyr.testing.Eventually;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Broker nodes in child JVMs forming one cluster, each with its own state directory: started in a chosen order,
 * SIGKILLed, started again from the same configuration, and closed.
 */
final class ChildCluster implements AutoCloseable {
  private final TestKit kit;
  private final List<Path> yamls = new ArrayList<>();
  private final List<ChildProcess> children = new ArrayList<>();
  private int generation;

  /** Each node's base URL ({@code http://127.0.0.1:PORT}), by index. */
  final List<String> urls = new ArrayList<>();

  /** Writes one YAML per node (nodeA, nodeB, ...) into the kit's directory; starts nothing. */
  ChildCluster(TestKit kit, int size) throws IOException {
    this(kit, size, List.of());
  }

  /** The same, with {@code extraYaml} lines (whole top-level sections) added to every node's configuration. */
  ChildCluster(TestKit kit, int size, List<String> extraYaml) throws IOException {
    this(kit, size, extraYaml, true);
  }

  /** Nodes that keep their security state only in cluster memory (no {@code state.dir}). */
  static ChildCluster inMemory(TestKit kit, int size) throws IOException {
    return new ChildCluster(kit, size, List.of(), false);
  }

  private ChildCluster(TestKit kit, int size, List<String> extraYaml, boolean durable) throws IOException {
    this.kit = kit;
    List<Integer> clusterPorts = new ArrayList<>();
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < size; i++) {
      clusterPorts.add(TestKit.freePort());
      members.append(i == 0 ? "" : ",").append("127.0.0.1:").append(clusterPorts.get(i));
    }
    for (int i = 0; i < size; i++) {
      String name = "node" + (char) ('A' + i);
      int http = TestKit.freePort();
      Path yaml = kit.dir.resolve(name + ".yaml");
      Files.writeString(yaml, String.join("\n",
          "node:",
          "  id: " + name,
          "  keyring: keyring.json",
          "  policy: policy.yaml",
          "  data-dir: " + name,
          durable ? "state:\n  dir: " + name + "-state" : "",
          "http:",
          "  host: 127.0.0.1",
          "  port: " + http,
          "  instances: 1",
          "vertx:",
          "  event-loops: 1",
          "  blocked-thread-check-interval: 100ms",
          "  max-event-loop-execute-time: 100ms",
          "cluster:",
          "  name: " + kit.clusterName,
          "  port: " + clusterPorts.get(i),
          "  members: [" + members + "]",
          "  heartbeat-interval: 1s",
          "  max-no-heartbeat: 5s",
          "  ack-timeout: 5s",
          String.join("\n", extraYaml),
          ""));
      yamls.add(yaml);
      urls.add("http://127.0.0.1:" + http);
      children.add(null);
    }
  }

  /** The MCP endpoint of node {@code i}. */
  String mcpUrl(int i) {
    return urls.get(i) + "/mcp";
  }

  /**
   * Starts the given nodes in that order (each process launched before the previous is ready) and waits until
   * every one of them answers {@code /readyz}.
   */
  void start(List<Integer> order, Duration timeout) throws Exception {
    int gen = ++generation;
    for (int i : order) {
      String name = "node" + (char) ('A' + i) + "-" + gen;
      children.set(i, ChildProcess.start(name, yamls.get(i), Path.of("target", "child-logs", kit.clusterName)));
    }
    for (int i : order) {
      children.get(i).awaitPort(timeout);
    }
    for (int i : order) {
      String u = urls.get(i);
      Eventually.await(timeout, u + " ready", () -> Http.get(u + "/readyz", Map.of()).status() == 200);
    }
  }

  /** SIGKILL to every given node, back to back (no graceful leave, nothing flushed), then waits for them to be gone. */
  void kill(List<Integer> which) throws InterruptedException {
    for (int i : which) {
      children.get(i).process.destroyForcibly();
    }
    for (int i : which) {
      children.get(i).process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** Whether node {@code i}'s process is running. */
  boolean alive(int i) {
    return children.get(i) != null && children.get(i).process.isAlive();
  }

  @Override
  public void close() {
    for (ChildProcess c : children) {
      if (c != null) {
        c.close();
      }
    }
  }
}
