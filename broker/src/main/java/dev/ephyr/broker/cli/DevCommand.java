package dev.ephyr.broker.cli;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.broker.config.NodeConfig;
import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.PolicyException;
import dev.ephyr.protocol.keys.Keyring;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code ephyr dev}: a one-node cluster on loopback with its state (keyring, demo policy, demo agent key) in
 * {@code ./.ephyr-dev/}, reused on the next run; prints the agent key and ready-to-paste MCP client config.
 */
final class DevCommand implements Command {
  private static final java.time.Duration READY_WAIT = java.time.Duration.ofSeconds(60);

  static final String DEFAULT_DIR = ".ephyr-dev";
  static final String AGENT = "demo";
  static final int DEFAULT_PORT = 8554;
  /** First line of the README that marks a directory as ours, so --reset never deletes anything else. */
  static final String MARKER = "# ephyr dev state";

  @Override
  public String name() {
    return "dev";
  }

  @Override
  public String summary() {
    return "run a one-node dev cluster on 127.0.0.1:8554 with a demo policy and agent";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr dev [--reset] [--dir DIR] [--port PORT]

        Starts a one-node cluster with MCP on http://127.0.0.1:8554/mcp. The first run creates DIR
        (default ./.ephyr-dev, mode 0700) with a keyring, a demo policy and the API key of the agent
        'demo' (in DIR/agent.key, mode 0600); later runs reuse them. Edit DIR/policy.yaml while it runs:
        the node reloads it. Prints the API key and MCP client configuration. Ctrl-C stops it.
        """;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.flag("--reset", "delete DIR first: new keyring, new policy, new API key"),
        Options.value("--dir", "DIR", "where the dev state lives (default .ephyr-dev)"),
        Options.value("--port", "PORT", "MCP/HTTP port on 127.0.0.1 (default 8554)"));
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    args.positionals(0, 0, "");
    Path dir = io.path(args.option("--dir", DEFAULT_DIR));
    int port = args.port("--port", DEFAULT_PORT);
    if (args.flag("--reset")) {
      reset(dir, io);
    }
    DevState state = prepare(dir, io);
    NodeConfig config;
    DevSigner signer = startSigner(state);
    try {
      config = NodeConfig.builder()
          .nodeId("dev")
          .listen("127.0.0.1", port)
          .dataDir(dir.resolve("data"))
          .keyring(state.keyring())
          .policy(state.policy())
          .set("cluster.bind-host", "127.0.0.1")
          .set("cluster.port", "0") // one member, nobody joins it: any free port avoids clashing with a real node
          .set("audit.dir", dir.resolve("audit").toString())
          .set("state.dir", dir.resolve("state").toString())
          .set("ssh.signer-socket", signer.socket().toString())
          .build();
    } catch (ConfigException e) {
      signer.close();
      throw CliException.failed(e.getMessage());
    }
    try {
      return NodeRunner.run(config, io, node -> {
        awaitReady(node, io);
        banner(node, state, io);
      });
    } finally {
      signer.close();
    }
  }

  /** The SSH signer as a child process, allowing the principals of the dev policy's roles. */
  private static DevSigner startSigner(DevState state) throws CliException {
    try {
      return DevSigner.start(state.dir(), Policy.load(state.policy()));
    } catch (PolicyException e) {
      throw CliException.failed(e.getMessage());
    }
  }

  /** The files of a prepared dev directory and the agent key, if it is still stored. */
  record DevState(Path dir, Path keyring, Path policy, String apiKey, boolean created) {}

  /** Creates what is missing in {@code dir}, checks what is there, and returns the state to run with. */
  static DevState prepare(Path dir, Io io) throws CliException {
    boolean created = !Files.isDirectory(dir);
    SecureFiles.createPrivateDir(dir);
    Path readme = dir.resolve("README");
    Path keyringFile = dir.resolve("keyring.json");
    Path policyFile = dir.resolve("policy.yaml");
    Path keyFile = dir.resolve("agent.key");
    if (!Files.exists(readme)) {
      writePlain(readme, MARKER + "\n\nWritten by `ephyr dev`; delete it with `ephyr dev --reset`.\n"
          + "keyring.json  master keys of this dev cluster (0600)\n"
          + "policy.yaml   the demo policy; edits are picked up while the node runs\n"
          + "agent.key     the API key of agent '" + AGENT + "' (0600; its hash is in policy.yaml)\n"
          + "admin.key     the admin credential of operator 'dev' (0600), for `ephyr admin ...`\n"
          + "audit/        the node's chained audit files (check with `ephyr audit verify`)\n"
          + "ssh-ca        the SSH CA key held by the signer child process (0600); signer.log its signatures\n"
          + "state/        durable security state: revocations, tasks, bindings, certificates (0700)\n"
          + "data/         node data\n");
    }
    if (!Files.exists(keyringFile)) {
      KeyringFiles.write(keyringFile, Keyring.generate("dev1", io.random()), SecureFiles.Mode.CREATE_NEW);
    } else {
      KeyringFiles.read(keyringFile, io); // fail now with a clear message rather than inside the node
    }
    if (!Files.exists(policyFile)) {
      String key = ApiKeys.generate(io.random());
      SecureFiles.writeSecret(keyFile, (key + "\n").getBytes(StandardCharsets.UTF_8), SecureFiles.Mode.REPLACE);
      // An operator credential for `ephyr admin ...` against the dev node, kept like the agent key.
      String adminKey = ApiKeys.generate(io.random());
      SecureFiles.writeSecret(dir.resolve("admin.key"), (adminKey + "\n").getBytes(StandardCharsets.UTF_8),
          SecureFiles.Mode.REPLACE);
      writePlain(policyFile, demoPolicy(ApiKeys.hash(key)) + "\nadmins:\n  dev:\n    description: the operator of"
          + " the dev node (credential in admin.key)\n    credential: \"" + ApiKeys.hash(adminKey) + "\"\n");
    }
    Policy policy;
    try {
      policy = Policy.load(policyFile);
    } catch (PolicyException e) {
      throw CliException.failed(dir.getFileName() + "/" + e.getMessage()
          + " — fix it, or start afresh with: ephyr dev --reset");
    }
    String key = null;
    if (Files.exists(keyFile)) {
      String stored = new String(SecureFiles.read(keyFile, 4096), StandardCharsets.UTF_8).trim();
      if (ApiKeys.isWellFormedKey(stored) && policy.agentForApiKey(stored).isPresent()) {
        key = stored;
      }
    }
    try {
      Files.createDirectories(dir.resolve("data"));
    } catch (IOException e) {
      throw CliException.failed("cannot create " + dir.resolve("data") + ": " + SecureFiles.describe(e));
    }
    return new DevState(dir, keyringFile, policyFile, key, created);
  }

  /** Deletes a dev directory, but only one that {@code ephyr dev} made. */
  static void reset(Path dir, Io io) throws CliException {
    if (!Files.exists(dir)) {
      return;
    }
    Path readme = dir.resolve("README");
    boolean ours;
    try {
      ours = Files.isRegularFile(readme) && Files.readString(readme, StandardCharsets.UTF_8).startsWith(MARKER);
    } catch (IOException e) {
      ours = false;
    }
    if (!ours) {
      throw CliException.failed("refusing to delete " + dir + ": it was not created by ephyr dev (no README marker)");
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw CliException.failed("cannot delete " + dir + ": " + SecureFiles.describe(e));
    }
    io.err().println("removed " + dir);
  }

  static String demoPolicy(String keyHash) {
    return """
        # Demo policy written by `ephyr dev`. Edit it while the node runs: changes apply within seconds, and a
        # bad edit is refused (the old policy stays in force and the node logs why). Schema: docs/policy.md
        version: 1

        agents:
          demo:
            description: the agent whose API key `ephyr dev` prints
            api_keys: ["%s"]
            services: [httpbin]
            methods: [GET]
            delegate: true
            max_depth: 3
            delegate_to: [helper]
            max_task_ttl: 8h
            default_task_ttl: 1h
            templates: [browse]
          helper:
            description: a sub-agent that demo may delegate to (it has no API key of its own)
            services: [httpbin]
            methods: [GET]

        templates:
          browse:
            description: read-only access to the demo service for 15 minutes
            services: [httpbin]
            methods: [GET]
            ttl: 15m

        services:
          httpbin:
            origin: https://httpbin.org
            methods: [GET]
            paths: ["/get", "/anything/**"]

        # SSH and federated MCP servers, when you have them:
        # roles:
        #   read: { principal: ops-ro, extensions: [permit-pty] }
        # targets:
        #   web: { host: 127.0.0.1, port: 22, host_key: "ssh-ed25519 AAAA...", roles: [read] }
        # remotes:
        #   gh: { url: "https://mcp.example/mcp", auth: { type: bearer, secret_env: GH_TOKEN } }
        """.formatted(keyHash);
  }

  /**
   * A one-node cluster is ready once it has loaded its state store; the endpoint printed in the banner should
   * answer the first call, not a 503 while the store loads.
   */
  private static void awaitReady(Node node, Io io) {
    try {
      if (!node.cluster().awaitReady(READY_WAIT)) {
        io.err().println("ephyr dev: the node is not ready after " + READY_WAIT.toSeconds() + " s ("
            + node.cluster().readiness() + "); calls answer 503 until it is");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void banner(Node node, DevState state, Io io) {
    PrintStream out = io.out();
    String url = node.mcpUrl();
    out.println();
    out.println("Ephyr dev node is running (one-node cluster, state in " + state.dir() + ")");
    out.println("  MCP endpoint  " + url);
    out.println("  agent         " + AGENT);
    out.println("  SSH CA keys   " + node.publicUrl() + "/v1/ssh/ca (for TrustedUserCAKeys; see docs/ssh.md)");
    if (state.apiKey() == null) {
      out.println("  API key       not available: " + state.dir().resolve("agent.key")
          + " is missing or no longer matches the policy");
      out.println("                run `./ephyr dev --reset` for a fresh key (new keyring and policy too)");
    } else {
      String key = state.apiKey();
      out.println("  API key       " + key);
      out.println("                (kept in " + state.dir().resolve("agent.key")
          + ", mode 0600; `./ephyr dev --reset` makes a fresh one)");
      out.println();
      out.println("Claude Code:");
      out.println("  claude mcp add --transport http ephyr " + url + " --header \"Authorization: Bearer " + key + "\"");
      out.println();
      out.println("Any MCP client (mcpServers JSON):");
      out.println("""
            {
              "mcpServers": {
                "ephyr": {
                  "type": "http",
                  "url": "%s",
                  "headers": { "Authorization": "Bearer %s" }
                }
              }
            }""".formatted(url, key));
    }
    out.println();
    if (Files.exists(state.dir().resolve("admin.key"))) {
      out.println("Admin:  EPHYR_ADMIN_KEY_FILE=" + state.dir().resolve("admin.key") + " ./ephyr admin status --url "
          + node.publicUrl());
      out.println("Audit:  ./ephyr audit verify --keyring " + state.keyring() + " " + state.dir().resolve("audit"));
      out.println("Dashboard: " + node.publicUrl() + "/admin/ui/ (sign in with the key in "
          + state.dir().resolve("admin.key") + ")");
    }
    out.println("Policy: " + state.policy() + " (edits reload live). Stop with Ctrl-C.");
    out.flush();
  }

  private static void writePlain(Path file, String text) throws CliException {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw CliException.failed("cannot write " + file + ": " + SecureFiles.describe(e));
    }
  }
}
