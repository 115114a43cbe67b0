package dev.ephyr.broker.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code ephyr admin status}: the cluster as every node sees itself. */
final class AdminStatus extends AdminCommand {
  @Override
  public String name() {
    return "admin status";
  }

  @Override
  public String summary() {
    return "cluster status: members, quorum, readiness, policy/keyring per node";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr admin status [--url URL] [--json]

        Shows the members, the quorum, and for each node its readiness, the policy hash it has in force
        (DRIFT marks a node whose policy differs from the majority), its keyring fingerprint, the
        watermarks in its revocation mirror, its audit writer (last seq, failures, dropped events) and its
        durable state (disk use of the limit; WRITES REFUSED with the reason after a full disk).
        The exit code grades the cluster, so a health check can use it (also with --json).
        """;
  }

  /** Exit code: every node ready and in agreement. */
  static final int HEALTHY = 0;
  /** Exit code: the quorum is present, but a node is unreachable or not ready, drifts, or cannot write. */
  static final int DEGRADED = 3;
  /** Exit code: the answering node sees no quorum; the cluster refuses task tokens on its side. */
  static final int NO_QUORUM = 4;

  @Override
  public String footer() {
    return """
        Exit codes: 0 healthy (quorum present, every node ready, policy and keyring agree, durable state
        writable, audit writer ok); 3 degraded (quorum present, but some node is unreachable, not ready,
        drifting, or cannot write its state or audit trail); 4 no quorum (as seen by the node asked);
        1 the call failed (node unreachable, credential refused); 2 usage error.
        """;
  }

  @Override
  int exitCode(JsonObject s) {
    return health(s).isEmpty() ? HEALTHY : Boolean.TRUE.equals(s.getValue("quorum_present")) ? DEGRADED : NO_QUORUM;
  }

  /** What keeps the cluster from being healthy, one phrase each; empty when it is. */
  static List<String> health(JsonObject s) {
    List<String> why = new ArrayList<>();
    if (!Boolean.TRUE.equals(s.getValue("quorum_present"))) {
      why.add("no quorum");
    }
    for (Object o : s.getJsonArray("nodes", new JsonArray())) {
      JsonObject n = (JsonObject) o;
      String node = n.getString("node", "?");
      if (n.containsKey("error")) {
        why.add(node + " unreachable");
        continue;
      }
      if (!Boolean.TRUE.equals(n.getValue("ready"))) {
        why.add(node + " not ready");
      }
      if (Boolean.TRUE.equals(n.getValue("policy_drift"))) {
        why.add(node + " policy drift");
      }
      if (Boolean.TRUE.equals(n.getValue("keyring_mismatch"))) {
        why.add(node + " keyring mismatch");
      }
      JsonObject st = n.getJsonObject("state_store");
      if (st != null && Boolean.FALSE.equals(st.getValue("writable"))) {
        why.add(node + " state writes refused");
      }
      if (Boolean.TRUE.equals(n.getJsonObject("audit", new JsonObject()).getValue("failing"))) {
        why.add(node + " audit failing");
      }
    }
    return why;
  }

  @Override
  JsonObject call(Args args, AdminClient client, Io io) throws CliException {
    args.positionals(0, 0, "");
    return client.get("/admin/status", Map.of());
  }

  /** The durable state column: size of limit, or the reason writes are refused. */
  static String state(JsonObject st) {
    if (st == null) {
      return "-";
    }
    String size = (st.getLong("bytes", -1L) >> 20) + "/" + (st.getLong("max_bytes", 0L) >> 20) + " MiB";
    return Boolean.FALSE.equals(st.getValue("writable")) ? "WRITES REFUSED (" + size + "): " + st.getString("failure", "")
        : size;
  }

  @Override
  void render(JsonObject s, Args args, Io io) {
    PrintStream out = io.out();
    out.println("Cluster: " + s.getValue("members") + " member(s), quorum " + s.getValue("quorum")
        + (Boolean.TRUE.equals(s.getValue("quorum_present")) ? " (present)" : " (NOT PRESENT)")
        + ", " + s.getValue("ready_nodes") + " ready; answered by " + s.getString("answered_by")
        + " (" + s.getString("state") + ")");
    out.println("Policy:  " + AdminOutput.shortHash(s.getString("policy_hash"))
        + (Boolean.TRUE.equals(s.getValue("policy_hashes_agree")) ? "  (all nodes agree)" : "  DRIFT: nodes differ"));
    out.println("Keyring: " + AdminOutput.str(s, "keyring_fingerprint")
        + (Boolean.TRUE.equals(s.getValue("keyring_fingerprints_agree")) ? "  (all nodes agree)"
            : "  MISMATCH: nodes differ"));
    out.println();
    List<List<String>> rows = new ArrayList<>();
    for (Object o : s.getJsonArray("nodes", new JsonArray())) {
      JsonObject n = (JsonObject) o;
      if (n.containsKey("error")) {
        rows.add(List.of(n.getString("node"), "UNREACHABLE", "-", "-", "-", "-", "-", "-",
            n.getString("error") + ": " + n.getString("message", "")));
        continue;
      }
      JsonObject a = n.getJsonObject("audit", new JsonObject());
      String audit = Boolean.TRUE.equals(a.getValue("failing")) ? "FAILING (" + a.getValue("write_failures") + ")"
          : "ok";
      if (a.getLong("dropped", 0L) > 0) {
        audit += ", " + a.getValue("dropped") + " DROPPED";
      }
      rows.add(List.of(n.getString("node") + (Boolean.TRUE.equals(n.getValue("local")) ? "*" : ""),
          n.getString("state", "-"), AdminOutput.shortHash(n.getString("policy_hash"))
              + (Boolean.TRUE.equals(n.getValue("policy_drift")) ? " DRIFT" : ""),
          AdminOutput.str(n, "keyring_fingerprint") + (Boolean.TRUE.equals(n.getValue("keyring_mismatch"))
              ? " MISMATCH" : ""),
          AdminOutput.str(n, "watermarks"), AdminOutput.str(a, "seq"), audit, state(n.getJsonObject("state_store")),
          n.containsKey("policy_error") ? "policy reload failed: " + n.getString("policy_error") : ""));
    }
    AdminOutput.table(out, List.of("NODE", "STATE", "POLICY", "KEYRING", "WATERMARKS", "AUDIT SEQ", "AUDIT", "DISK STATE", "NOTE"),
        rows);
    List<String> why = health(s);
    out.println();
    out.println("Health:  " + (why.isEmpty() ? "ok" : (exitCode(s) == NO_QUORUM ? "NO QUORUM: " : "DEGRADED: ")
        + String.join(", ", why)));
  }
}
