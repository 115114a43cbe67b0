package dev.ephyr.broker.cli;

import dev.ephyr.broker.ssh.signer.CaKeyFile;
import dev.ephyr.broker.ssh.signer.SignerLimits;
import dev.ephyr.broker.ssh.signer.SignerServer;
import dev.ephyr.broker.ssh.signer.SignerSetupException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr signer}: the SSH CA in its own process, serving the broker over a private Unix socket. */
final class SignerCommand implements Command {

  @Override
  public String name() {
    return "signer";
  }

  @Override
  public String summary() {
    return "run the SSH certificate signer (holds the CA key; Unix socket only)";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr signer --key FILE --socket PATH --principals NAME[,NAME...] [options]

        Holds the Ed25519 CA key and signs OpenSSH user certificates for the broker over a Unix domain
        socket. The key file must be readable by its owner only (mode 0600). The socket's directory must
        be private (0700, or 0750 with --socket-group); only the users named by --allow-user may connect
        (checked on every connection). Every signature and refusal is logged to stdout as a JSON line.
        """;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.value("--key", "FILE", "the CA private key (OpenSSH format, Ed25519, unencrypted)"),
        Options.flag("--create-key", "create FILE (mode 0600) if it does not exist"),
        Options.value("--socket", "PATH", "where to listen"),
        Options.value("--principals", "LIST", "accounts certificates may name (required, comma-separated)"),
        Options.value("--max-ttl", "DURATION", "longest certificate validity (default 1h, at most 24h)"),
        Options.value("--extensions", "LIST", "allowed extensions (default"
            + " permit-pty,permit-port-forwarding,permit-agent-forwarding)"),
        Options.value("--critical-options", "LIST", "allowed critical options (default"
            + " force-command,source-address)"),
        Options.value("--rate", "N", "sustained signatures per second (default 20)"),
        Options.value("--burst", "N", "signatures allowed at once (default 40)"),
        Options.value("--allow-user", "LIST", "users that may connect (default: the signer's own user)"),
        Options.value("--socket-group", "GROUP", "let this group reach the socket (directory 0750, socket 0660)"));
  }

  @Override
  public int run(Args a, Io io) throws CliException {
    a.positionals(0, 0, "");
    String keyArg = a.option("--key");
    String socketArg = a.option("--socket");
    String principalsArg = a.option("--principals");
    if (keyArg == null || socketArg == null || principalsArg == null) {
      throw CliException.usage(name(), "--key, --socket and --principals are required");
    }
    Path key = io.path(keyArg);
    Path socket = io.path(socketArg);
    SignerLimits limits;
    try {
      limits = new SignerLimits(duration(a.option("--max-ttl", "1h")), list(principalsArg),
          list(a.option("--extensions", "permit-pty,permit-port-forwarding,permit-agent-forwarding")),
          list(a.option("--critical-options", "force-command,source-address")),
          number(a.option("--rate", "20"), "--rate"), (int) number(a.option("--burst", "40"), "--burst"));
    } catch (IllegalArgumentException e) {
      throw CliException.usage(name(), e.getMessage());
    }
    if (limits.principals().isEmpty()) {
      throw CliException.usage(name(), "--principals must name at least one account");
    }
    Set<String> peers = list(a.option("--allow-user", System.getProperty("user.name")));
    SignerServer server;
    try {
      KeyPair ca = a.flag("--create-key") && !Files.exists(key) ? CaKeyFile.create(key, io.random()) : CaKeyFile.load(key);
      server = SignerServer.start(ca, new SignerServer.Config(socket, limits, peers, a.option("--socket-group")),
          io.out(), io.clock());
    } catch (SignerSetupException e) {
      throw CliException.failed(e.getMessage());
    }
    io.err().println("signer listening on " + socket + " (CA " + server.caPublicKey() + ")");
    try {
      io.stop().await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      server.close();
    }
    io.err().println("signer stopped");
    return 0;
  }

  private static Set<String> list(String csv) {
    Set<String> out = new LinkedHashSet<>();
    for (String s : csv.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }

  private static double number(String v, String option) {
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a number, got '" + v + "'");
    }
  }

  private static Duration duration(String v) {
    String s = v.trim();
    try {
      if (s.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
      } else if (s.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
      } else if (s.endsWith("h")) {
        return Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1)));
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new IllegalArgumentException("--max-ttl must be a duration like 300s, 30m or 1h, got '" + v + "'");
  }
}
