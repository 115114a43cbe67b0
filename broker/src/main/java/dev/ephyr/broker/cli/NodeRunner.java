package dev.ephyr.broker.cli;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.broker.config.NodeConfig;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/** Starts a node, reports it, waits for the stop signal (Ctrl-C) and closes it cleanly. */
final class NodeRunner {
  private static final long CLOSE_TIMEOUT_SECONDS = 30;

  private NodeRunner() {}

  /** Runs until stopped; {@code onStarted} prints what the user needs. Returns the exit code. */
  static int run(NodeConfig config, Io io, Consumer<Node> onStarted) throws CliException {
    return run(config, null, io, onStarted);
  }

  /** As {@link #run(NodeConfig, Io, Consumer)}; {@code reader} (null: none) reads the configuration again on reload. */
  static int run(NodeConfig config, NodeConfig.Reader reader, Io io, Consumer<Node> onStarted) throws CliException {
    Node node;
    try {
      node = (reader == null ? Node.start(config) : Node.start(config, null, reader))
          .toCompletionStage().toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failed("interrupted while starting");
    } catch (ExecutionException e) {
      String why = rootMessage(e.getCause());
      if (why.toLowerCase(java.util.Locale.ROOT).contains("address already in use")) {
        why += " (another process holds http " + config.http().host() + ":" + config.http().port()
            + " or the cluster port)";
      }
      throw CliException.failed("cannot start the node: " + why);
    }
    onStarted.accept(node);
    try {
      io.stop().await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    io.err().println("stopping node " + node.nodeId() + " ...");
    try {
      node.close().toCompletionStage().toCompletableFuture().get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      throw CliException.failed("the node did not close cleanly: " + rootMessage(e));
    }
    io.err().println("stopped");
    return 0;
  }

  /** The most useful one-line message in a cause chain: a config problem as is, else the deepest message. */
  static String rootMessage(Throwable t) {
    Throwable deepest = t;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ConfigException) {
        return oneLine(c.getMessage());
      }
      if (c.getMessage() != null) {
        deepest = c;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    String m = deepest.getMessage();
    return oneLine(m == null ? deepest.getClass().getSimpleName() : m);
  }

  private static String oneLine(String s) {
    return s.replaceAll("\\s+", " ").trim();
  }
}
