package dev.ephyr.broker.cli;

import dev.ephyr.broker.boot.Node;
import java.io.PrintStream;

/**
 * SIGHUP to {@code ephyr node} reloads the node's configuration file, as {@code ephyr admin config-reload} does for
 * that node ({@code systemctl reload}, {@code kill -HUP}). The outcome goes to stderr, the log and the audit trail.
 * With the handler in place a hangup no longer stops the node: stop it with SIGTERM or Ctrl-C.
 */
final class HangupReload {
  private HangupReload() {}

  /** Installs the handler for {@code node}; {@code false} where the platform has no SIGHUP. */
  static boolean install(Node node, PrintStream err) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> node.reloadConfig().onComplete(ar -> {
        if (ar.succeeded()) {
          err.println("configuration reload (SIGHUP): " + ar.result().summary());
        } else {
          err.println("configuration reload (SIGHUP) refused, nothing changed: " + NodeRunner.rootMessage(ar.cause()));
        }
        err.flush();
      }));
      return true;
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      return false;
    }
  }
}
