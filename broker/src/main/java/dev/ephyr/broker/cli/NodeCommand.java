package dev.ephyr.broker.cli;

import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.broker.config.NodeConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr node --config FILE}: runs a production broker node until Ctrl-C or SIGTERM. */
final class NodeCommand implements Command {
  @Override
  public String name() {
    return "node";
  }

  @Override
  public String summary() {
    return "run a broker node from a configuration file";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr node [--config FILE] [--watch-parent] [--accept-missing-audit-head]

        Runs a broker node: joins the cluster, serves MCP and the REST front, and reloads the policy when
        it changes ('ephyr admin config-reload', or SIGHUP to this process, applies the settings of FILE that
        may change live). Every setting has a default; FILE (YAML) sets some, and EPHYR_<KEY> environment
        variables override single settings (http.port <= EPHYR_HTTP_PORT). Stops cleanly on Ctrl-C or
        SIGTERM. See docs/operations.md for the keys.
        """;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.value("--config", "FILE", "the node's configuration file (without it: defaults and"
        + " environment only)"),
        Options.flag("--watch-parent", "stop cleanly when the process that started this one exits (for"
            + " supervisors and the load driver, so a killed parent leaves no orphaned node behind)"),
        Options.flag("--accept-missing-audit-head", "start even though the audit trail's head file is missing,"
            + " forged or names records the files no longer hold (the node refuses otherwise, since writing on"
            + " would hide a cut trail); the acceptance is recorded in the trail. Run 'ephyr audit verify'"
            + " first. Same as the setting audit.accept-missing-head: true"));
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    args.positionals(0, 0, "");
    String file = args.option("--config");
    Path config = file == null ? null : io.path(file);
    NodeConfig nodeConfig;
    NodeConfig.Reader reader;
    try {
      Map<String, String> env = new HashMap<>(io.env());
      if (args.flag("--accept-missing-audit-head")) {
        env.put(NodeConfig.envName("audit.accept-missing-head"), "true"); // the flag wins over file and environment
      }
      reader = NodeConfig.reader(config, env); // a reload reads the same file and the environment of the start
      nodeConfig = reader.read();
    } catch (ConfigException e) {
      throw CliException.failed(e.getMessage());
    }
    if (args.flag("--watch-parent")) {
      // onExit of a non-child process is polled by the JDK; a second's delay is fine for an orphan.
      ProcessHandle.current().parent().ifPresentOrElse(
          p -> p.onExit().thenRun(() -> {
            io.err().println("parent process " + p.pid() + " exited; stopping");
            io.stop().fire();
          }),
          () -> io.stop().fire());
    }
    return NodeRunner.run(nodeConfig, reader, io, node -> {
      HangupReload.install(node, io.err());
      io.out().println("node " + node.nodeId() + " serving MCP at " + node.mcpUrl());
      io.out().println("policy " + nodeConfig.node().policy() + ", keyring " + nodeConfig.node().keyring());
      io.out().flush();
    });
  }
}
