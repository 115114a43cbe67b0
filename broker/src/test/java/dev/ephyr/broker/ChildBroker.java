package dev.ephyr.broker;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.config.NodeConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Main class of a broker node in a child JVM: starts a node from a YAML file, prints {@code @@ ready <port>},
 * and closes the node when its standard input ends (the parent closed it or died).
 */
public final class ChildBroker {
  private ChildBroker() {}

  public static void main(String[] args) throws Exception {
    NodeConfig config = NodeConfig.load(Path.of(args[0]), System.getenv());
    Node node = Node.start(config).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    System.out.println("@@ ready " + node.port());
    System.out.flush();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      while (in.readLine() != null) {
        // wait for EOF
      }
    }
    node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    System.exit(0);
  }
}
