package dev.ephyr.broker.audit;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * One decision of the broker, as audit records it: who asked for what, in which task tree, and whether and
 * why it was allowed. Never holds secrets (no tokens, keys, credentials, proofs or bodies).
 *
 * @param time when the decision was made
 * @param node the deciding node
 * @param requestId the request's id (also sent to the client as {@code X-Request-Id})
 * @param action what was attempted: the event ({@code tools/call task_create}, {@code admin.revoke}, ...)
 * @param outcome the decision: {@code allow}, {@code deny} or {@code error}
 * @param code stable reason code ({@code ok} when allowed)
 * @param detail precise reason (audit only)
 * @param agent the agent, if known
 * @param task the acting task, if any
 * @param root the root task of the acting (or, for operator actions, the affected) task, if known
 * @param lineage task ids from the root to the acting task, if known (empty otherwise)
 * @param admin the operator, for admin API calls that named a known admin credential
 * @param tool the tool called, if any
 * @param resource what was touched or tried ({@code target:web1}, {@code service:gitea}, {@code task:01J...})
 * @param remote the client address
 * @param status the HTTP status answered (0 when there is no HTTP request)
 * @param micros handling time in microseconds
 */
public record AuditEvent(Instant time, String node, String requestId, String action, String outcome, String code,
    String detail, String agent, String task, String root, List<String> lineage, String admin, String tool,
    String resource, String remote, int status, long micros) {

  /** Longest text field kept; longer values are cut (an audit line stays bounded whatever a client sends). */
  public static final int MAX_FIELD = 1024;
  /** Most lineage entries kept (lineage depth is at most 6). */
  public static final int MAX_LINEAGE = 8;

  /** Normalises: lineage never null, bounded. */
  public AuditEvent {
    lineage = lineage == null ? List.of() : List.copyOf(lineage.size() > MAX_LINEAGE
        ? lineage.subList(0, MAX_LINEAGE) : lineage);
  }

  /**
   * The original form (kept so every existing call site compiles): no root, lineage or admin; the tool is
   * read from an action of the form {@code tools/call NAME}.
   */
  public AuditEvent(Instant time, String node, String requestId, String action, String outcome, String code,
      String detail, String agent, String task, String resource, String remote, int status, long micros) {
    this(time, node, requestId, action, outcome, code, detail, agent, task, null, List.of(), null, toolOf(action),
        resource, remote, status, micros);
  }

  /** A builder for events that are not HTTP requests (admin actions, policy reloads, audit's own events). */
  public static Builder builder(Instant time, String node, String action) {
    return new Builder(time, node, action);
  }

  /** The tool named by an action {@code tools/call NAME} or {@code ... (NAME)}, else {@code null}. */
  static String toolOf(String action) {
    if (action == null) {
      return null;
    }
    if (action.startsWith("tools/call ")) {
      return action.substring("tools/call ".length());
    }
    int open = action.lastIndexOf(" (");
    if (open > 0 && action.endsWith(")")) {
      return action.substring(open + 2, action.length() - 1);
    }
    return null;
  }

  /** This event with the lineage of a task tree (where not yet known). */
  public AuditEvent withLineage(String root, List<String> lineage) {
    return new AuditEvent(time, node, requestId, action, outcome, code, detail, agent, task,
        this.root != null ? this.root : root, this.lineage.isEmpty() ? lineage : this.lineage, admin, tool,
        resource, remote, status, micros);
  }

  /** The event as one JSON object (stable field names, documented in docs/audit.md). */
  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("time", time.toString()).put("node", clip(node));
    putIf(o, "request", requestId);
    o.put("event", clip(action)).put("decision", clip(outcome)).put("reason", clip(code));
    putIf(o, "detail", detail);
    putIf(o, "agent", agent);
    putIf(o, "admin", admin);
    putIf(o, "task", task);
    putIf(o, "root", root);
    if (!lineage.isEmpty()) {
      JsonArray a = new JsonArray();
      lineage.forEach(t -> a.add(clip(t)));
      o.put("lineage", a);
    }
    putIf(o, "tool", tool);
    putIf(o, "resource", resource);
    putIf(o, "remote", remote);
    return o.put("status", status).put("micros", micros);
  }

  private static void putIf(JsonObject o, String key, String value) {
    if (value != null) {
      o.put(key, clip(value));
    }
  }

  private static String clip(String s) {
    return s == null || s.length() <= MAX_FIELD ? s : s.substring(0, MAX_FIELD) + "…";
  }

  /** Builds an {@link AuditEvent} field by field; unset fields are absent. */
  public static final class Builder {
    private final Instant time;
    private final String node;
    private final String action;
    private String requestId;
    private String outcome = "allow";
    private String code = "ok";
    private String detail;
    private String agent;
    private String task;
    private String root;
    private List<String> lineage = List.of();
    private String admin;
    private String tool;
    private String resource;
    private String remote;
    private int status;
    private long micros;

    private Builder(Instant time, String node, String action) {
      this.time = time;
      this.node = node;
      this.action = action;
      this.tool = toolOf(action);
    }

    /** Request id. */
    public Builder request(String id) {
      this.requestId = id;
      return this;
    }

    /** Allowed. */
    public Builder allow() {
      this.outcome = "allow";
      this.code = "ok";
      return this;
    }

    /** Denied for {@code code}, with an audit-only detail. */
    public Builder deny(String code, String detail) {
      this.outcome = "deny";
      this.code = code;
      this.detail = detail;
      return this;
    }

    /** Failed on our side for {@code code}. */
    public Builder error(String code, String detail) {
      this.outcome = "error";
      this.code = code;
      this.detail = detail;
      return this;
    }

    /** An audit-only detail. */
    public Builder detail(String detail) {
      this.detail = detail;
      return this;
    }

    /** The agent. */
    public Builder agent(String agent) {
      this.agent = agent;
      return this;
    }

    /** The acting task. */
    public Builder task(String task) {
      this.task = task;
      return this;
    }

    /** Root and lineage. */
    public Builder lineage(String root, List<String> lineage) {
      this.root = root;
      this.lineage = lineage == null ? List.of() : lineage;
      return this;
    }

    /** The operator. */
    public Builder admin(String admin) {
      this.admin = admin;
      return this;
    }

    /** The resource ({@code task:ID}, {@code node:ID}, ...). */
    public Builder resource(String resource) {
      this.resource = resource;
      return this;
    }

    /** The client address. */
    public Builder remote(String remote) {
      this.remote = remote;
      return this;
    }

    /** The HTTP status answered. */
    public Builder status(int status) {
      this.status = status;
      return this;
    }

    /** Handling time. */
    public Builder micros(long micros) {
      this.micros = micros;
      return this;
    }

    /** The event. */
    public AuditEvent build() {
      return new AuditEvent(time, node, requestId, action, outcome, code, detail, agent, task, root, lineage, admin,
          tool, resource, remote, status, micros);
    }
  }
}
