package dev.ephyr.broker.cli;

import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.broker.config.NodeConfig;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.PolicyException;
import dev.ephyr.broker.ssh.signer.CaKeyFile;
import dev.ephyr.broker.ssh.signer.SignerSetupException;
import dev.ephyr.protocol.keys.Keyring;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  private static final int MAX_SOCKET_PATH = 100; // sun_path is 108 bytes on Linux, less elsewhere

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


  @Override
  public int run(Args args, Io io) throws CliException {
    args.positionals(0, 0, "");
    InitAnswers a = args.flag("--interactive") ? InitAnswers.ask(args, io) : InitAnswers.fromFlags(args, io);
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
    io.out().print(InitTemplates.nextSteps(layout, a, io));
    return 0;
  }


  /** Every file's path and bytes, made before anything is written, so a failure leaves nothing behind. */
  private Map<Path, byte[]> render(InitLayout layout, InitAnswers a, Io io) throws CliException {
    Path dir = a.dir();
    Map<Path, byte[]> files = new LinkedHashMap<>();
    Keyring keyring = Keyring.generate("k1", io.random());
    files.put(dir.resolve("keyring.json"), keyring.toJson(dev.ephyr.protocol.InsecureSecretAccess.get()));
    String adminKey = ApiKeys.generate(io.random());
    String agentKey = ApiKeys.generate(io.random());
    String policy = InitTemplates.starterPolicy(a, ApiKeys.hash(agentKey), ApiKeys.hash(adminKey));
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
      files.put(nodeDir.resolve("node.yaml"), utf8(InitTemplates.nodeConfig(layout, n, a)));
      if (a.ssh()) {
        files.put(nodeDir.resolve("signer.env"), utf8(InitTemplates.signerEnv(n, nodeDir, a)));
        Path socket = nodeDir.resolve("signer").resolve("signer.sock").toAbsolutePath();
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
          io.err().println("warning: " + socket + " is too long for a Unix socket; set EPHYR_SIGNER_SOCKET in "
              + nodeDir.resolve("signer.env") + " and ssh.signer-socket in node.yaml to a shorter path");
        }
      }
    }
    files.put(dir.resolve("README"), utf8(InitTemplates.readme(layout, a, io)));
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

}
