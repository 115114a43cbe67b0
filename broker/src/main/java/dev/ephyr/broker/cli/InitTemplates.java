package dev.ephyr.broker.cli;

import java.nio.file.Path;

/** The text of the files {@code ephyr init} writes, and of the next steps it prints. */
final class InitTemplates {
  private InitTemplates() {}

  /** A policy with the agent and the admin (by their hashes) and SSH examples commented out; it must validate. */
  static String starterPolicy(InitAnswers a, String agentHash, String adminHash) {
    StringBuilder p = new StringBuilder();
    p.append("""
        # Starter policy written by `ephyr init`. Every node must load the same file; a node reloads it within
        # seconds of a change (a bad edit is refused and the old policy stays). Schema: docs/policy.md.
        # Check edits with: ephyr policy validate policy.yaml
        version: 1

        agents:
          %s:
            description: the first agent (its API key is in agent.key)
            api_keys: ["%s"]
            delegate: true
            max_depth: 2
            max_task_ttl: 8h
            default_task_ttl: 1h
        """.formatted(a.agent(), agentHash));
    if (a.ssh()) {
      p.append("""
                # SSH: uncomment, pin the target's host key (ssh-keyscan -t ed25519 HOST), and add to the agent
                #   targets: [web]
                #   roles: [read]
            # roles:
            #   read: { principal: %s, extensions: [permit-pty] }
            # targets:
            #   web: { host: 10.0.0.5, port: 22, host_key: "ssh-ed25519 AAAA...", roles: [read] }
            """.formatted(a.principals().get(0)));
    }
    p.append("""

        admins:
          %s:
            description: the operator (credential in admin.key)
            credential: "%s"
        """.formatted(a.admin(), adminHash));
    return p.toString();
  }

  /** Node {@code n}'s configuration, with paths relative to its own folder ({@code nK/}). */
  static String nodeConfig(InitLayout layout, InitLayout.Node n, InitAnswers a) {
    String config = """
        # Node %s of cluster %s, written by `ephyr init`. Every key: docs/operations.md §8.
        # Relative paths resolve against this file's folder.
        node:
          id: %s
          data-dir: data
          keyring: ../keyring.json
          policy: ../policy.yaml
        http:
          host: %s
          port: %d
        cluster:
          name: %s
          bind-host: %s
          port: %d
          members: "%s"
        """.formatted(n.id(), layout.clusterName(), n.id(), n.host(), n.httpPort(), layout.clusterName(), n.host(),
        n.clusterPort(), layout.members());
    if (a.ssh()) {
      config += """
          ssh:
            signer-socket: signer/signer.sock   # start the signer first (signer.env), or remove this line
          """;
    }
    return config;
  }

  /** Values in double quotes, which both sh and systemd's EnvironmentFile= read; paths that need escaping are refused. */
  static String signerEnv(InitLayout.Node n, Path nodeDir, InitAnswers a) throws CliException {
    String dir = nodeDir.toAbsolutePath().toString();
    if (!dir.matches("[^\"$`\\\\\n\r]+")) {
      throw CliException.failed("cannot write signer settings for " + dir + ": the path holds a quote, $, ` or"
          + " backslash (choose another --dir, or pass --no-ssh)");
    }
    return """
        # The SSH signer of node %s (ephyr signer), written by `ephyr init`; the systemd unit reads this file.
        EPHYR_SIGNER_KEY="%s"
        EPHYR_SIGNER_SOCKET="%s"
        EPHYR_SIGNER_PRINCIPALS="%s"
        """.formatted(n.id(), nodeDir.resolve("ssh-ca").toAbsolutePath(),
        nodeDir.resolve("signer").resolve("signer.sock").toAbsolutePath(), String.join(",", a.principals()));
  }

  private static String launcher(Io io) {
    String l = io.env().get("EPHYR_LAUNCHER");
    return l == null || l.isBlank() ? "ephyr" : l;
  }

  /** The layout's README: what each file is, and the next steps. */
  static String readme(InitLayout layout, InitAnswers a, Io io) {
    return "# ephyr cluster layout (written by `ephyr init`)\n\n"
        + "keyring.json   master keys: the same file on every node (0600; copy over an authenticated channel)\n"
        + "policy.yaml    the policy: the same file on every node\n"
        + "admin.key      the credential of admin '" + a.admin() + "' (0600)\n"
        + "agent.key      the API key of agent '" + a.agent() + "' (0600)\n"
        + "nK/node.yaml   node K's configuration; it names ../keyring.json and ../policy.yaml\n"
        + (a.ssh() ? "nK/ssh-ca      node K's SSH CA key (0600), nK/signer.env its signer settings\n" : "")
        + "\nOn separate hosts, copy keyring.json, policy.yaml and nK/ to host K, keeping this layout.\n\n"
        + nextSteps(layout, a, io);
  }

  /** The commands to run next, named with the launcher that ran {@code init} ({@code EPHYR_LAUNCHER}). */
  static String nextSteps(InitLayout layout, InitAnswers a, Io io) {
    String ephyr = launcher(io);
    Path dir = a.dir();
    StringBuilder s = new StringBuilder("Next, ");
    if (a.ssh()) {
      s.append("start each node's SSH signer, then the node (one terminal each, or the systemd units in "
          + "the release archive's systemd/ folder, deploy/systemd in a checkout):\n");
    } else {
      s.append("start each node (one terminal each, or the systemd unit in the release archive's systemd/ "
          + "folder, deploy/systemd in a checkout):\n");
    }
    for (InitLayout.Node n : layout.nodes()) {
      String on = hostsDiffer(layout) ? "   # on " + n.host() : "";
      if (a.ssh()) {
        s.append("  (. ").append(dir.resolve(n.id()).resolve("signer.env")).append(" && ").append(ephyr)
            .append(" signer --key \"$EPHYR_SIGNER_KEY\" --socket \"$EPHYR_SIGNER_SOCKET\" --principals "
                + "\"$EPHYR_SIGNER_PRINCIPALS\")").append(on).append('\n');
      }
      s.append("  ").append(ephyr).append(" node --config ").append(dir.resolve(n.id()).resolve("node.yaml"))
          .append(on).append('\n');
    }
    InitLayout.Node first = layout.nodes().get(0);
    s.append("\nThen check them, as admin '").append(a.admin()).append("':\n");
    s.append("  curl -s ").append(first.url()).append("/readyz\n");
    s.append("  EPHYR_ADMIN_KEY_FILE=").append(dir.resolve("admin.key")).append(' ').append(ephyr)
        .append(" admin status --url ").append(first.url()).append('\n');
    s.append("\nGive agent '").append(a.agent()).append("' the API key in ").append(dir.resolve("agent.key"))
        .append(" and the MCP endpoint ").append(first.url()).append("/mcp (docs/mcp-clients.md).\n");
    return s.toString();
  }

  private static boolean hostsDiffer(InitLayout layout) {
    return layout.nodes().stream().map(InitLayout.Node::host).distinct().count() > 1;
  }
}
