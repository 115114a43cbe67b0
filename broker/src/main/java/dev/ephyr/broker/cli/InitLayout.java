package dev.ephyr.broker.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What {@code ephyr init} lays out for a cluster: one entry per node with its host and ports. Nodes that share
 * a host get consecutive ports (a loopback lab); nodes on different hosts get the same ports.
 *
 * @param clusterName the Hazelcast cluster name
 * @param nodes the nodes, {@code n1} first
 */
record InitLayout(String clusterName, List<Node> nodes) {
  static final int MAX_NODES = 64;
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?|[0-9A-Fa-f:]{2,39}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /**
   * One node.
   *
   * @param id node id and folder name ({@code n1}, ...)
   * @param host where it runs (HTTP and cluster interface)
   * @param httpPort its HTTP (MCP, REST, admin) port
   * @param clusterPort its Hazelcast member port
   */
  record Node(String id, String host, int httpPort, int clusterPort) {
    /** {@code host:port} as Hazelcast's member list names it. */
    String member() {
      return bracket(host) + ":" + clusterPort;
    }

    /** The URL of its HTTP front. */
    String url() {
      return "http://" + bracket(host) + ":" + httpPort;
    }

    private static String bracket(String host) {
      return host.contains(":") ? "[" + host + "]" : host;
    }
  }

  /**
   * Plans the nodes; every problem of the values is a {@link IllegalArgumentException} naming the option.
   *
   * @param count how many nodes
   * @param hosts one host per node, or a single host for all of them
   */
  static InitLayout plan(String clusterName, int count, List<String> hosts, int httpPort, int clusterPort) {
    if (count < 1 || count > MAX_NODES) {
      throw new IllegalArgumentException("--nodes must be 1-" + MAX_NODES + ", got " + count);
    }
    if (!NAME.matcher(clusterName).matches()) {
      throw new IllegalArgumentException("--cluster-name must be a letter or digit, then up to 63 of A-Z a-z 0-9 . _ -");
    }
    if (hosts.size() != count && hosts.size() != 1) {
      throw new IllegalArgumentException("--hosts names " + hosts.size() + " host" + (hosts.size() == 1 ? "" : "s")
          + " for " + count + " nodes (give one per node, or one for all)");
    }
    for (String h : hosts) {
      if (!HOST.matcher(h).matches()) {
        throw new IllegalArgumentException("--hosts: '" + h + "' is not a host name or IP address");
      }
    }
    checkPort("--http-port", httpPort);
    checkPort("--cluster-port", clusterPort);
    Map<String, Integer> perHost = new HashMap<>();
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String host = hosts.size() == 1 ? hosts.get(0) : hosts.get(i);
      int k = perHost.merge(host, 1, Integer::sum) - 1; // how many nodes this host already runs
      int http = httpPort + k;
      int cluster = clusterPort + k;
      if (http > 65535 || cluster > 65535) {
        throw new IllegalArgumentException("ports run past 65535 for the " + (k + 1) + " nodes on " + host
            + " (lower --http-port or --cluster-port)");
      }
      nodes.add(new Node("n" + (i + 1), host, http, cluster));
    }
    // The two ranges of one host must not overlap: a node's HTTP port may not be another's cluster port.
    for (Node a : nodes) {
      for (Node b : nodes) {
        if (a.host().equals(b.host()) && a.httpPort() == b.clusterPort()) {
          throw new IllegalArgumentException("port " + a.httpPort() + " on " + a.host() + " would be both the HTTP port"
              + " of " + a.id() + " and the cluster port of " + b.id() + " (move --http-port or --cluster-port apart)");
        }
      }
    }
    return new InitLayout(clusterName, List.copyOf(nodes));
  }

  private static void checkPort(String option, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(option + " must be a port number (1-65535), got " + port);
    }
  }

  /** The comma-separated member list every node's configuration carries. */
  String members() {
    List<String> m = new ArrayList<>();
    nodes.forEach(n -> m.add(n.member()));
    return String.join(",", m);
  }
}
