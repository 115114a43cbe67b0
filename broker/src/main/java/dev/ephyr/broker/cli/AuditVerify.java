package dev.ephyr.broker.cli;

import dev.ephyr.broker.audit.AuditFiles;
import dev.ephyr.broker.audit.AuditKeys;
import dev.ephyr.broker.audit.AuditVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr audit verify}: checks a node's chained audit files with the cluster keyring. */
final class AuditVerify implements Command {
  @Override
  public String name() {
    return "audit verify";
  }

  @Override
  public String summary() {
    return "check a node's audit files: MACs, order, gaps and truncation";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr audit verify --keyring FILE [--head FILE | --no-head] [--json] FILE|DIR...

        Checks that every record of a node's audit trail is intact and in place: each line's MAC (keyed
        from the keyring, so only a keyring holder can write a valid record), consecutive sequence
        numbers, and each record chaining to the one before it, across rotated files. The end of the
        chain is checked against the MAC'd head file (DIR/audit.head): a missing head, or one that does
        not name the last record (records cut from the end, or appended after it), is a failure.
        Prints the first problem as FILE:LINE (or the head file and why).

        Give a node's audit directory, or its files in order (audit-00000001.jsonl, ...).
        """;
  }

  @Override
  public String footer() {
    return "Exit codes: 0 intact, 1 a problem was found (or a file cannot be read), 2 usage error.";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.value("--keyring", "FILE", "the cluster keyring (every kid that signed records must"
        + " still be in it)"),
        Options.value("--head", "FILE", "the head file to check the end against (default: audit.head beside the"
            + " last file)"),
        Options.flag("--no-head", "check the chain alone, not its end (an archived copy without its head):"
            + " records cut from the end cannot show, and the report says so"),
        Options.flag("--json", "print the report as JSON"));
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    List<String> pos = args.positionals(1, 10_000, "audit file or directory");
    String keyringArg = args.option("--keyring");
    if (keyringArg == null) {
      throw CliException.usage(name(), "--keyring is required (the MACs are keyed from it)");
    }
    if (args.flag("--no-head") && args.option("--head") != null) {
      throw CliException.usage(name(), "give --head or --no-head, not both");
    }
    AuditKeys keys = AuditKeys.of(KeyringFiles.read(io.path(keyringArg), io));
    List<Path> files = new ArrayList<>();
    try {
      for (String p : pos) {
        Path path = io.path(p);
        if (Files.isDirectory(path)) {
          List<Path> in = AuditFiles.list(path);
          if (in.isEmpty()) {
            throw CliException.failed(path + ": no audit-*.jsonl files in this directory");
          }
          files.addAll(in);
        } else if (Files.isRegularFile(path)) {
          files.add(path);
        } else {
          throw CliException.failed(path + ": no such file or directory");
        }
      }
    } catch (IOException e) {
      throw CliException.failed("cannot list audit files: " + SecureFiles.describe(e));
    }
    Path head = null;
    if (!args.flag("--no-head")) {
      head = args.option("--head") != null ? io.path(args.option("--head"))
          : files.get(files.size() - 1).toAbsolutePath().getParent().resolve(AuditFiles.HEAD);
    }
    AuditVerifier.Report r;
    try {
      r = new AuditVerifier(keys).verify(files, head);
    } catch (IOException e) {
      throw CliException.failed("cannot read the audit files: " + SecureFiles.describe(e));
    }
    if (args.flag("--json")) {
      io.out().println(new io.vertx.core.json.JsonObject().put("ok", r.ok()).put("problem", r.problem())
          .put("records", r.records()).put("first_seq", r.firstSeq()).put("last_seq", r.lastSeq())
          .put("files", files.size()).put("notes", new io.vertx.core.json.JsonArray(r.notes())).encode());
    } else if (r.ok()) {
      io.out().println("OK: " + r.records() + " records in " + files.size() + " file(s), seq " + r.firstSeq() + ".."
          + r.lastSeq() + ", chain intact");
      for (String n : r.notes()) {
        io.out().println("note: " + n);
      }
    } else {
      io.out().println("BROKEN: " + r.problem());
      io.out().println("(" + r.records() + " records verified before it"
          + (r.lastSeq() > 0 ? ", last good seq " + r.lastSeq() : "") + ")");
      for (String n : r.notes()) {
        io.out().println("note: " + n);
      }
    }
    return r.ok() ? 0 : CliException.FAILED;
  }
}
