package dev.ephyr.broker.cli;

import dev.ephyr.broker.policy.ApiKeys;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr admin key}: makes an admin credential and the hash that goes into the policy. */
final class AdminKey implements Command {
  @Override
  public String name() {
    return "admin key";
  }

  @Override
  public String summary() {
    return "generate an admin credential (to a 0600 file) and its hash for the policy";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr admin key --admin NAME [--out FILE] [--json]

        Generates an admin credential (256 random bits) and prints the policy snippet with its hash:

          admins:
            NAME: { credential: "sha256:..." }

        With --out, the credential is written to FILE (mode 0600, refused if FILE exists) and not shown;
        use it with --key-file FILE or EPHYR_ADMIN_KEY_FILE=FILE. Without --out it is printed once.
        An admin credential must differ from every agent key. The broker stores only the hash.
        """;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.value("--admin", "NAME", "the admin's name in the policy (letters, digits, . _ -)"),
        Options.value("--out", "FILE", "write the credential to FILE (mode 0600, refused if it exists) instead"
            + " of showing it"),
        Options.flag("--json", "print {\"admin\", \"hash\", and \"credential\" or \"file\"} as JSON"));
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    args.positionals(0, 0, "");
    String admin = args.option("--admin");
    if (admin == null || !admin.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw CliException.usage(name(), "--admin NAME is required (letters, digits, . _ -)");
    }
    String key = ApiKeys.generate(io.random());
    String hash = ApiKeys.hash(key);
    String out = args.option("--out");
    if (out != null) {
      SecureFiles.writeSecret(io.path(out), (key + "\n").getBytes(StandardCharsets.UTF_8), SecureFiles.Mode.CREATE_NEW);
    }
    if (args.flag("--json")) {
      JsonObject o = new JsonObject().put("admin", admin).put("hash", hash);
      if (out == null) {
        o.put("credential", key);
      } else {
        o.put("file", io.path(out).toString());
      }
      io.out().println(o.encode());
      return 0;
    }
    if (out == null) {
      io.out().println("Admin credential (keep it secret; it is not stored anywhere):");
      io.out().println("  " + key);
    } else {
      io.out().println("Admin credential written to " + io.path(out) + " (mode 0600).");
    }
    io.out().println();
    io.out().println("Add to the policy of every node:");
    io.out().println("admins:");
    io.out().println("  " + admin + ": { credential: \"" + hash + "\" }");
    io.out().println();
    // Without --url or EPHYR_ADMIN_URL the admin commands talk to the dev node's port: name the node here.
    io.out().println("Then, against any node of the cluster:");
    io.out().println("  EPHYR_ADMIN_KEY_FILE=" + (out == null ? "FILE" : out) + " ephyr admin status --url http://NODE:PORT");
    io.out().println("(or export EPHYR_ADMIN_URL=http://NODE:PORT once; without either, admin commands ask "
        + AdminClient.DEFAULT_URL + ", the port of 'ephyr dev')");
    return 0;
  }
}
