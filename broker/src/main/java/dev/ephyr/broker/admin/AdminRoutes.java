package dev.ephyr.broker.admin;

import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.broker.bus.BusSeal;
import dev.ephyr.broker.audit.AuditEvent;
import dev.ephyr.broker.audit.AuditSink;
import dev.ephyr.broker.audit.LiveListeners;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.http.Routes;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The HTTP front of the admin API under {@code /admin/}: a thin translation of requests into
 * {@code ephyr.admin.*} bus messages to this node's admin verticle (which checks the credential and audits).
 * The credential comes only from {@code Authorization: Bearer}; a request with anything credential-like in
 * its query string is refused before it goes anywhere (and audited without the value), because URLs end up
 * in logs, proxies and shell history.
 */
public final class AdminRoutes implements Routes {
  /** Query parameter names refused outright. */
  static final Set<String> SECRET_PARAMS = Set.of("token", "access_token", "key", "api_key", "apikey", "credential",
      "admin_key", "auth", "authorization", "secret", "password");

  private final String nodeId;
  private final AuditSink audit;
  private final Clock clock;
  private final AdminBus bus;
  private final LiveAudit live;

  /** Routes sending to {@code vertx}'s local admin verticle, waiting at most {@code timeout}. */
  public AdminRoutes(Vertx vertx, String nodeId, AuditSink audit, Duration timeout, Clock clock, BusSeal seal,
      LiveListeners listeners) {
    this.nodeId = nodeId;
    this.audit = audit;
    this.clock = clock;
    this.bus = new AdminBus(vertx, timeout);
    this.live = new LiveAudit(vertx, bus, seal, listeners);
  }

  @Override
  public void mount(Router router, Responder responder) {
    router.route("/admin/*").handler(responder.bodyHandler());
    router.route("/admin/*").handler(ctx -> {
      String refused = secretInQuery(ctx.queryParams());
      if (refused != null) {
        responder.respond(ctx, ex -> Future.succeededFuture(refuseQuery(ex, refused)));
      } else {
        ctx.next();
      }
    });
    get(router, responder, "/admin/status", Addresses.ADMIN_STATUS, ctx -> new JsonObject());
    get(router, responder, "/admin/tasks", Addresses.ADMIN_TASK_LIST, ctx -> query(ctx, "agent", "root", "status"));
    get(router, responder, "/admin/tasks/:id", Addresses.ADMIN_TASK_GET, AdminRoutes::idArg);
    get(router, responder, "/admin/tasks/:id/tree", Addresses.ADMIN_TASK_TREE, AdminRoutes::idArg);
    post(router, responder, "/admin/tasks/:id/revoke", Addresses.ADMIN_REVOKE, (ctx, body) -> idArg(ctx));
    post(router, responder, "/admin/reissue", Addresses.ADMIN_REISSUE, (ctx, body) -> body);
    get(router, responder, "/admin/audit", Addresses.ADMIN_AUDIT_QUERY,
        ctx -> query(ctx, "task", "agent", "since", "until", "decision", "limit"));
    post(router, responder, "/admin/policy/reload", Addresses.ADMIN_POLICY_RELOAD, (ctx, body) -> body);
    post(router, responder, "/admin/config/reload", Addresses.ADMIN_CONFIG_RELOAD, (ctx, body) -> body);
    post(router, responder, "/admin/state/backup", Addresses.ADMIN_STATE_BACKUP, (ctx, body) -> body);
    get(router, responder, "/admin/services", Addresses.ADMIN_SERVICES, ctx -> new JsonObject());
    get(router, responder, "/admin/remotes", Addresses.ADMIN_REMOTES, ctx -> new JsonObject());
    get(router, responder, "/admin/ssh/certs", Addresses.ADMIN_CERTS, ctx -> new JsonObject());
    // EventSource cannot add headers, so this read-only stream takes the session cookie without the CSRF
    // header; SameSite=Strict keeps other sites' pages from sending the cookie at all.
    router.get("/admin/audit/live").handler(ctx -> responder.respond(ctx, ex -> live.open(ctx, ex,
        ex.headers("Authorization").isEmpty() ? sessionCookie(ex.headers("Cookie")) : credential(ex))));
    router.route("/admin/*").handler(ctx -> responder.write(ctx, Reply.error(404, "not_found",
        "no such admin endpoint (see docs/admin.md)", null)));
  }

  /** The name of a credential-like query parameter (or of one whose value looks like a key), or null. */
  static String secretInQuery(MultiMap params) {
    for (Map.Entry<String, String> e : params.entries()) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      String v = e.getValue() == null ? "" : e.getValue();
      if (SECRET_PARAMS.contains(name) || v.startsWith("ek_") || v.startsWith("mac_")) {
        return e.getKey().length() > 32 ? e.getKey().substring(0, 32) : e.getKey();
      }
    }
    return null;
  }

  private Reply refuseQuery(Exchange ex, String param) {
    audit.record(AuditEvent.builder(clock.instant(), nodeId, "admin.http " + ex.method() + " " + ex.path())
        .request(ex.requestId()).remote(ex.remote()).status(400)
        .deny("credential_in_url", "query parameter '" + param + "' looks like a credential; value not recorded")
        .build());
    return Reply.error(400, "credential_in_url", "credentials are accepted only in the Authorization header, never in "
        + "the URL; this request was refused and recorded (parameter '" + param + "')", null);
  }

  private interface Args {
    JsonObject of(RoutingContext ctx);
  }

  private interface BodyArgs {
    JsonObject of(RoutingContext ctx, JsonObject body);
  }

  private void get(Router router, Responder responder, String path, String address, Args args) {
    router.get(path).handler(ctx -> responder.respond(ctx, ex -> send(ex, address, args.of(ctx))));
  }

  private void post(Router router, Responder responder, String path, String address, BodyArgs args) {
    router.post(path).handler(ctx -> responder.respond(ctx, ex -> {
      JsonObject body;
      try {
        body = ex.body() == null || ex.body().length() == 0 ? new JsonObject() : new JsonObject(ex.body());
      } catch (DecodeException | ClassCastException e) {
        audit.record(AuditEvent.builder(clock.instant(), nodeId, "admin.http " + ex.method() + " " + ex.path())
            .request(ex.requestId()).remote(ex.remote()).status(400).deny("parse_error", "body is not a JSON object")
            .build());
        return Future.succeededFuture(Reply.error(400, "parse_error", "the body must be a JSON object", null));
      }
      return send(ex, address, args.of(ctx, body));
    }));
  }

  private Future<Reply> send(Exchange ex, String address, JsonObject args) {
    return bus.call(address, ex, credential(ex), args).map(a -> a instanceof AdminBus.Answer.Done d
        ? Reply.json(200, d.result(), AdminBus.NO_AUDIT) : ((AdminBus.Answer.Refused) a).reply());
  }

  /**
   * The {@code Bearer} credential when exactly one {@code Authorization} header carries one; without that
   * header, the dashboard's session cookie — but only with the {@code X-Ephyr-CSRF} header, which a page of
   * another site cannot add to a request it makes the browser send.
   */
  public static String credential(Exchange ex) {
    if (ex.headers("Authorization").isEmpty()) {
      return ex.header(AdminSessions.CSRF_HEADER) == null ? null : sessionCookie(ex.headers("Cookie"));
    }
    if (ex.headers("Authorization").size() != 1) {
      return null;
    }
    String h = ex.header("Authorization");
    int sp = h.indexOf(' ');
    if (sp <= 0 || !h.substring(0, sp).equalsIgnoreCase("bearer")) {
      return null;
    }
    String v = h.substring(sp + 1).trim();
    return v.isEmpty() || v.length() > AdminCall.MAX_CREDENTIAL ? null : v;
  }

  private static String sessionCookie(List<String> headers) {
    String found = null;
    for (String header : headers) {
      for (String pair : header.split(";")) {
        String p = pair.trim();
        if (p.startsWith(AdminSessions.COOKIE + "=")) {
          if (found != null) {
            return null; // two session cookies: refuse rather than guess
          }
          found = p.substring(AdminSessions.COOKIE.length() + 1);
        }
      }
    }
    return found == null || !AdminSessions.looksLikeSession(found) || found.length() > AdminCall.MAX_CREDENTIAL
        ? null : found;
  }

  private static JsonObject idArg(RoutingContext ctx) {
    return new JsonObject().put("task_id", ctx.pathParam("id"));
  }

  private static JsonObject query(RoutingContext ctx, String... names) {
    JsonObject o = new JsonObject();
    for (String n : names) {
      String v = ctx.queryParams().get(n);
      if (v != null) {
        o.put(n, v);
      }
    }
    return o;
  }

}
