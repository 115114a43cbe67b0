package dev.ephyr.broker.cli;

import dev.ephyr.broker.state.BackupException;
import dev.ephyr.broker.state.BackupManifest;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr state restore BACKUP}: checks a backup and restores it into a stopped node's directories. */
final class StateRestore implements Command {
  @Override
  public String name() {
    return "state restore";
  }

  @Override
  public String summary() {
    return "restore a backup into a stopped node's state (and audit) directory";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr state restore BACKUP --keyring FILE --state-dir DIR [--audit-dir DIR] [--force]
               ephyr state restore BACKUP --keyring FILE --check

        Checks the backup first, completely: its manifest, that it was made with this keyring (or one
        that still holds the key it was made under), the length and SHA-256 of every file, and that the
        state copy is a sound state store. Then copies it into the node's state.dir (and audit.dir).
        The node must be stopped. A directory that is not empty is refused unless --force, which renames
        it to <dir>.before-restore-<time> (nothing is deleted). With --check, nothing is written.
        """;
  }

  @Override
  public String footer() {
    return "Exit codes: 0 restored (or the check passed), 1 refused (one line says why), 2 usage error.";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.value("--keyring", "FILE", "the cluster's keyring"),
        Options.value("--state-dir", "DIR", "the node's state.dir"),
        Options.value("--audit-dir", "DIR", "the node's audit.dir (without it the audit trail is not restored)"),
        Options.flag("--force", "restore over a non-empty directory, keeping its content aside (renamed)"),
        Options.flag("--check", "only check the backup; write nothing"));
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    Path backup = io.path(args.positionals(1, 1, "backup directory").get(0));
    String keyringFile = args.option("--keyring");
    if (keyringFile == null) {
      throw CliException.usage(name(), "--keyring is required (a backup is restored only under its own keyring)");
    }
    var keyring = KeyringFiles.read(io.path(keyringFile), io);
    try {
      if (args.flag("--check")) {
        BackupManifest m = dev.ephyr.broker.state.StateRestore.check(backup, keyring);
        io.out().println("OK: backup of node " + m.node() + " from " + m.created() + ", " + m.files().size()
            + " files match their checksums");
        return 0;
      }
      String stateDir = args.option("--state-dir");
      if (stateDir == null) {
        throw CliException.usage(name(), "--state-dir is required (the stopped node's state.dir)");
      }
      String auditDir = args.option("--audit-dir");
      var r = dev.ephyr.broker.state.StateRestore.restore(backup, keyring, io.path(stateDir),
          auditDir == null ? null : io.path(auditDir), args.flag("--force"));
      for (Path p : r.movedAside()) {
        io.out().println("kept the previous content aside in " + p);
      }
      io.out().println("restored the backup of node " + r.manifest().node() + " from " + r.manifest().created()
          + " into " + stateDir + (auditDir == null ? " (audit trail not restored: no --audit-dir)" : " and "
          + auditDir) + "; start the node");
      return 0;
    } catch (BackupException e) {
      throw CliException.failed(e.getMessage());
    }
  }
}
