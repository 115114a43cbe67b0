package dev.ephyr.broker.admin;

import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.broker.audit.AuditEvent;
import dev.ephyr.broker.audit.AuditQuery;
import dev.ephyr.broker.bus.Opened;
import dev.ephyr.broker.http.ClusterFailures;
import dev.ephyr.broker.policy.AdminPolicy;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.tasks.StatusFilter;
import dev.ephyr.broker.tasks.TaskService;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.cluster.ClusterStatus;
import dev.ephyr.cluster.MemberView;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator API on the event bus ({@code ephyr.admin.*}, local consumers: only this node's fronts reach
 * them). Every message carries an admin credential that this verticle checks itself against the policy in
 * force (admins are stored hashed); a missing or unknown credential is refused. Every call is audited under
 * the admin's name (never the credential). Task operations go through {@link TaskService}; status, audit
 * queries and policy reloads fan out to each member's per-node address ({@code ephyr.admin.node.<id>.<op>})
 * with a sealed {@link AdminAssertion} of the checked admin instead of the credential.
 */
public final class AdminVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AdminVerticle.class);

  /** Bounds of the unfiltered task listing. */
  private static final int MAX_AGENTS_LISTED = 64;
  private static final int MAX_TASKS_LISTED = 1000;
  /** Longest a backup may take before the operator is told it did not finish in time (it goes on). */
  private static final long BACKUP_TIMEOUT_MS = 10 * 60_000;

  private final AdminDeps deps;
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();

  /** The admin API of one node. */
  public AdminVerticle(AdminDeps deps) {
    this.deps = deps;
  }

  /** Per-node address of {@code op} ({@code status}, {@code audit-query}, {@code policy-reload}). */
  public static String nodeAddress(String nodeId, String op) {
    return Addresses.ADMIN_NODE_PREFIX + nodeId + "." + op;
  }

  /** An operation: the checked admin and the call; completes with the outcome (never fails). */
  private interface Op {
    Future<AdminOutcome> run(AdminPolicy admin, AdminCall call);
  }

  @Override
  public Future<?> start() {
    List<Future<Void>> ready = new ArrayList<>();
    ready.add(on(Addresses.ADMIN_STATUS, "admin.status", true, this::status));
    ready.add(on(Addresses.ADMIN_REVOKE, "admin.revoke", true, this::revoke));
    ready.add(on(Addresses.ADMIN_REISSUE, "admin.reissue", true, this::reissue));
    ready.add(on(Addresses.ADMIN_TASK_GET, "admin.task.get", true, (a, c) -> taskView(c, false)));
    ready.add(on(Addresses.ADMIN_TASK_TREE, "admin.task.tree", true, (a, c) -> taskView(c, true)));
    ready.add(on(Addresses.ADMIN_TASK_LIST, "admin.task.list", true, this::list));
    ready.add(on(Addresses.ADMIN_AUDIT_QUERY, "admin.audit.query", true, this::auditQuery));
    ready.add(on(Addresses.ADMIN_POLICY_RELOAD, "admin.policy.reload", true, this::policyReload));
    ready.add(on(Addresses.ADMIN_CONFIG_RELOAD, "admin.config.reload", true, this::configReload));
    ready.add(on(Addresses.ADMIN_SESSION, "admin.session", true, this::session));
    ready.add(on(Addresses.ADMIN_STATE_BACKUP, "admin.state.backup", true, this::stateBackup));
    ready.add(on(Addresses.ADMIN_SERVICES, "admin.services", false, (a, c) -> view("services",
        Future.succeededFuture(deps.views().services().get()))));
    ready.add(on(Addresses.ADMIN_REMOTES, "admin.remotes", false, (a, c) -> view("remotes",
        Future.succeededFuture(deps.views().remotes().get()))));
    ready.add(on(Addresses.ADMIN_CERTS, "admin.certs", false, (a, c) -> view("certs", deps.views().certs().get())));
    ready.add(on(Addresses.ADMIN_SESSION_END, "admin.session.end", true, this::endSession));
    ready.add(on(Addresses.ADMIN_AUDIT_LIVE, "admin.audit.live", true, (a, c) -> Future.succeededFuture(
        new AdminOutcome.Done(new JsonObject().put("admin", a.name()), AdminOutcome.Facts.NONE))));
    // A stream's periodic re-check: recorded only when it ends the stream (refused).
    ready.add(on(Addresses.ADMIN_AUDIT_LIVE_CHECK, "admin.audit.live", false, (a, c) -> Future.succeededFuture(
        new AdminOutcome.Done(new JsonObject().put("admin", a.name()), AdminOutcome.Facts.NONE))));
    // Live streams re-check their admin at once when this node's policy changes (not only every few seconds).
    DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
    deps.policy().onChange(p -> vertx.eventBus().publish(Addresses.ADMIN_POLICY_CHANGED, p.hash(), local));
    // Per-node parts of a fan-out, the only admin addresses other nodes reach: audited only when refused or
    // when they change something (the reload).
    ready.add(onForwarded("status", "admin.node.status", false, this::nodeStatus));
    ready.add(onForwarded("audit-query", "admin.node.audit-query", false, this::nodeAuditQuery));
    ready.add(onForwarded("policy-reload", "admin.node.policy-reload", true, this::nodePolicyReload));
    ready.add(onForwarded("config-reload", "admin.node.config-reload", true, this::nodeConfigReload));
    return Future.all(ready);
  }

  /** An operation the fronts of this node ask for (local only: no other node may send a credential here). */
  private Future<Void> on(String address, String event, boolean auditAllowed, Op op) {
    MessageConsumer<Object> c = vertx.eventBus().localConsumer(address, m -> handle(m, event, auditAllowed, op));
    consumers.add(c);
    return c.completion();
  }

  /**
   * This node's part of a fan-out: reached from other nodes, with no credential, only the sealed assertion of
   * the node that checked the admin ({@link AdminAssertion}); the answer goes back sealed to that request.
   */
  private Future<Void> onForwarded(String op, String event, boolean auditAllowed, Op run) {
    String address = nodeAddress(deps.nodeId(), op);
    MessageConsumer<Object> c = vertx.eventBus().consumer(address, m -> {
      long start = System.nanoTime();
      AdminAssertion.Checked checked = AdminAssertion.open(deps.bus(), address, op, m.body(), deps.policy().current());
      if (checked instanceof AdminAssertion.Checked.Refused r) {
        AdminOutcome refused = new AdminOutcome.Refused(401, "admin_unauthorized", r.why(),
            new AdminOutcome.Facts(null, null, List.of(), r.why()));
        m.reply(refused.reply());
        record(event, null, AdminCall.parse(null), refused, start);
        return;
      }
      AdminAssertion.Checked.Accepted ok = (AdminAssertion.Checked.Accepted) checked;
      Future<AdminOutcome> out;
      try {
        out = run.run(ok.admin(), ok.call());
      } catch (RuntimeException e) {
        out = Future.failedFuture(e);
      }
      out.recover(e -> Future.succeededFuture(failure(e))).onSuccess(o -> {
        m.reply(deps.bus().sealReply(ok.request(), o.reply()));
        if (auditAllowed || o instanceof AdminOutcome.Refused) {
          record(event, ok.admin().name(), ok.call(), o, start);
        }
      });
    });
    consumers.add(c);
    return c.completion();
  }

  private void handle(Message<Object> m, String event, boolean auditAllowed, Op op) {
    long start = System.nanoTime();
    AdminCall call = AdminCall.parse(m.body());
    check(call.credential()).onComplete(checked -> {
      if (checked.failed()) {
        // Fail closed: a session that may have been signed out is not honoured.
        AdminOutcome unavailable = new AdminOutcome.Refused(503, "session_check_unavailable", "cannot tell now "
            + "whether this session was signed out (the cluster did not answer); retry", new AdminOutcome.Facts(
            null, null, List.of(), "session check: " + checked.cause()));
        m.reply(unavailable.reply());
        record(event, null, call, unavailable, start);
      } else if (checked.result().isEmpty()) {
        String why = call.credential() == null ? "no admin credential in the message"
            : AdminSessions.looksLikeSession(call.credential())
            ? "the session has ended (signed out or expired) or its admin is no longer in the policy; sign in again"
            : "the admin credential is not one of the policy's admins";
        AdminOutcome refused = new AdminOutcome.Refused(401, "admin_unauthorized", why + "; send "
            + "'Authorization: Bearer <admin credential>' (see docs/admin.md)", AdminOutcome.Facts.NONE);
        m.reply(refused.reply());
        record(event, null, call, refused, start);
      } else {
        run(m, event, auditAllowed, op, call, checked.result().get(), start);
      }
    });
  }

  private void run(Message<Object> m, String event, boolean auditAllowed, Op op, AdminCall call, AdminPolicy admin,
      long start) {
    Future<AdminOutcome> out;
    try {
      out = op.run(admin, call);
    } catch (RuntimeException e) {
      out = Future.failedFuture(e);
    }
    out.recover(e -> Future.succeededFuture(failure(e))).onSuccess(o -> {
      m.reply(o.reply());
      if (auditAllowed || o instanceof AdminOutcome.Refused) {
        record(event, admin.name(), call, o, start);
      }
    });
  }

  /** The admin {@code credential} names under the policy in force; a session also must not have been ended. */
  private Future<Optional<AdminPolicy>> check(String credential) {
    if (credential == null) {
      return Future.succeededFuture(Optional.empty());
    }
    Policy p = deps.policy().current();
    if (!AdminSessions.looksLikeSession(credential)) {
      return Future.succeededFuture(p.adminForCredential(credential));
    }
    Optional<AdminSessions.Valid> session = deps.sessions().check(credential, p);
    if (session.isEmpty()) {
      return Future.succeededFuture(Optional.empty());
    }
    if (!deps.cluster().readiness().isReady()) {
      // Cut off from a quorum, this node may not see a sign-out made on the other side.
      return Future.failedFuture(new IllegalStateException("node not ready: " + deps.cluster().readiness().detail()));
    }
    return deps.sessions().isEnded(session.get(), context)
        .map(ended -> ended ? Optional.<AdminPolicy>empty() : Optional.of(session.get().admin()));
  }

  /** Signs a dashboard session out on every node: done once the cluster map holds it. */
  private Future<AdminOutcome> endSession(AdminPolicy admin, AdminCall call) {
    Optional<AdminSessions.Valid> session = AdminSessions.looksLikeSession(call.credential())
        ? deps.sessions().check(call.credential(), deps.policy().current()) : Optional.empty();
    if (session.isEmpty()) {
      return Future.succeededFuture(new AdminOutcome.Refused(400, "session_required",
          "signing out ends a dashboard session: send its cookie, not an admin credential", AdminOutcome.Facts.NONE));
    }
    return deps.sessions().end(session.get(), context)
        .map(v -> (AdminOutcome) new AdminOutcome.Done(new JsonObject().put("ended", true).put("admin", admin.name()),
            new AdminOutcome.Facts("session", null, List.of(), "signed out: the session is refused on every node")))
        .recover(e -> Future.succeededFuture(new AdminOutcome.Refused(503, "sign_out_unavailable",
            "the sign-out could not be recorded cluster-wide, so the session is still valid; retry",
            new AdminOutcome.Facts("session", null, List.of(), "ended-sessions map: " + e))));
  }

  /** A read-only listing ({@code {"<key>": [...]}}); reads like these are audited only when refused. */
  private static Future<AdminOutcome> view(String key, Future<JsonArray> rows) {
    return rows.map(r -> (AdminOutcome) new AdminOutcome.Done(new JsonObject().put(key, r), AdminOutcome.Facts.NONE));
  }

  /** Signs the dashboard in: the admin credential (not a session) buys a session token for the cookie. */
  private Future<AdminOutcome> session(AdminPolicy admin, AdminCall call) {
    if (AdminSessions.looksLikeSession(call.credential())) {
      return Future.succeededFuture(new AdminOutcome.Refused(400, "credential_required",
          "sign in with the admin credential itself, not a session", AdminOutcome.Facts.NONE));
    }
    return Future.succeededFuture(new AdminOutcome.Done(new JsonObject().put("session", deps.sessions().mint(admin))
        .put("admin", admin.name()).put("expires_in", deps.sessions().ttl().toSeconds()), AdminOutcome.Facts.NONE));
  }

  private static AdminOutcome failure(Throwable e) {
    if (ClusterFailures.isStateUnwritable(e)) {
      return new AdminOutcome.Refused(503, "state_unwritable", "this node cannot write its durable state: "
          + e.getMessage() + "; the change was not made", new AdminOutcome.Facts(null, null, List.of(), e.getMessage()));
    }
    if (ClusterFailures.isClusterUnavailable(e)) {
      return new AdminOutcome.Refused(503, "cluster_unavailable", "this node cannot reach a quorum of the cluster "
          + "right now; retry on another node", new AdminOutcome.Facts(null, null, List.of(), e.getMessage()));
    }
    LOG.error("admin operation failed", e);
    return new AdminOutcome.Refused(500, "internal_error", "internal error",
        new AdminOutcome.Facts(null, null, List.of(), e.toString()));
  }

  private void record(String event, String admin, AdminCall call, AdminOutcome o, long startNanos) {
    AdminOutcome.Facts f = o.facts();
    AuditEvent.Builder b = AuditEvent.builder(deps.clock().instant(), deps.nodeId(), event)
        .request(call.requestId()).remote(call.remote()).admin(admin).resource(f.resource())
        .lineage(f.root(), f.lineage()).micros((System.nanoTime() - startNanos) / 1000);
    if (o instanceof AdminOutcome.Refused r) {
      b.status(r.status());
      if (r.status() >= 500) {
        b.error(r.code(), f.detail() != null ? f.detail() : r.message());
      } else {
        b.deny(r.code(), f.detail() != null ? f.detail() : r.message());
      }
    } else {
      b.status(200).allow().detail(f.detail());
    }
    deps.audit().record(b.build());
  }

  // ----------------------------------------------------------------------------------------- task operations

  private Future<AdminOutcome> revoke(AdminPolicy admin, AdminCall call) {
    String id = taskId(call.args());
    if (id == null) {
      return bad("task_id (a 26-character task id) is required");
    }
    return deps.tasks().revokeAsOperator(id, context).compose(r -> withLineage(id, r));
  }

  private Future<AdminOutcome> reissue(AdminPolicy admin, AdminCall call) {
    Object token = call.args().getValue("token");
    if (!(token instanceof String t)) {
      return bad("token (the task's current token) is required: a task's token can only be reissued from itself");
    }
    return deps.tasks().reissueAsOperator(t, context).compose(r -> {
      String id = r instanceof ToolResult.Ok ok ? ok.value().getString("task_id") : null;
      return id == null ? Future.succeededFuture(outcome(r, null)) : withLineage(id, r);
    });
  }

  /** The outcome of {@code r}, with the task's root and lineage for audit (one more registry read). */
  private Future<AdminOutcome> withLineage(String id, ToolResult r) {
    return deps.tasks().taskAsOperator(id, context).map(info -> {
      if (info instanceof ToolResult.Ok ok) {
        JsonArray l = ok.value().getJsonArray("lineage", new JsonArray());
        List<String> lineage = new ArrayList<>();
        l.forEach(x -> lineage.add(String.valueOf(x)));
        return outcome(r, new AdminOutcome.Facts("task:" + id, ok.value().getString("root_id"), lineage, null));
      }
      return outcome(r, AdminOutcome.Facts.resource("task:" + id));
    }).recover(e -> Future.succeededFuture(outcome(r, AdminOutcome.Facts.resource("task:" + id))));
  }

  private Future<AdminOutcome> taskView(AdminCall call, boolean tree) {
    String id = taskId(call.args());
    if (id == null) {
      return bad("task_id (a 26-character task id) is required");
    }
    Future<ToolResult> f = tree ? deps.tasks().treeAsOperator(id, context) : deps.tasks().taskAsOperator(id, context);
    return f.map(r -> {
      List<String> lineage = new ArrayList<>();
      String root = null;
      if (r instanceof ToolResult.Ok ok) {
        ok.value().getJsonArray("lineage", new JsonArray()).forEach(x -> lineage.add(String.valueOf(x)));
        root = ok.value().getString("root_id");
      }
      return outcome(r, new AdminOutcome.Facts("task:" + id, root, lineage, null));
    });
  }

  private Future<AdminOutcome> list(AdminPolicy admin, AdminCall call) {
    JsonObject a = call.args();
    String agent = a.getValue("agent") instanceof String s ? s : null;
    String root = a.getValue("root") instanceof String s ? s : null;
    Object st = a.getValue("status");
    StatusFilter filter;
    if (st == null || "active".equals(st)) {
      filter = StatusFilter.ACTIVE;
    } else if ("revoked".equals(st)) {
      filter = StatusFilter.REVOKED;
    } else if ("all".equals(st)) {
      filter = StatusFilter.ALL;
    } else {
      return bad("status must be active, revoked or all");
    }
    if (agent == null && root == null) {
      return listEveryAgent(filter);
    }
    return deps.tasks().listAsOperator(agent, root, filter, context)
        .map(r -> outcome(r, AdminOutcome.Facts.resource(root != null ? "task:" + root
            : agent != null ? "agent:" + clip(agent) : null)));
  }

  /** Without a filter (the dashboard's overview): the tasks of every agent in the policy, merged and bounded. */
  private Future<AdminOutcome> listEveryAgent(StatusFilter filter) {
    List<String> agents = new ArrayList<>(new java.util.TreeSet<>(deps.policy().current().agents().keySet()));
    boolean tooMany = agents.size() > MAX_AGENTS_LISTED;
    List<Future<ToolResult>> parts = new ArrayList<>();
    for (String a : agents.subList(0, Math.min(agents.size(), MAX_AGENTS_LISTED))) {
      parts.add(deps.tasks().listAsOperator(a, null, filter, context));
    }
    return Future.all(parts).map(cf -> {
      JsonArray tasks = new JsonArray();
      boolean truncated = tooMany;
      for (int i = 0; i < parts.size(); i++) {
        if (cf.resultAt(i) instanceof ToolResult.Ok ok) {
          truncated |= ok.value().getBoolean("truncated", false);
          for (Object t : ok.value().getJsonArray("tasks", new JsonArray())) {
            if (tasks.size() >= MAX_TASKS_LISTED) {
              truncated = true;
              break;
            }
            tasks.add(t);
          }
        }
      }
      return (AdminOutcome) new AdminOutcome.Done(new JsonObject().put("tasks", tasks).put("count", tasks.size())
          .put("truncated", truncated), AdminOutcome.Facts.resource("agents:*"));
    });
  }

  private static String taskId(JsonObject args) {
    return args.getValue("task_id") instanceof String s && s.length() == 26 ? s : null;
  }

  private static AdminOutcome outcome(ToolResult r, AdminOutcome.Facts facts) {
    AdminOutcome.Facts f = facts == null ? AdminOutcome.Facts.NONE : facts;
    if (r instanceof ToolResult.Ok ok) {
      return new AdminOutcome.Done(ok.value(), f);
    }
    if (r instanceof ToolResult.BadParams b) {
      return new AdminOutcome.Refused(400, "invalid_params", b.message(), f);
    }
    ToolResult.Denied d = (ToolResult.Denied) r;
    int status = switch (d.code()) {
      case "not_found" -> 404;
      case "token_bound", "already_bound" -> 409;
      default -> 403;
    };
    return new AdminOutcome.Refused(status, d.code(), d.message(),
        new AdminOutcome.Facts(f.resource(), f.root(), f.lineage(), d.auditDetail()));
  }

  /**
   * Has this node write a backup of its state and audit trail into a new directory on its own disk (the state
   * verticle does the work off the event loop); refusals and failures come back with the node's one-line reason.
   */
  private Future<AdminOutcome> stateBackup(AdminPolicy admin, AdminCall call) {
    Object dir = call.args().getValue("dir");
    if (!(dir instanceof String d) || d.isEmpty() || d.length() > 4096) {
      return bad("dir is required: an absolute path on the node for a new backup directory");
    }
    AdminOutcome.Facts facts = new AdminOutcome.Facts("node:" + deps.nodeId(), null, List.of(), "backup to " + clip(d));
    DeliveryOptions local = new DeliveryOptions().setLocalOnly(true).setSendTimeout(BACKUP_TIMEOUT_MS);
    return vertx.eventBus().<JsonObject>request(Addresses.STATE_BACKUP, new JsonObject().put("dir", d), local)
        .<AdminOutcome>map(r -> new AdminOutcome.Done(r.body().put("node", deps.nodeId()), facts))
        .recover(e -> {
          if (e instanceof io.vertx.core.eventbus.ReplyException re
              && re.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE) {
            boolean refused = re.failureCode() == dev.ephyr.broker.state.BackupVerticle.REFUSED;
            return Future.succeededFuture(new AdminOutcome.Refused(refused ? 400 : 500,
                refused ? "backup_refused" : "backup_failed", re.getMessage(),
                new AdminOutcome.Facts(facts.resource(), null, List.of(), re.getMessage())));
          }
          return Future.succeededFuture(new AdminOutcome.Refused(503, "backup_unavailable", "the backup did not "
              + "finish in time or this node cannot take backups now (" + e.getMessage() + "); a backup directory "
              + "is complete only once it holds manifest.json", new AdminOutcome.Facts(facts.resource(), null,
              List.of(), String.valueOf(e.getMessage()))));
        });
  }

  private static Future<AdminOutcome> bad(String message) {
    return Future.succeededFuture(new AdminOutcome.Refused(400, "invalid_params", message, AdminOutcome.Facts.NONE));
  }

  private static String clip(String s) {
    return s.length() > 64 ? s.substring(0, 64) : s;
  }

  // ------------------------------------------------------------------------------------------ fan-out

  /** Asks every member's per-node {@code op}; unanswered members come back as {@code {node, error}}. */
  private Future<List<JsonObject>> fanOut(List<String> nodes, String op, AdminPolicy admin, AdminCall call,
      JsonObject args) {
    DeliveryOptions opts = new DeliveryOptions().setSendTimeout(deps.fanOutTimeout().toMillis());
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (String node : nodes) {
      // Never the operator's credential: a sealed, short-lived "admin X was checked here for op O".
      String address = nodeAddress(node, op);
      JsonObject sealed = AdminAssertion.seal(deps.bus(), address, op, admin, call, args);
      answers.add(vertx.eventBus().<Object>request(address, sealed, opts)
          .map(msg -> {
            Opened reply = deps.bus().openReply(sealed, msg.body());
            JsonObject body = reply instanceof Opened.Ok ok ? ok.body() : new JsonObject()
                .put("error", "unauthenticated_reply").put("message", "the answer could not be authenticated ("
                    + ((Opened.Refused) reply).code() + ")");
            if (Boolean.TRUE.equals(body.getValue("ok")) && body.getValue("result") instanceof JsonObject r) {
              return r.put("node", node);
            }
            return new JsonObject().put("node", node).put("error", body.getString("error", "bad_reply"))
                .put("message", body.getString("message", ""));
          })
          .otherwise(e -> new JsonObject().put("node", node).put("error", "unreachable")
              .put("message", "no answer within " + deps.fanOutTimeout().toMillis() + " ms ("
                  + e.getClass().getSimpleName() + ")")));
    }
    return Future.join(answers).map(cf -> {
      List<JsonObject> out = new ArrayList<>();
      for (int i = 0; i < answers.size(); i++) {
        out.add(cf.resultAt(i));
      }
      return out;
    }).recover(e -> {
      List<JsonObject> out = new ArrayList<>();
      for (Future<JsonObject> f : answers) {
        out.add(f.result());
      }
      return Future.succeededFuture(out);
    });
  }

  private List<String> memberIds() {
    List<String> ids = new ArrayList<>();
    for (MemberView m : deps.cluster().status().members()) {
      ids.add(m.nodeId());
    }
    if (ids.isEmpty()) {
      ids.add(deps.nodeId());
    }
    return ids;
  }

  // --------------------------------------------------------------------------------------- cluster status

  private Future<AdminOutcome> status(AdminPolicy admin, AdminCall call) {
    ClusterStatus cs = deps.cluster().status();
    return fanOut(memberIds(), "status", admin, call, new JsonObject()).map(nodes ->
        new AdminOutcome.Done(ClusterStatusView.render(deps.nodeId(), cs, nodes), AdminOutcome.Facts.NONE));
  }

  private Future<AdminOutcome> nodeStatus(AdminPolicy admin, AdminCall call) {
    var r = deps.cluster().readiness();
    Policy p = deps.policy().current();
    JsonObject o = new JsonObject()
        .put("state", r.state().name().toLowerCase(java.util.Locale.ROOT)).put("detail", r.detail())
        .put("ready", r.isReady())
        .put("policy_hash", p.hash())
        .put("keyring_fingerprint", deps.keyringFingerprint())
        .put("watermarks", deps.cluster().watermarks().mirrorSize())
        .put("members_seen", deps.cluster().status().members().size())
        .put("blocked_thread_warnings", deps.blockedThreads().getAsLong())
        .put("audit", deps.auditStats().toJson(deps.auditBacklog()));
    deps.cluster().stateStats().ifPresent(st -> o.put("state_store", stateJson(st)));
    deps.policy().lastError().ifPresent(e -> o.put("policy_error", e));
    return Future.succeededFuture(new AdminOutcome.Done(o, AdminOutcome.Facts.NONE));
  }

  static JsonObject stateJson(dev.ephyr.cluster.StateStore.Stats st) {
    JsonObject j = new JsonObject().put("dir", st.dir()).put("bytes", st.bytes()).put("max_bytes", st.maxBytes())
        .put("watermarks", st.watermarks()).put("tasks", st.tasks()).put("certificates", st.certificates())
        .put("syncs", st.syncs()).put("writes", st.writes()).put("writable", st.failure() == null);
    if (st.failure() != null) {
      j.put("failure", st.failure());
    }
    return j;
  }

  // ----------------------------------------------------------------------------------------- audit query

  private Future<AdminOutcome> auditQuery(AdminPolicy admin, AdminCall call) {
    AuditQuery q;
    try {
      q = AuditQuery.fromJson(call.args());
    } catch (AuditQuery.BadQuery e) {
      return bad(e.getMessage());
    }
    AdminOutcome.Facts facts = new AdminOutcome.Facts(q.task() != null ? "task:" + q.task() : null, null, List.of(),
        q.toJson().encode());
    return fanOut(memberIds(), "audit-query", admin, call, q.toJson())
        .map(nodes -> new AdminOutcome.Done(AuditMerge.merge(nodes, q.limit()), facts));
  }

  private Future<AdminOutcome> nodeAuditQuery(AdminPolicy admin, AdminCall call) {
    DeliveryOptions local = new DeliveryOptions().setLocalOnly(true).setSendTimeout(deps.fanOutTimeout().toMillis());
    return vertx.eventBus().<JsonObject>request(Addresses.AUDIT_QUERY, call.args(), local).map(m -> {
      JsonObject body = m.body();
      if (body.getValue("error") instanceof String code) {
        int status = "invalid_params".equals(code) ? 400 : 500;
        return (AdminOutcome) new AdminOutcome.Refused(status, code, body.getString("message", ""),
            AdminOutcome.Facts.NONE);
      }
      return new AdminOutcome.Done(body, AdminOutcome.Facts.NONE);
    });
  }

  // --------------------------------------------------------------------------------------- policy reload

  /** The members a reload names ({@code node}: an id or {@code "all"}), or the refusal to answer instead. */
  private sealed interface Targets {
    record Members(String named, List<String> ids) implements Targets {}
    record Refusal(Future<AdminOutcome> answer) implements Targets {}
  }

  private Targets reloadTargets(AdminCall call) {
    Object node = call.args().getValue("node");
    if (!(node instanceof String n) || n.isEmpty() || n.length() > 128) {
      return new Targets.Refusal(bad("node is required: a node id, or \"all\""));
    }
    if (n.equals("all")) {
      return new Targets.Members(n, memberIds());
    } else if (memberIds().contains(n)) {
      return new Targets.Members(n, List.of(n));
    }
    return new Targets.Refusal(Future.succeededFuture(new AdminOutcome.Refused(404, "not_found", "no member named "
        + clip(n) + " (members: " + String.join(", ", memberIds()) + ")",
        AdminOutcome.Facts.resource("node:" + clip(n)))));
  }

  private Future<AdminOutcome> policyReload(AdminPolicy admin, AdminCall call) {
    Targets t = reloadTargets(call);
    if (t instanceof Targets.Refusal r) {
      return r.answer();
    }
    String n = ((Targets.Members) t).named();
    List<String> targets = ((Targets.Members) t).ids();
    return fanOut(targets, "policy-reload", admin, call, new JsonObject()).map(nodes -> {
      JsonArray out = new JsonArray();
      boolean allOk = true;
      for (JsonObject o : nodes) {
        out.add(o);
        allOk &= !o.containsKey("error");
      }
      JsonObject result = new JsonObject().put("nodes", out).put("all_ok", allOk);
      return new AdminOutcome.Done(result, new AdminOutcome.Facts("node:" + clip(n), null, List.of(),
          allOk ? null : "some nodes kept their old policy"));
    });
  }

  private Future<AdminOutcome> nodePolicyReload(AdminPolicy admin, AdminCall call) {
    String before = deps.policy().current().hash();
    return deps.policy().reload().map(p -> (AdminOutcome) new AdminOutcome.Done(new JsonObject()
            .put("policy_hash", p.hash()).put("changed", !p.hash().equals(before)),
            new AdminOutcome.Facts("node:" + deps.nodeId(), null, List.of(), "policy hash " + p.hash())))
        .recover(e -> Future.succeededFuture(new AdminOutcome.Refused(422, "policy_invalid",
            "the policy file was refused; the old policy stays in force: " + e.getMessage(),
            AdminOutcome.Facts.resource("node:" + deps.nodeId()))));
  }

  // --------------------------------------------------------------------------------------- config reload

  private Future<AdminOutcome> configReload(AdminPolicy admin, AdminCall call) {
    Targets t = reloadTargets(call);
    if (t instanceof Targets.Refusal r) {
      return r.answer();
    }
    Targets.Members m = (Targets.Members) t;
    return fanOut(m.ids(), "config-reload", admin, call, new JsonObject()).map(nodes -> {
      JsonArray out = new JsonArray();
      boolean allOk = true;
      boolean restart = false;
      for (JsonObject o : nodes) {
        out.add(o);
        allOk &= !o.containsKey("error");
        restart |= !o.getJsonArray("needs_restart", new JsonArray()).isEmpty();
      }
      JsonObject result = new JsonObject().put("nodes", out).put("all_ok", allOk).put("restart_needed", restart);
      return new AdminOutcome.Done(result, new AdminOutcome.Facts("node:" + clip(m.named()), null, List.of(),
          allOk ? null : "some nodes kept their configuration"));
    });
  }

  /** This node re-reads its configuration file (off the event loop) and applies what may change live. */
  private Future<AdminOutcome> nodeConfigReload(AdminPolicy admin, AdminCall call) {
    return vertx.executeBlocking(() -> deps.config().reload(), false)
        .map(c -> (AdminOutcome) new AdminOutcome.Done(new JsonObject()
            .put("applied", new JsonArray(c.applied())).put("needs_restart", new JsonArray(c.needsRestart())),
            new AdminOutcome.Facts("node:" + deps.nodeId(), null, List.of(), c.summary())))
        .recover(e -> Future.succeededFuture(new AdminOutcome.Refused(422, "config_invalid",
            "the node configuration was refused; nothing changed: " + e.getMessage(),
            AdminOutcome.Facts.resource("node:" + deps.nodeId()))));
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> all = new ArrayList<>();
    for (MessageConsumer<Object> c : consumers) {
      all.add(c.unregister());
    }
    return Future.join(all);
  }
}
