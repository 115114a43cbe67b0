package dev.ephyr.broker.cli;

import dev.ephyr.broker.state.BackupException;
import dev.ephyr.broker.state.Backups;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code ephyr state backup DIR}: has a running node write a consistent backup of its durable state and audit
 * trail (admin API), or, with {@code --offline}, backs up a stopped node's directories directly.
 */
final class StateBackup implements Command {
  @Override
  public String name() {
    return "state backup";
  }

  @Override
  public String summary() {
    return "back up a node's durable state and audit trail (while it runs, or --offline)";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr state backup DIR [--url URL] [--key-file FILE] [--json]
               ephyr state backup DIR --offline --state-dir DIR --audit-dir DIR --keyring FILE

        Writes a backup into DIR, a new directory (it must not exist; its parent must). Without --offline,
        the node at --url writes it on its own disk while it keeps serving (admin API POST
        /admin/state/backup): the state copy holds every change acknowledged before the request, the audit
        trail is copied up to a record boundary with its head. With --offline, the directories of a
        stopped node are backed up from here. DIR then holds state/, audit/ and manifest.json (written
        last: a directory without it is unfinished) with a SHA-256 per file and the keyring's fingerprint.
        Restore with 'ephyr state restore'.
        """;
  }

  @Override
  public String footer() {
    return "Exit codes: 0 written, 1 refused or failed (one line says why), 2 usage error.";
  }

  @Override
  public List<OptionSpec> options() {
    List<OptionSpec> all = new ArrayList<>();
    all.add(Options.flag("--offline", "back up a stopped node's directories instead of asking a running node"));
    all.add(Options.value("--state-dir", "DIR", "with --offline: the node's state.dir"));
    all.add(Options.value("--audit-dir", "DIR", "with --offline: the node's audit.dir"));
    all.add(Options.value("--keyring", "FILE", "with --offline: the node's keyring (its fingerprint goes into the"
        + " manifest)"));
    all.add(Options.value("--node", "ID", "with --offline: the node's id, recorded in the manifest"));
    all.addAll(AdminCommand.connectionOptions());
    return all;
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    Path dir = io.path(args.positionals(1, 1, "backup directory").get(0)).toAbsolutePath().normalize();
    JsonObject r;
    if (args.flag("--offline")) {
      for (String online : List.of("--url", "--key-file", "--timeout")) {
        if (args.option(online) != null) {
          throw CliException.usage(name(), online + " is for a running node; --offline reads the files");
        }
      }
      Path state = required(args, io, "--state-dir");
      Path audit = required(args, io, "--audit-dir");
      Path keyringFile = required(args, io, "--keyring");
      try {
        r = Backups.offline(state, audit, KeyringFiles.read(keyringFile, io), args.option("--node", "offline"), dir);
      } catch (BackupException e) {
        throw CliException.failed(e.getMessage());
      }
    } else {
      for (String offline : List.of("--state-dir", "--audit-dir", "--keyring", "--node")) {
        if (args.option(offline) != null) {
          throw CliException.usage(name(), offline + " is for --offline; a running node knows its own");
        }
      }
      r = AdminClient.from(name(), args, io).post("/admin/state/backup", new JsonObject().put("dir", dir.toString()));
    }
    if (args.flag("--json")) {
      io.out().println(r.encodePrettily());
    } else {
      io.out().println("backup written to " + r.getString("dir") + " (node " + r.getString("node") + "): "
          + r.getLong("watermarks") + " watermarks, " + r.getLong("tasks") + " task records, "
          + r.getLong("certificates") + " certificate records, audit up to seq " + r.getLong("audit_seq") + ", "
          + r.getLong("files") + " files, " + r.getLong("bytes") + " bytes");
    }
    return 0;
  }

  private Path required(Args args, Io io, String option) throws CliException {
    String v = args.option(option);
    if (v == null) {
      throw CliException.usage(name(), "--offline needs " + option);
    }
    return io.path(v);
  }
}
