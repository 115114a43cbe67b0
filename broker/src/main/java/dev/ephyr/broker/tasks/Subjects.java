package dev.ephyr.broker.tasks;

import dev.ephyr.broker.auth.Authenticator;
import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.policy.AgentPolicy;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.cluster.ClusterUnavailableException;
import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.verify.Principal;
import dev.ephyr.protocol.verify.RequestFacts;
import dev.ephyr.protocol.verify.TokenVerifier;
import dev.ephyr.protocol.verify.Verification;
import io.vertx.core.Context;
import io.vertx.core.Future;

/**
 * Finds the task an operation acts for: the caller's own task token, or (with an API key) a token passed as an
 * argument, which is verified like any presented token and must belong to the caller's agent.
 */
record Subjects(TokenVerifier verifier, String tokenUrl) {
  static final int MAX_TOKEN = 12_288;

  /** The task a delegation or reissue acts for, or why there is none. */
  sealed interface Subject {
    /** The acting task, with its envelope narrowed by the current policy and its agent's policy entry. */
    record Acting(Principal principal, Envelope effective, AgentPolicy policy) implements Subject {}

    /** No acting task; {@code result} says why. */
    record Refused(ToolResult result) implements Subject {}
  }

  /** A token argument after verification. */
  sealed interface Checked {
    /** The token verified. */
    record Valid(Principal principal) implements Checked {}

    /** It did not; {@code result} says why. */
    record Refused(ToolResult result) implements Checked {}
  }

  /** The task {@code caller} acts for, given the token argument {@code tokenArg} (or null). */
  Future<Subject> of(Caller caller, String tokenArg, Context ctx) {
    if (caller instanceof Caller.TaskToken t) {
      if (tokenArg != null) {
        return refused(new ToolResult.BadParams("a task token acts for its own task: omit the token argument"));
      }
      return Future.succeededFuture(new Subject.Acting(t.principal(), t.effective(), t.policy()));
    }
    if (!(caller instanceof Caller.AgentKey k)) {
      return refused(new ToolResult.Denied(Reason.BIND_REQUIRED.code(), "bind first"));
    }
    if (tokenArg == null) {
      return refused(new ToolResult.BadParams(
          "with an API key, pass the task's token in 'parent_token' (or 'token'), or call with the task token"));
    }
    return check(tokenArg, ctx).map(v -> {
      if (v instanceof Checked.Refused r) {
        return new Subject.Refused(r.result());
      }
      Principal p = ((Checked.Valid) v).principal();
      // The token's agent must be the key's agent; its envelope is narrowed by the policy, not taken as it is.
      if (!p.agent().equals(k.agent())) {
        return new Subject.Refused(new ToolResult.Denied("not_your_task", "that token belongs to another agent"));
      }
      try {
        return new Subject.Acting(p, Authenticator.effective(p.envelope(), k.policy()), k.policy());
      } catch (IllegalArgumentException e) {
        return new Subject.Refused(new ToolResult.Denied("invalid_caveat",
            "the token's envelope cannot be combined with policy"));
      }
    });
  }

  /** Verifies a token passed as an argument (no proof: a bound token is refused as {@code token_bound}). */
  Future<Checked> check(String tokenArg, Context ctx) {
    RequestFacts facts = RequestFacts.builder("POST", tokenUrl).build();
    return Future.fromCompletionStage(verifier.verify(tokenArg, facts), ctx).map(v -> {
      if (v instanceof Verification.Rejected r) {
        if (r.reason() == Reason.POP_REQUIRED) {
          return new Checked.Refused(new ToolResult.Denied("token_bound", "that task is bound to a holder key: call "
              + "with its own token and a DPoP proof instead", r.auditDetail()));
        }
        if (r.reason() == Reason.CLUSTER_UNAVAILABLE) {
          throw new ClusterUnavailableException("token argument: cluster unavailable");
        }
        return new Checked.Refused(new ToolResult.Denied(r.reason().code(), "the token argument was refused: "
            + r.reason().code(), r.auditDetail()));
      }
      return new Checked.Valid(((Verification.Accepted) v).principal());
    });
  }

  private static Future<Subject> refused(ToolResult r) {
    return Future.succeededFuture(new Subject.Refused(r));
  }
}
