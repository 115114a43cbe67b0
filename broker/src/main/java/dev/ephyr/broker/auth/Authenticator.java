package dev.ephyr.broker.auth;

import dev.ephyr.broker.policy.AgentPolicy;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.macaroon.MacaroonFormatException;
import dev.ephyr.protocol.verify.Principal;
import dev.ephyr.protocol.verify.RequestFacts;
import dev.ephyr.protocol.verify.TaskHop;
import dev.ephyr.protocol.verify.TokenInspection;
import dev.ephyr.protocol.verify.TokenInspector;
import dev.ephyr.protocol.verify.TokenVerifier;
import dev.ephyr.protocol.verify.Verification;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Turns credentials into a {@link Caller}: API keys through the current policy, task tokens through the
 * protocol's {@link TokenVerifier} (in-process, on the event loop; only the replay check is asynchronous),
 * then narrows the token's envelope by the agent's current policy grant.
 */
public final class Authenticator {
  private final Supplier<Policy> policy;
  private final TokenVerifier verifier;
  private final Supplier<String> nonces;

  /**
   * @param policy the current policy
   * @param verifier the token verifier (cluster watermarks and replay cache)
   * @param nonces issues DPoP nonces, or {@code null} when nonces are off
   */
  public Authenticator(Supplier<Policy> policy, TokenVerifier verifier, Supplier<String> nonces) {
    this.policy = policy;
    this.verifier = verifier;
    this.nonces = nonces;
  }

  /** Whether a request admits a bind-pending token (MCP plumbing only). */
  public enum BindPendingUse {
    /** Refuse bind-pending tokens with 423. */
    REFUSE,
    /** Admit them as {@link Caller.BindPending}. */
    ADMIT
  }

  /**
   * Authenticates {@code credentials} for the request described by {@code facts}; the future completes
   * on {@code context} and never fails.
   */
  public Future<AuthResult> authenticate(Credentials credentials, RequestFacts facts, Context context,
      BindPendingUse bindPending) {
    if (credentials == null) {
      return Future.succeededFuture(new AuthResult.Refused(Rejections.unauthenticated()));
    }
    if (!credentials.isTaskToken()) {
      return Future.succeededFuture(apiKey(credentials));
    }
    if (credentials.scheme().equals("DPoP") && credentials.proof() == null) {
      // RFC 9449 §7.1: the DPoP scheme promises a proof; without one, refuse rather than treat it as Bearer.
      return Future.succeededFuture(new AuthResult.Refused(Rejections.dpopSchemeWithoutProof()));
    }
    String token = credentials.value();
    // The verifier re-checks the watermarks when its replay check answers; the hop back to the event loop is
    // one more asynchronous step, so check once more here: nothing is accepted after an acknowledged revoke.
    return Future.fromCompletionStage(verifier.verify(token, facts), context)
        .map(v -> v instanceof Verification.Accepted a ? verifier.recheck(a.principal()) : v)
        .map(v -> afterVerification(v, credentials, bindPending))
        .otherwise(e -> new AuthResult.Refused(Rejections.of(Reason.REPLAY_UNAVAILABLE, credentials.scheme(),
            "verification failed: " + e.getClass().getSimpleName(), nonces)));
  }

  private AuthResult apiKey(Credentials credentials) {
    Optional<AgentPolicy> agent = policy.get().agentForApiKey(credentials.value());
    if (agent.isEmpty()) {
      return new AuthResult.Refused(Rejections.invalidApiKey());
    }
    return new AuthResult.Authenticated(new Caller.AgentKey(agent.get()));
  }

  private AuthResult afterVerification(Verification v, Credentials credentials, BindPendingUse bindPending) {
    if (v instanceof Verification.Rejected r) {
      if (r.reason() == Reason.BIND_REQUIRED && bindPending == BindPendingUse.ADMIT) {
        Caller pending = bindPendingCaller(credentials.value());
        if (pending != null) {
          return new AuthResult.Authenticated(pending);
        }
      }
      return new AuthResult.Refused(Rejections.of(r.reason(), credentials.scheme(), r.auditDetail(), nonces));
    }
    Principal p = ((Verification.Accepted) v).principal();
    Optional<AgentPolicy> agent = policy.get().agent(p.agent());
    if (agent.isEmpty()) {
      return new AuthResult.Refused(Rejections.agentUnknown(p.agent()));
    }
    AgentPolicy ap = agent.get();
    if (ap.requirePop() && p.holder() == null && !p.bindPending() && p.proofJkt() == null) {
      return new AuthResult.Refused(Rejections.popRequiredByPolicy(p.agent()));
    }
    Envelope effective;
    try {
      effective = effective(p.envelope(), ap);
    } catch (IllegalArgumentException e) {
      return new AuthResult.Refused(Rejections.of(Reason.INVALID_CAVEAT, credentials.scheme(),
          "envelope cannot be intersected with policy: " + e.getMessage(), nonces));
    }
    return new AuthResult.Authenticated(new Caller.TaskToken(p, ap, effective, credentials.value(), verifier));
  }

  /** Token envelope ∩ what the agent's current policy grants: a policy change narrows live tokens at once. */
  public static Envelope effective(Envelope token, AgentPolicy agent) {
    return token.intersect(agent.grant().envelopeUntil(token.expiresAt()));
  }

  private static Caller bindPendingCaller(String token) {
    // The verifier already checked everything else (signature, expiry, revocation); this only reads names.
    try {
      TokenInspection i = TokenInspector.inspect(token);
      TaskHop acting = i.actingTask();
      return acting == null ? null : new Caller.BindPending(acting.agent(), acting.task());
    } catch (MacaroonFormatException e) {
      return null;
    }
  }
}
