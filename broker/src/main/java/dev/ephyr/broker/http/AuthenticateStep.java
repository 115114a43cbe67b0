package dev.ephyr.broker.http;

import dev.ephyr.broker.audit.AuditLineage;
import dev.ephyr.broker.auth.AuthResult;
import dev.ephyr.broker.auth.Authenticator;
import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.auth.Credentials;
import dev.ephyr.broker.auth.Rejection;
import dev.ephyr.broker.metrics.Family;
import dev.ephyr.broker.metrics.MeterCatalogue;
import dev.ephyr.broker.metrics.Metrics;
import dev.ephyr.protocol.verify.Purpose;
import dev.ephyr.protocol.verify.RequestFacts;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Authenticates the request (API key or task token with its DPoP proof) and puts the {@link Caller} on the
 * exchange; a refusal is answered here with its status, {@code WWW-Authenticate} and reason code.
 */
public final class AuthenticateStep implements Step {
  private final Authenticator authenticator;
  private final String publicBase;
  private final Family<Counter> decisions;
  private final String resourceMetadata;

  /** Verifies against {@code publicBase} + path as the DPoP {@code htu}. */
  public AuthenticateStep(Authenticator authenticator, String publicBase, Metrics metrics) {
    this(authenticator, publicBase, metrics.counter(MeterCatalogue.AUTH), null);
  }

  private AuthenticateStep(Authenticator authenticator, String publicBase, Family<Counter> decisions,
      String resourceMetadata) {
    this.authenticator = authenticator;
    this.publicBase = publicBase;
    this.decisions = decisions;
    this.resourceMetadata = resourceMetadata;
  }

  /** This step, its challenges naming {@code url} as the protected resource metadata (RFC 9728). */
  public AuthenticateStep withResourceMetadata(String url) {
    return new AuthenticateStep(authenticator, publicBase, decisions, url);
  }

  @Override
  public Future<Reply> handle(Exchange exchange, Chain chain) {
    Credentials creds = Credentials.parse(exchange.header("Authorization"), exchange.header("DPoP"));
    if (exchange.headers("Authorization").size() > 1) {
      // Two credentials would leave it open which one was checked; refuse rather than pick one.
      return Future.succeededFuture(reject(dev.ephyr.broker.auth.Rejections.unauthenticated(), null));
    }
    if (exchange.headers("DPoP").size() > 1) {
      return Future.succeededFuture(reject(new AuthResult.Refused(dev.ephyr.broker.auth.Rejections.of(
          dev.ephyr.protocol.Reason.POP_INVALID, "DPoP", "more than one DPoP header", null)).rejection(), creds));
    }
    Purpose purpose = exchange.get(Attributes.PURPOSE);
    Authenticator.BindPendingUse pending = exchange.get(Attributes.BIND_PENDING);
    RequestFacts facts = RequestFacts.builder(exchange.method(), publicBase + exchange.path())
        .proof(creds == null ? null : creds.proof())
        .body(exchange.body() == null || exchange.body().length() == 0 ? null : exchange.body().getBytes())
        .purpose(purpose == null ? Purpose.USE : purpose)
        .build();
    return authenticator.authenticate(creds, facts, exchange.context(),
            pending == null ? Authenticator.BindPendingUse.REFUSE : pending)
        .compose(result -> {
          if (result instanceof AuthResult.Refused r) {
            return Future.succeededFuture(reject(r.rejection(), creds));
          }
          Caller caller = ((AuthResult.Authenticated) result).caller();
          decisions.get(kind(creds), "ok", "ok").increment();
          AuditLineage tree = caller instanceof Caller.TaskToken t ? AuditLineage.of(t.principal()) : null;
          return chain.proceed(exchange.with(Attributes.CALLER, caller))
              .map(reply -> {
                Reply.Audit a = reply.audit().caller(caller.agent(), caller.task());
                return reply.withAudit(tree == null ? a : a.lineage(tree.root(), tree.lineage()));
              });
        });
  }

  private Reply reject(Rejection r, Credentials creds) {
    decisions.get(kind(creds), "refused", r.code()).increment();
    Reply.Audit audit = Reply.Audit.deny(r.code(), r.auditDetail());
    // A token refused after its signature matched (revoked, expired, bad proof) belongs to its task's story.
    AuditLineage claimed = creds != null && creds.isTaskToken() ? AuditLineage.ofRefusedToken(creds.value(), r.code())
        : null;
    if (claimed != null) {
      audit = audit.caller(claimed.agent(), claimed.task()).lineage(claimed.root(), claimed.lineage());
    }
    Reply reply = Reply.json(r.status(), new JsonObject().put("error", r.code()).put("message", r.message()),
        audit);
    for (var h : r.headers().entrySet()) {
      String value = resourceMetadata != null && h.getKey().equals("WWW-Authenticate")
          ? dev.ephyr.broker.auth.Rejections.withResourceMetadata(h.getValue(), resourceMetadata) : h.getValue();
      reply = reply.withHeader(h.getKey(), value);
    }
    return reply;
  }

  private static String kind(Credentials c) {
    return c == null ? "none" : c.isTaskToken() ? "task_token" : "api_key";
  }
}
