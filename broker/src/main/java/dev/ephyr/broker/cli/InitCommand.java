package dev.ephyr.broker.cli;

import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.broker.config.NodeConfig;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.PolicyException;
import dev.ephyr.broker.ssh.signer.CaKeyFile;
import dev.ephyr.broker.ssh.signer.SignerSetupException;
import dev.ephyr.protocol.keys.Keyring;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code ephyr init}: writes everything a cluster of N nodes needs into one directory — the keyring, a starter
 * policy, an admin credential and an agent key, and per node its configuration, data folder and SSH signer setup
 * — with owner-only modes, refusing to overwrite anything unless told to, and prints the commands that follow.
 */
final class InitCommand implements Command {
  static final String DEFAULT_DIR = "ephyr-cluster";
  static final int DEFAULT_HTTP_PORT = 8601;
  static final int DEFAULT_CLUSTER_PORT = 5801;
  private static final int MAX_ANSWER = 1024;
  private static final int MAX_SOCKET_PATH = 100; // sun_path is 108 bytes on Linux, less elsewhere
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,31}");

  @Override
  public String name() {
    return "init";
  }

  @Override
  public String summary() {
    return "write a cluster's keyring, policy, admin key and per-node configuration";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr init [--nodes N] [--hosts HOST[,HOST...]] [--dir DIR] [options]
               ephyr init --interactive

        Writes into DIR (default ./ephyr-cluster, mode 0700) what a cluster of N nodes needs:
          keyring.json       the master keys, once, for every node (0600)
          policy.yaml        a starter policy with an agent and an admin (validated before it is written)
          admin.key          the admin credential of --admin (0600); its hash is in the policy
          agent.key          the API key of --agent (0600); its hash is in the policy
          nK/node.yaml       node K's configuration (ephyr node --config); relative paths resolve against it
          nK/data/           node K's data: audit trail and durable state (0700)
          nK/ssh-ca          node K's SSH CA key, held by its signer (0600; not with --no-ssh)
          nK/signer.env      node K's signer settings (key, socket, principals), also for its systemd unit
          README             what is where and the commands to run next
        Nodes that share a host get consecutive ports from --http-port and --cluster-port; nodes on
        different hosts get the same ports. Nothing is overwritten without --force, and nothing is written
        when any value is wrong. With --interactive the same values are asked for on the terminal (one
        answer per line; an empty answer takes the default shown).
        """;
  }

  @Override
  public String footer() {
    return "Exit codes: 0 written, 1 could not write (or a file exists), 2 bad options.";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.value("--nodes", "N", "how many nodes (1-64; default 3)"),
        Options.value("--hosts", "LIST", "one host name or IP address per node, comma-separated, or one for all"
            + " (default 127.0.0.1)"),
        Options.value("--dir", "DIR", "where to write (default ./ephyr-cluster; created with mode 0700)"),
        Options.value("--http-port", "PORT", "first HTTP port (default 8601)"),
        Options.value("--cluster-port", "PORT", "first cluster (Hazelcast) port (default 5801)"),
        Options.value("--cluster-name", "NAME", "the cluster's name (default ephyr)"),
        Options.value("--admin", "NAME", "the admin's name in the policy (default admin)"),
        Options.value("--agent", "NAME", "the first agent's name in the policy (default agent)"),
        Options.value("--principals", "LIST", "SSH accounts the signers may certify (default ops-ro)"),
        Options.flag("--no-ssh", "leave SSH off: no CA keys, no signer settings, no ssh.signer-socket"),
        Options.flag("--interactive", "ask for the values instead (read from the terminal or stdin)"),
        Options.flag("--force", "overwrite files that already exist (a new keyring invalidates every token)"));
  }

  /** The values the layout is made from, whether given as flags or answered. */
  private record Answers(int nodes, List<String> hosts, Path dir, int httpPort, int clusterPort, String clusterName,
      String admin, String agent, List<String> principals, boolean ssh) {}

  @Override
  public int run(Args args, Io io) throws CliException {
    args.positionals(0, 0, "");
    Answers a = args.flag("--interactive") ? ask(args, io) : fromFlags(args, io);
    InitLayout layout;
    try {
      layout = InitLayout.plan(a.clusterName(), a.nodes(), a.hosts(), a.httpPort(), a.clusterPort());
    } catch (IllegalArgumentException e) {
      throw CliException.usage(name(), e.getMessage());
    }
    Path dir = a.dir();
    Map<Path, byte[]> files = render(layout, a, io);
    List<Path> caKeys = new ArrayList<>();
    if (a.ssh()) {
      layout.nodes().forEach(n -> caKeys.add(dir.resolve(n.id()).resolve("ssh-ca")));
    }
    boolean force = args.flag("--force");
    refuseExisting(dir, files.keySet(), caKeys, force);
    checkConfigs(layout, dir, files);

    SecureFiles.createPrivateDir(dir);
    for (InitLayout.Node n : layout.nodes()) {
      SecureFiles.createPrivateDir(dir.resolve(n.id()));
      SecureFiles.createPrivateDir(dir.resolve(n.id()).resolve("data"));
      if (a.ssh()) {
        SecureFiles.createPrivateDir(dir.resolve(n.id()).resolve("signer"));
      }
    }
    SecureFiles.Mode mode = force ? SecureFiles.Mode.REPLACE : SecureFiles.Mode.CREATE_NEW;
    for (Map.Entry<Path, byte[]> f : files.entrySet()) {
      SecureFiles.writeSecret(f.getKey(), f.getValue(), mode);
    }
    for (Path key : caKeys) {
      try {
        if (force) {
          Files.deleteIfExists(key);
        }
        CaKeyFile.create(key, io.random());
      } catch (IOException e) {
        throw CliException.failed("cannot replace " + key + ": " + SecureFiles.describe(e));
      } catch (SignerSetupException e) {
        throw CliException.failed(e.getMessage());
      }
    }
    io.out().println("wrote a " + layout.nodes().size() + "-node cluster layout to " + dir + " (mode 0700; keys 0600)");
    io.out().println();
    io.out().print(nextSteps(layout, a, io));
    return 0;
  }

  private Answers fromFlags(Args args, Io io) throws CliException {
    return new Answers(number(args.option("--nodes", "3"), "--nodes"), list(args.option("--hosts", "127.0.0.1")),
        io.path(args.option("--dir", DEFAULT_DIR)), number(args.option("--http-port", "" + DEFAULT_HTTP_PORT),
            "--http-port"), number(args.option("--cluster-port", "" + DEFAULT_CLUSTER_PORT), "--cluster-port"),
        args.option("--cluster-name", "ephyr"), name(args.option("--admin", "admin"), "--admin"),
        name(args.option("--agent", "agent"), "--agent"), principals(args.option("--principals", "ops-ro")),
        !args.flag("--no-ssh"));
  }

  /** The same values, asked one per line; a flag given as well becomes the question's default. */
  private Answers ask(Args args, Io io) throws CliException {
    BufferedReader in = new BufferedReader(new InputStreamReader(io.in(), StandardCharsets.UTF_8));
    int nodes = number(prompt(in, io, "Number of nodes", args.option("--nodes", "3")), "nodes");
    String hostsDefault = args.option("--hosts", nodes == 1 ? "127.0.0.1" : "127.0.0.1 (all nodes)");
    String hosts = prompt(in, io, "Hosts, one per node, comma-separated", hostsDefault);
    if (hosts.endsWith(" (all nodes)")) {
      hosts = hosts.substring(0, hosts.length() - " (all nodes)".length());
    }
    int http = number(prompt(in, io, "First HTTP port", args.option("--http-port", "" + DEFAULT_HTTP_PORT)),
        "HTTP port");
    int cluster = number(prompt(in, io, "First cluster port",
        args.option("--cluster-port", "" + DEFAULT_CLUSTER_PORT)), "cluster port");
    String clusterName = prompt(in, io, "Cluster name", args.option("--cluster-name", "ephyr"));
    Path dir = io.path(prompt(in, io, "Directory to write", args.option("--dir", DEFAULT_DIR)));
    String admin = name(prompt(in, io, "Admin name", args.option("--admin", "admin")), "admin name");
    String agent = name(prompt(in, io, "First agent's name", args.option("--agent", "agent")), "agent name");
    String ssh = prompt(in, io, "SSH signers (yes/no)", args.flag("--no-ssh") ? "no" : "yes");
    if (!ssh.equals("yes") && !ssh.equals("no")) {
      throw CliException.usage(name(), "answer yes or no for SSH signers, got '" + ssh + "'");
    }
    List<String> principals = List.of("ops-ro");
    if (ssh.equals("yes")) {
      principals = principals(prompt(in, io, "SSH accounts the signers may certify",
          args.option("--principals", "ops-ro")));
    }
    io.out().println();
    return new Answers(nodes, list(hosts), dir, http, cluster, clusterName, admin, agent, principals, ssh.equals("yes"));
  }

  private String prompt(BufferedReader in, Io io, String question, String dflt) throws CliException {
    io.out().print(question + " [" + dflt + "]: ");
    io.out().flush();
    StringBuilder line = new StringBuilder();
    try {
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        if (line.length() >= MAX_ANSWER) {
          throw CliException.usage(name(), "an answer is longer than " + MAX_ANSWER + " characters");
        }
        line.append((char) c);
      }
      if (c == -1 && line.length() == 0) {
        io.out().println();
        throw CliException.usage(name(), "input ended before every question was answered (" + question + ")");
      }
    } catch (IOException e) {
      throw CliException.failed("cannot read the answers: " + SecureFiles.describe(e));
    }
    String answer = line.toString().strip();
    return answer.isEmpty() ? dflt : answer;
  }

  private int number(String text, String what) throws CliException {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw CliException.usage(name(), what + " must be a whole number, got '" + text + "'");
    }
  }

  private String name(String text, String what) throws CliException {
    if (!NAME.matcher(text).matches()) {
      throw CliException.usage(name(), what + " must be a letter or digit, then up to 63 of A-Z a-z 0-9 . _ -");
    }
    return text;
  }

  private List<String> principals(String csv) throws CliException {
    List<String> out = list(csv);
    if (out.isEmpty()) {
      throw CliException.usage(name(), "--principals must name at least one account");
    }
    for (String p : out) {
      if (!PRINCIPAL.matcher(p).matches()) {
        throw CliException.usage(name(), "--principals: '" + p + "' is not an account name");
      }
    }
    return out;
  }

  private static List<String> list(String csv) {
    List<String> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      if (!s.isBlank()) {
        out.add(s.strip());
      }
    }
    return out;
  }

  /** Every file's path and bytes, made before anything is written, so a failure leaves nothing behind. */
  private Map<Path, byte[]> render(InitLayout layout, Answers a, Io io) throws CliException {
    Path dir = a.dir();
    Map<Path, byte[]> files = new LinkedHashMap<>();
    Keyring keyring = Keyring.generate("k1", io.random());
    files.put(dir.resolve("keyring.json"), keyring.toJson(dev.ephyr.protocol.InsecureSecretAccess.get()));
    String adminKey = ApiKeys.generate(io.random());
    String agentKey = ApiKeys.generate(io.random());
    String policy = starterPolicy(a, ApiKeys.hash(agentKey), ApiKeys.hash(adminKey));
    try {
      Policy.parse(policy, "policy.yaml"); // the nodes' own parser: a starter policy that does not load is our bug
    } catch (PolicyException e) {
      throw CliException.failed("the starter policy does not validate: " + e.getMessage());
    }
    files.put(dir.resolve("policy.yaml"), utf8(policy));
    files.put(dir.resolve("admin.key"), utf8(adminKey + "\n"));
    files.put(dir.resolve("agent.key"), utf8(agentKey + "\n"));
    for (InitLayout.Node n : layout.nodes()) {
      Path nodeDir = dir.resolve(n.id());
      files.put(nodeDir.resolve("node.yaml"), utf8(nodeConfig(layout, n, a)));
      if (a.ssh()) {
        files.put(nodeDir.resolve("signer.env"), utf8(signerEnv(n, nodeDir, a)));
        Path socket = nodeDir.resolve("signer").resolve("signer.sock").toAbsolutePath();
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
          io.err().println("warning: " + socket + " is too long for a Unix socket; set EPHYR_SIGNER_SOCKET in "
              + nodeDir.resolve("signer.env") + " and ssh.signer-socket in node.yaml to a shorter path");
        }
      }
    }
    files.put(dir.resolve("README"), utf8(readme(layout, a, io)));
    return files;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Names the first file that exists (unless {@code --force}), before anything is written. */
  private static void refuseExisting(Path dir, Iterable<Path> files, List<Path> caKeys, boolean force)
      throws CliException {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw CliException.failed(dir + " exists and is not a directory");
    }
    if (force) {
      return;
    }
    List<Path> all = new ArrayList<>();
    files.forEach(all::add);
    all.addAll(caKeys);
    for (Path p : all) {
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        throw CliException.failed(p + " already exists; nothing was written (pass --force to overwrite, which makes"
            + " a new keyring: every token minted under the old one stops verifying)");
      }
    }
  }

  /** Each node's configuration read by the node's own loader (with the files it names still unwritten). */
  private static void checkConfigs(InitLayout layout, Path dir, Map<Path, byte[]> files) throws CliException {
    for (InitLayout.Node n : layout.nodes()) {
      Path tmp = null;
      try {
        tmp = Files.createTempFile("ephyr-init-", ".yaml");
        Files.write(tmp, files.get(dir.resolve(n.id()).resolve("node.yaml")));
        NodeConfig.load(tmp, Map.of());
      } catch (ConfigException e) {
        throw CliException.failed("the configuration of " + n.id() + " does not load: " + e.getMessage());
      } catch (IOException e) {
        throw CliException.failed("cannot check the configuration of " + n.id() + ": " + SecureFiles.describe(e));
      } finally {
        if (tmp != null) {
          try {
            Files.deleteIfExists(tmp);
          } catch (IOException ignored) {
            // a stray temp file holds nothing secret
          }
        }
      }
    }
  }

  static String starterPolicy(Answers a, String agentHash, String adminHash) {
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

  static String nodeConfig(InitLayout layout, InitLayout.Node n, Answers a) {
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
  private static String signerEnv(InitLayout.Node n, Path nodeDir, Answers a) throws CliException {
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

  private static String readme(InitLayout layout, Answers a, Io io) {
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

  static String nextSteps(InitLayout layout, Answers a, Io io) {
    String ephyr = launcher(io);
    Path dir = a.dir();
    StringBuilder s = new StringBuilder("Next, ");
    if (a.ssh()) {
      s.append("start each node's SSH signer, then the node (one terminal each, or the systemd units in "
          + "deploy/systemd):\n");
    } else {
      s.append("start each node (one terminal each, or the systemd unit in deploy/systemd):\n");
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
