package dev.ephyr.broker.dashboard;

import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.broker.admin.AdminBus;
import dev.ephyr.broker.admin.AdminRoutes;
import dev.ephyr.broker.admin.AdminSessions;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.http.Routes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operator dashboard at {@code /admin/ui/}: three static files (no build step, no third-party code) and
 * the sign-in endpoint that trades an admin credential for a session cookie ({@code HttpOnly},
 * {@code SameSite=Strict}, path {@code /admin}). The admin verticle checks the credential and mints the
 * session; the page then uses the admin API with that cookie and an {@code X-Ephyr-CSRF} header.
 */
public final class DashboardRoutes implements Routes {
  private static final String COOKIE = AdminSessions.COOKIE;
  private static final String CSRF_HEADER = AdminSessions.CSRF_HEADER;
  private static final int MAX_ASSET = 256 * 1024;
  private static final Map<String, String> SECURITY_HEADERS = Map.of(
      "Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
          + "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      "X-Content-Type-Options", "nosniff",
      "X-Frame-Options", "DENY",
      "Referrer-Policy", "no-referrer");

  private final AdminBus bus;
  private final boolean secureCookie;
  private final Map<String, Asset> assets = new LinkedHashMap<>();

  private record Asset(String type, Buffer body) {}

  /**
   * @param secureCookie mark the cookie {@code Secure} (the node is reached over TLS)
   * @param timeout how long to wait for the admin verticle
   */
  public DashboardRoutes(Vertx vertx, boolean secureCookie, Duration timeout) {
    this.bus = new AdminBus(vertx, timeout);
    this.secureCookie = secureCookie;
    assets.put("/admin/ui/", new Asset("text/html; charset=utf-8", load("index.html")));
    assets.put("/admin/ui/app.js", new Asset("text/javascript; charset=utf-8", load("app.js")));
    assets.put("/admin/ui/app.css", new Asset("text/css; charset=utf-8", load("app.css")));
  }

  private static Buffer load(String name) {
    try (InputStream in = DashboardRoutes.class.getResourceAsStream("/dashboard/" + name)) {
      if (in == null) {
        throw new IllegalStateException("dashboard asset " + name + " is missing from the jar");
      }
      byte[] b = in.readNBytes(MAX_ASSET + 1);
      if (b.length > MAX_ASSET) {
        throw new IllegalStateException("dashboard asset " + name + " is larger than " + MAX_ASSET + " bytes");
      }
      return Buffer.buffer(b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void mount(Router router, Responder responder) {
    for (Map.Entry<String, Asset> a : assets.entrySet()) {
      // Vert.x matches "/admin/ui" and "/admin/ui/" alike; the page's relative links need the slash.
      router.get(a.getKey()).handler(ctx -> responder.write(ctx, ctx.request().path().equals("/admin/ui")
          ? Reply.empty(308, Reply.Audit.allow("dashboard")).withHeader("Location", "/admin/ui/")
          : asset(a.getValue())));
    }
    router.post("/admin/ui/session").handler(responder.bodyHandler());
    router.post("/admin/ui/session").handler(ctx -> responder.respond(ctx, this::signIn));
    router.delete("/admin/ui/session").handler(ctx -> responder.respond(ctx, this::signOut));
  }

  /**
   * Ends the session on every node (the admin verticle records it in the cluster's map and audits it) and
   * clears the cookie. Answers 204 only once every node refuses the session; a session that is already
   * invalid has nothing to end. With the CSRF header only, so another site cannot sign an operator out.
   */
  private Future<Reply> signOut(Exchange ex) {
    if (ex.header(CSRF_HEADER) == null) {
      return Future.succeededFuture(Reply.error(403, "csrf_header_missing",
          "send the " + CSRF_HEADER + " header (the dashboard does)", null));
    }
    String session = AdminRoutes.credential(ex);
    Reply signedOut = Reply.empty(204, Reply.Audit.allow("dashboard sign-out")).withHeader("Set-Cookie", cookie("", 0));
    if (!AdminSessions.looksLikeSession(session)) {
      return Future.succeededFuture(signedOut);
    }
    return bus.call(Addresses.ADMIN_SESSION_END, ex, session, new JsonObject()).map(a -> {
      if (a instanceof AdminBus.Answer.Refused r && r.reply().status() != 401) {
        return r.reply().withHeader("Set-Cookie", cookie("", 0)); // not acknowledged: say so
      }
      return signedOut;
    });
  }

  private static Reply asset(Asset a) {
    Reply r = new Reply(200, Map.of("Content-Type", a.type()), a.body(), Reply.Audit.allow("dashboard"));
    for (Map.Entry<String, String> h : SECURITY_HEADERS.entrySet()) {
      r = r.withHeader(h.getKey(), h.getValue());
    }
    return r;
  }

  private Future<Reply> signIn(Exchange ex) {
    if (ex.header(CSRF_HEADER) == null) {
      return Future.succeededFuture(Reply.error(403, "csrf_header_missing",
          "send the " + CSRF_HEADER + " header (the dashboard does)", null));
    }
    String credential;
    try {
      JsonObject body = ex.body() == null ? new JsonObject() : new JsonObject(ex.body());
      credential = body.getValue("credential") instanceof String s ? s : null;
    } catch (DecodeException | ClassCastException e) {
      return Future.succeededFuture(Reply.error(400, "parse_error", "the body must be {\"credential\": \"...\"}", null));
    }
    if (credential == null || credential.isEmpty() || credential.length() > 256) {
      return Future.succeededFuture(Reply.error(400, "invalid_params", "credential (a string) is required", null));
    }
    // The admin verticle checks the credential, audits the sign-in and mints the session.
    return bus.call(Addresses.ADMIN_SESSION, ex, credential, new JsonObject()).map(a -> {
      if (a instanceof AdminBus.Answer.Refused r) {
        return r.reply();
      }
      JsonObject result = ((AdminBus.Answer.Done) a).result();
      long seconds = result.getLong("expires_in", 0L);
      return Reply.json(200, new JsonObject().put("admin", result.getString("admin")).put("expires_in", seconds),
          Reply.Audit.allow("admin")).withHeader("Set-Cookie", cookie(result.getString("session"), seconds));
    });
  }

  private String cookie(String value, long maxAgeSeconds) {
    return COOKIE + "=" + value + "; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=" + maxAgeSeconds
        + (secureCookie ? "; Secure" : "");
  }
}
