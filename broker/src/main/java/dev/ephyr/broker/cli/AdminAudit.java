package dev.ephyr.broker.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr admin audit}: audit records from every node, merged in time order. */
final class AdminAudit extends AdminCommand {
  @Override
  public String name() {
    return "admin audit";
  }

  @Override
  public String summary() {
    return "query the audit trail of every node (by task subtree, agent, time, decision)";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr admin audit [--task TASK] [--agent NAME] [--since TIME] [--until TIME]
                                 [--decision allow|deny|error] [--limit N] [--json]

        Asks every node for the matching records of its audit trail and prints them merged in time
        order. --task gives the story of a task's subtree: its creation, everything done by it or its
        descendants (allowed or refused), and operator actions on it. TIME is ISO-8601
        (2026-01-31T12:00:00Z). At most N records (default 500, at most 5000), the latest.
        """;
  }

  @Override
  List<OptionSpec> ownOptions() {
    return List.of(Options.value("--task", "TASK", "records of this task's subtree, and operator actions on it"),
        Options.value("--agent", "NAME", "records of this agent"),
        Options.value("--since", "TIME", "records at or after TIME (ISO-8601)"),
        Options.value("--until", "TIME", "records before TIME (ISO-8601)"),
        Options.value("--decision", "DECISION", "allow, deny or error"),
        Options.value("--limit", "N", "at most N records, the latest (default 500, at most 5000)"));
  }

  @Override
  JsonObject call(Args args, AdminClient client, Io io) throws CliException {
    args.positionals(0, 0, "");
    Map<String, String> q = new LinkedHashMap<>();
    for (String k : List.of("task", "agent", "since", "until", "decision", "limit")) {
      q.put(k, args.option("--" + k));
    }
    JsonObject r = client.get("/admin/audit", q);
    if (Boolean.TRUE.equals(r.getValue("partial"))) {
      io.err().println("warning: some nodes did not answer; the result is partial: " + r.getValue("nodes"));
    }
    return r;
  }

  @Override
  void render(JsonObject r, Args args, Io io) {
    List<List<String>> rows = new ArrayList<>();
    for (Object o : r.getJsonArray("records", new JsonArray())) {
      JsonObject e = (JsonObject) o;
      String who = e.containsKey("admin") ? "admin:" + e.getString("admin") : AdminOutput.str(e, "agent");
      rows.add(List.of(AdminOutput.str(e, "time"), AdminOutput.str(e, "node"), AdminOutput.str(e, "decision"),
          AdminOutput.str(e, "event"), who, AdminOutput.str(e, "task"), AdminOutput.str(e, "resource"),
          AdminOutput.str(e, "reason")));
    }
    if (rows.isEmpty()) {
      io.out().println("no matching records");
      return;
    }
    AdminOutput.table(io.out(), List.of("TIME", "NODE", "DECISION", "EVENT", "WHO", "TASK", "RESOURCE", "REASON"),
        rows);
    if (Boolean.TRUE.equals(r.getValue("truncated"))) {
      io.out().println("(older matching records left out; narrow the query or use --until)");
    }
  }
}
