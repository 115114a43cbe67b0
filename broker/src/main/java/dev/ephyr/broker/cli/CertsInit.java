package dev.ephyr.broker.cli;

import dev.ephyr.broker.bus.BusCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr certs init}: a private CA and one certificate per node for TLS on the event bus between nodes. */
final class CertsInit implements Command {
  static final int DEFAULT_DAYS = 825;

  @Override
  public String name() {
    return "certs init";
  }

  @Override
  public String summary() {
    return "make a CA and node certificates for event-bus TLS between nodes";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr certs init --out DIR --nodes NAME[,NAME...] [--days N] [--force]

        Makes a private CA and, for each node, a certificate signed by it (ECDSA P-256, for both
        server and client use), for TLS with mutual authentication between the nodes' event buses.
        Writes, all mode 0600:
          DIR/ca.pem                 the CA certificate (every node trusts it)
          DIR/NAME/node.pem          the node's certificate chain
          DIR/NAME/node-key.pem      the node's private key
        Copy DIR/NAME and DIR/ca.pem to node NAME and set eventbus.tls-cert, eventbus.tls-key and
        eventbus.tls-ca (see docs/operations.md). The CA's private key is never written: to add a node
        later, provision every node again.
        """;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.value("--out", "DIR", "the directory to write (created with mode 0700)"),
        Options.value("--nodes", "NAMES", "node names (host names or IP addresses), comma-separated; at most 64"),
        Options.value("--days", "N", "validity in days (default 825)"),
        Options.flag("--force", "overwrite existing files"));
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    String out = args.option("--out");
    String names = args.option("--nodes");
    if (out == null || names == null) {
      throw CliException.usage(name(), "--out and --nodes are required");
    }
    List<String> nodes = new ArrayList<>();
    for (String n : names.split(",")) {
      if (!n.isBlank() && !nodes.contains(n.strip())) {
        nodes.add(n.strip());
      }
    }
    int days = DEFAULT_DAYS;
    if (args.option("--days") != null) {
      try {
        days = Integer.parseInt(args.option("--days"));
      } catch (NumberFormatException e) {
        days = -1;
      }
      if (days < 1 || days > 3650) {
        throw CliException.usage(name(), "--days must be a whole number of days, 1-3650");
      }
    }
    BusCertificates.Provisioned p;
    try {
      p = BusCertificates.provision("ephyr event-bus CA", nodes, Duration.ofDays(days), io.random());
    } catch (IllegalArgumentException e) {
      throw CliException.usage(name(), "--nodes: " + e.getMessage());
    }
    SecureFiles.Mode mode = args.flag("--force") ? SecureFiles.Mode.REPLACE : SecureFiles.Mode.CREATE_NEW;
    Path dir = io.path(out);
    SecureFiles.createPrivateDir(dir);
    SecureFiles.writeSecret(dir.resolve("ca.pem"), p.caCertificate().getBytes(StandardCharsets.US_ASCII), mode);
    for (var e : p.nodes().entrySet()) {
      Path nodeDir = dir.resolve(e.getKey());
      SecureFiles.createPrivateDir(nodeDir);
      SecureFiles.writeSecret(nodeDir.resolve("node.pem"),
          e.getValue().certificateChain().getBytes(StandardCharsets.US_ASCII), mode);
      SecureFiles.writeSecret(nodeDir.resolve("node-key.pem"),
          e.getValue().privateKey().getBytes(StandardCharsets.US_ASCII), mode);
    }
    io.out().println("wrote " + dir.resolve("ca.pem") + " and certificates for " + String.join(", ", nodes)
        + " (valid " + days + " days)");
    io.out().println("on each node set: eventbus.tls-cert: <dir>/node.pem, eventbus.tls-key: <dir>/node-key.pem, "
        + "eventbus.tls-ca: <dir>/ca.pem");
    return 0;
  }
}
