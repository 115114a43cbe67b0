package dev.ephyr.broker.cli;

import dev.ephyr.cluster.StateVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr state verify}: checks a node's durable state directory; rebuilds it only with {@code --repair}. */
final class StateVerify implements Command {
  @Override
  public String name() {
    return "state verify";
  }

  @Override
  public String summary() {
    return "check a node's durable state (revocations, tasks, certificates); --repair to rebuild it";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr state verify [--repair] [--json] DIR

        Checks a node's state directory (state.dir) without changing it: the file is an Ephyr state
        store, not truncated or damaged, and every watermark, task record and certificate record in it
        decodes; every journal beside it (ephyr-state.journal.<n>, the writes since the last checkpoint)
        has a sound header and records that pass their checksums. An incomplete last record of the newest
        journal (a crash in the middle of a write that was never acknowledged) is a note, not a problem:
        the node drops it when it starts. Run it on a stopped node (a running node holds the file).
        """;
  }

  @Override
  public String footer() {
    return "Exit codes: 0 sound (or repaired), 1 a problem was found, 2 usage error.";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.flag("--repair", "rebuild the store from the entries that can be read, dropping only"
        + " what cannot be proven (each thing dropped is listed); the originals are kept beside it as"
        + " ephyr-state.mv.db.broken-<time> and ephyr-state.journal.<n>.broken-<time>. Before"
        + " repairing a node of a cluster, consider starting it with an empty state directory instead: it takes"
        + " everything from the other members when it joins."),
        Options.flag("--json", "print the report as JSON"));
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    Path dir = io.path(args.positionals(1, 1, "state directory").get(0));
    if (!Files.isDirectory(dir)) {
      throw CliException.failed(dir + ": no such directory");
    }
    StateVerifier.Report r = StateVerifier.verify(dir);
    boolean repaired = false;
    if (!r.ok() && args.flag("--repair")) {
      try {
        r = StateVerifier.repair(dir);
        repaired = true;
      } catch (IOException | RuntimeException e) {
        throw CliException.failed("repair failed, nothing changed beyond moving the file aside: " + e.getMessage());
      }
    }
    if (args.flag("--json")) {
      io.out().println(new io.vertx.core.json.JsonObject().put("ok", r.ok()).put("repaired", repaired)
          .put("file", r.file().toString()).put("problems", new io.vertx.core.json.JsonArray(r.problems()))
          .put("watermarks", r.watermarks()).put("tasks", r.tasks()).put("certificates", r.certificates())
          .put("serial_high", r.serialHigh()).put("journals", r.journals())
          .put("notes", new io.vertx.core.json.JsonArray(r.notes()))
          .put("dropped", new io.vertx.core.json.JsonArray(r.dropped())).encode());
    } else if (r.ok()) {
      io.out().println((repaired ? "REPAIRED: " : "OK: ") + r.watermarks() + " watermarks, " + r.tasks()
          + " task records, " + r.certificates() + " certificate records, serial high-water mark " + r.serialHigh()
          + ", " + r.journals() + (r.journals() == 1 ? " journal" : " journals"));
      r.notes().forEach(n -> io.out().println("  note: " + n));
      r.dropped().forEach(d -> io.out().println("  dropped: " + d));
    } else {
      io.out().println("BROKEN: " + r.file());
      for (String p : r.problems().subList(0, Math.min(20, r.problems().size()))) {
        io.out().println("  " + p);
      }
      if (r.problems().size() > 20) {
        io.out().println("  ... and " + (r.problems().size() - 20) + " more");
      }
      io.out().println("No file was changed. `ephyr state verify --repair " + dir + "` rebuilds it from "
          + "what can be read; or start the node with an empty state directory to take the cluster's copy.");
    }
    return r.ok() ? 0 : CliException.FAILED;
  }
}
