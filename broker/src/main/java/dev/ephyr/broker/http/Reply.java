package dev.ephyr.broker.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a pipeline answers: status, headers and body for the client, plus the {@link Audit} facts for the
 * audit step (which the client never sees).
 *
 * @param status HTTP status
 * @param headers response headers
 * @param body body, or {@code null} for none
 * @param audit what audit and metrics record about this request
 */
public record Reply(int status, Map<String, String> headers, Buffer body, Audit audit) {

  /** Copies the headers. */
  public Reply {
    headers = Map.copyOf(headers);
  }

  /**
   * Audit facts of one request.
   *
   * @param outcome {@code allow}, {@code deny} or {@code error}
   * @param code a stable reason code ({@code ok} when allowed)
   * @param detail precise reason for audit only, never sent to clients
   * @param agent the calling agent, if known
   * @param task the acting task, if any
   * @param action what was attempted ({@code tools/call task_create}, {@code GET /v1/tasks}, ...)
   * @param resource what it touched or tried to ({@code target:web1}, {@code service:gitea},
   *     {@code remote:fs}), or null
   * @param root the root task of the acting task, if known
   * @param lineage task ids from the root to the acting task ({@code null} when unknown)
   */
  public record Audit(String outcome, String code, String detail, String agent, String task, String action,
      String resource, String root, java.util.List<String> lineage) {
    /** Audit facts without lineage (filled in later by authentication). */
    public Audit(String outcome, String code, String detail, String agent, String task, String action,
        String resource) {
      this(outcome, code, detail, agent, task, action, resource, null, null);
    }

    /** This audit with the task tree filled in (where not yet known). */
    public Audit lineage(String root, java.util.List<String> lineage) {
      return new Audit(outcome, code, detail, agent, task, action, resource, this.root != null ? this.root : root,
          this.lineage != null ? this.lineage : lineage);
    }

    /** Allowed. */
    public static Audit allow(String action) {
      return new Audit("allow", "ok", null, null, null, action, null);
    }

    /** Denied for {@code code}. */
    public static Audit deny(String code, String detail) {
      return new Audit("deny", code, detail, null, null, null, null);
    }

    /** This audit with the caller filled in (where not yet known). */
    public Audit caller(String agent, String task) {
      return new Audit(outcome, code, detail, this.agent != null ? this.agent : agent,
          this.task != null ? this.task : task, action, resource, root, lineage);
    }

    /** This audit with the action filled in (where not yet known). */
    public Audit action(String action) {
      return new Audit(outcome, code, detail, agent, task, this.action != null ? this.action : action, resource,
          root, lineage);
    }

    /** This audit with the resource filled in (where not yet known). */
    public Audit resource(String resource) {
      return new Audit(outcome, code, detail, agent, task, action, this.resource != null ? this.resource : resource,
          root, lineage);
    }
  }

  /** A JSON reply. */
  public static Reply json(int status, Object json, Audit audit) {
    Buffer b = json instanceof JsonObject o ? o.toBuffer() : json instanceof JsonArray a ? a.toBuffer()
        : Buffer.buffer(String.valueOf(json));
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", "application/json");
    return new Reply(status, h, b, audit);
  }

  /** An error reply {@code {"error": code, "message": message}}. */
  public static Reply error(int status, String code, String message, String auditDetail) {
    return json(status, new JsonObject().put("error", code).put("message", message),
        Audit.deny(code, auditDetail == null ? message : auditDetail));
  }

  /** No body. */
  public static Reply empty(int status, Audit audit) {
    return new Reply(status, Map.of(), null, audit);
  }

  /** This reply with one more header. */
  public Reply withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new Reply(status, h, body, audit);
  }

  /** This reply with the audit facts transformed. */
  public Reply withAudit(Audit audit) {
    return new Reply(status, headers, body, audit);
  }

  @Override
  public String toString() {
    return "Reply[" + status + ", " + (body == null ? 0 : body.length()) + " bytes, " + audit + "]";
  }
}
