package dev.ephyr.broker.cli;

import dev.ephyr.client.BrokerTransport;
import dev.ephyr.client.ClientException;
import dev.ephyr.client.HolderKeyFile;
import dev.ephyr.client.McpUrl;
import dev.ephyr.client.OwnerOnlyFiles;
import dev.ephyr.client.ProofSigner;
import dev.ephyr.client.TaskClient;
import dev.ephyr.client.bridge.BoundTokenStore;
import dev.ephyr.client.bridge.ExitCodes;
import dev.ephyr.client.bridge.LoopbackBridge;
import dev.ephyr.client.bridge.StdioBridge;
import dev.ephyr.client.bridge.TokenGate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code ephyr connect}: a local MCP server (stdio, or loopback HTTP with {@code --listen}) that forwards every
 * request to the broker with a holder-bound task token and a fresh DPoP proof, so MCP clients that cannot
 * sign proofs still use tokens that are worthless to whoever copies them.
 */
final class ConnectCommand implements Command {
  static final String TOKEN_ENV = "EPHYR_TOKEN";
  private static final int MAX_TOKEN = 12_288;
  // A task token or an API key (not a file name such as mac_token.txt, which has a dot).
  private static final java.util.regex.Pattern LOOKS_LIKE_TOKEN =
      java.util.regex.Pattern.compile("\\s*(mac|ek)_[A-Za-z0-9_+/=-]{16,}\\s*");

  @Override
  public String name() {
    return "connect";
  }

  @Override
  public String summary() {
    return "local MCP bridge that signs a DPoP proof for every request (holder-bound tokens for any client)";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr connect --url URL [--url URL ...] --token-file FILE [--key-file FILE] [--listen 127.0.0.1:PORT]
               ephyr connect --print-config claude|cursor|vscode|codex --url URL ... --token-file FILE [--key-file FILE]

        A local MCP server for clients that cannot sign DPoP proofs (Claude Code, Cursor, VS Code, Codex).
        It speaks MCP on stdin/stdout (or, with --listen, Streamable HTTP on a loopback port guarded by a
        bearer it prints) and forwards every message to a broker node with the task token and a fresh
        proof signed by the holder key. A pending-bind task (delegated with bind_within) is bound to the key
        on the first call; the bound token is kept beside the key so a restart continues.

        The token comes from --token-file (mode 0600) or the EPHYR_TOKEN environment variable — never the
        command line, which every local user can read in the process list.
        """;
  }

  @Override
  public String footer() {
    return """
        Exit codes: 0 the client closed the bridge; 1 unexpected failure; 2 wrong command line (a token on
        it included); 3 a local file or setting is wrong; 4 the token was refused for good (revoked,
        expired, bind deadline passed, bound to another key): a restart cannot help.
        """;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        Options.repeatable("--url", "URL", "a node (http://host:port or its /mcp URL); repeat for failover, in order"),
        Options.value("--token-file", "FILE", "the task token (refused when readable by others)"),
        Options.value("--token-env", "NAME", "read the token from this variable instead of " + TOKEN_ENV),
        Options.value("--key-file", "FILE", "the Ed25519 holder key, created 0600 when missing"
            + " (default ~/.ephyr/holder-key.jwk)"),
        Options.value("--state-file", "FILE", "where the bound token is kept (default: the key file + .bound-token)"),
        Options.value("--listen", "HOST:PORT", "serve Streamable HTTP on a loopback address instead of stdio"),
        Options.value("--print-config", "CLIENT", "print the configuration that runs this bridge for claude, cursor,"
            + " vscode or codex, and exit"),
        Options.value("--name", "NAME", "server name in the printed configuration (default ephyr)"),
        Options.value("--connect-timeout", "D", "connection timeout per node before failing over (default 3s)"),
        Options.value("--timeout", "D", "longest wait for a node to start answering (default 300s)"));
  }

  @Override
  public void screen(List<String> argv) throws CliException {
    refuseTokenArguments(argv);
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    List<String> urls = args.options("--url");
    args.positionals(0, 0, "nothing");
    if (urls.isEmpty()) {
      throw CliException.usage(name(), "give at least one --url of a broker node");
    }
    List<String> mcpUrls = new ArrayList<>();
    for (String u : urls) {
      try {
        mcpUrls.add(McpUrl.of(u));
      } catch (ClientException e) {
        throw CliException.usage(name(), e.getMessage());
      }
    }
    Path keyFile = keyFile(args, io);
    Path stateFile = args.option("--state-file") != null ? io.path(args.option("--state-file"))
        : BoundTokenStore.besideKey(keyFile);
    if (args.option("--print-config") != null) {
      return printConfig(args, mcpUrls, keyFile, io);
    }
    Duration connectTimeout = duration(args, "--connect-timeout", Duration.ofSeconds(3));
    Duration answerTimeout = duration(args, "--timeout", Duration.ofSeconds(300));
    Consumer<String> log = line -> io.err().println("ephyr connect: " + line);
    try {
      String token = token(args, io);
      HolderKeyFile.Loaded key = HolderKeyFile.loadOrCreate(keyFile, io.random());
      if (key.created()) {
        log.accept("created holder key " + keyFile + " (mode 0600, thumbprint " + key.key().jkt() + ")");
      }
      ProofSigner signer = new ProofSigner(key.key(), io.random());
      BrokerTransport transport = BrokerTransport.create(mcpUrls, signer, connectTimeout, answerTimeout,
          new BrokerTransport.Listener() {
            @Override
            public void movedNode(String from, String to, String why) {
              log.accept("moved from " + from + " to " + to + " (" + why + ")");
            }
          });
      TokenGate.Opened opened = TokenGate.open(token, signer.jkt(), new BoundTokenStore(stateFile),
          new TaskClient(transport), log);
      if (opened instanceof TokenGate.Opened.Unusable u) {
        log.accept(u.refusal().message() + ". " + u.refusal().hint());
        return ExitCodes.TOKEN_REFUSED;
      }
      TokenGate gate = ((TokenGate.Opened.Usable) opened).gate();
      if (args.option("--listen") != null) {
        return listen(args.option("--listen"), gate, transport, log, io);
      }
      StdioBridge bridge = new StdioBridge(gate, transport, log, 16);
      Thread stopper = new Thread(() -> {
        try {
          io.stop().await();
          bridge.stop(ExitCodes.OK);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "ephyr-connect-stop");
      stopper.setDaemon(true);
      stopper.start();
      log.accept("serving MCP on stdio; node " + transport.currentNode()
          + (mcpUrls.size() > 1 ? " (then " + String.join(", ", mcpUrls.subList(1, mcpUrls.size())) + ")" : ""));
      return bridge.run(io.in(), io.out());
    } catch (ClientException e) {
      log.accept(e.getMessage());
      return ExitCodes.LOCAL_SETUP;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCodes.FAILED;
    }
  }

  private int listen(String spec, TokenGate gate, BrokerTransport transport, Consumer<String> log, Io io)
      throws CliException, InterruptedException {
    int colon = spec.lastIndexOf(':');
    if (colon <= 0) {
      throw CliException.usage(name(), "--listen takes HOST:PORT, e.g. 127.0.0.1:8555");
    }
    String host = spec.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(spec.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw CliException.usage(name(), "--listen port must be 0-65535");
    }
    LoopbackBridge bridge;
    try {
      bridge = LoopbackBridge.start(host, port, gate, transport, log, io.random(), 8);
    } catch (IOException e) {
      log.accept("cannot listen on " + spec + ": " + e.getMessage());
      return ExitCodes.LOCAL_SETUP;
    }
    try (bridge) {
      // stdout, for the person or script wiring a client: the URL and the bearer made for this run.
      io.out().println("url " + bridge.url());
      io.out().println("bearer " + bridge.bearer());
      io.out().flush();
      log.accept("serving MCP on " + bridge.url() + "; node " + transport.currentNode());
      Thread stopper = new Thread(() -> {
        try {
          io.stop().await();
          bridge.exit().complete(ExitCodes.OK);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "ephyr-connect-stop");
      stopper.setDaemon(true);
      stopper.start();
      try {
        return bridge.exit().get();
      } catch (java.util.concurrent.ExecutionException e) {
        return ExitCodes.FAILED;
      }
    }
  }

  /** A token in argv would sit in the process list for every local user to read: refuse it before anything else. */
  private void refuseTokenArguments(List<String> argv) throws CliException {
    for (String a : argv) {
      String v = a.startsWith("--") && a.indexOf('=') > 0 ? a.substring(a.indexOf('=') + 1) : a;
      if (a.equals("--token") || a.startsWith("--token=") || LOOKS_LIKE_TOKEN.matcher(v).matches()) {
        throw CliException.usage(name(), "a token on the command line is readable by every local user (process "
            + "list, shell history); put it in a file readable only by you and pass --token-file FILE, or set "
            + TOKEN_ENV + " in the environment");
      }
    }
  }

  private static Path keyFile(Args args, Io io) {
    String k = args.option("--key-file");
    if (k != null) {
      return io.path(k);
    }
    String home = io.env().getOrDefault("HOME", io.cwd().toString());
    return Path.of(home, ".ephyr", "holder-key.jwk");
  }

  private String token(Args args, Io io) throws ClientException, CliException {
    String file = args.option("--token-file");
    String envName = args.option("--token-env", TOKEN_ENV);
    String fromEnv = io.env().get(envName);
    if (file != null && fromEnv != null && args.option("--token-env") != null) {
      throw CliException.usage(name(), "give the token either in --token-file or in " + envName + ", not both");
    }
    String text;
    if (file != null) {
      text = new String(OwnerOnlyFiles.read(io.path(file), MAX_TOKEN, "token file"), StandardCharsets.UTF_8);
    } else if (fromEnv != null) {
      text = fromEnv;
    } else {
      throw new ClientException("no task token: pass --token-file FILE (mode 0600) or set " + envName);
    }
    text = text.trim();
    if (text.isEmpty()) {
      throw new ClientException("the task token is empty");
    }
    return text;
  }

  private Duration duration(Args args, String name, Duration dflt) throws CliException {
    String v = args.option(name);
    if (v == null) {
      return dflt;
    }
    try {
      String t = v.trim().toLowerCase(Locale.ROOT);
      long n;
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      } else if (t.endsWith("s")) {
        n = Long.parseLong(t.substring(0, t.length() - 1));
      } else if (t.endsWith("m")) {
        n = Long.parseLong(t.substring(0, t.length() - 1)) * 60;
      } else {
        n = Long.parseLong(t);
      }
      if (n > 0 && n <= 86_400) {
        return Duration.ofSeconds(n);
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw CliException.usage(name(), name + " must be a duration such as 3s, 500ms or 5m (at most 24h)");
  }

  private int printConfig(Args args, List<String> mcpUrls, Path keyFile, Io io) throws CliException {
    String client = args.option("--print-config").toLowerCase(Locale.ROOT);
    String tokenFile = args.option("--token-file");
    if (tokenFile == null) {
      throw CliException.usage(name(), "--print-config needs --token-file: a client configuration names the token's "
          + "file and never holds the token itself");
    }
    List<String> bridgeArgs = new ArrayList<>();
    bridgeArgs.add("connect");
    for (String u : mcpUrls) {
      bridgeArgs.add("--url");
      bridgeArgs.add(u);
    }
    bridgeArgs.add("--key-file");
    bridgeArgs.add(keyFile.toAbsolutePath().toString());
    bridgeArgs.add("--token-file");
    bridgeArgs.add(io.path(tokenFile).toAbsolutePath().toString());
    if (args.option("--state-file") != null) {
      bridgeArgs.add("--state-file");
      bridgeArgs.add(io.path(args.option("--state-file")).toAbsolutePath().toString());
    }
    String command = io.env().getOrDefault("EPHYR_LAUNCHER", "ephyr");
    String server = args.option("--name", "ephyr");
    if (!server.matches("[A-Za-z0-9_-]{1,64}")) {
      throw CliException.usage(name(), "--name must be 1-64 letters, digits, '_' or '-'");
    }
    String text = ConnectConfigs.render(client, server, command, bridgeArgs);
    if (text == null) {
      throw CliException.usage(name(), "--print-config takes claude, cursor, vscode or codex");
    }
    io.out().print(text);
    return 0;
  }
}
