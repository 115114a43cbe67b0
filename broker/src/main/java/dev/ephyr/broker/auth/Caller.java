package dev.ephyr.broker.auth;

import dev.ephyr.broker.policy.AgentPolicy;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.verify.Principal;
import dev.ephyr.protocol.verify.TokenVerifier;
import dev.ephyr.protocol.verify.Verification;

/** Who is calling, as authentication established it. */
public sealed interface Caller {

  /** The agent's name. */
  String agent();

  /** The acting task, or {@code null}. */
  String task();

  /**
   * Why this caller may no longer act, or {@code null} while it may: a task token is checked again against
   * this node's revocation view (O(depth) local reads, never blocks). Handlers call it after an asynchronous
   * step and right before a side effect, so nothing acts after a revoke was acknowledged. An API key has no
   * lineage to revoke.
   */
  default Verification.Rejected revoked() {
    return null;
  }

  /**
   * An agent authenticated by its API key: may create root tasks, and act within its policy.
   *
   * @param policy the agent's policy at authentication time
   */
  record AgentKey(AgentPolicy policy) implements Caller {
    @Override
    public String agent() {
      return policy.name();
    }

    @Override
    public String task() {
      return null;
    }

    @Override
    public String toString() {
      return "AgentKey[" + policy.name() + "]";
    }
  }

  /**
   * A verified task token.
   *
   * @param principal what the token says, verified for this request
   * @param policy the acting agent's current policy
   * @param effective the token's envelope intersected with the current policy grant
   * @param token the token text as presented (needed to verify it again; never logged)
   * @param verifier the verifier that accepted it, for {@link #revoked()}
   */
  record TaskToken(Principal principal, AgentPolicy policy, Envelope effective, String token, TokenVerifier verifier)
      implements Caller {
    @Override
    public String agent() {
      return principal.agent();
    }

    @Override
    public String task() {
      return principal.actingTask().task();
    }

    @Override
    public Verification.Rejected revoked() {
      return verifier.recheck(principal) instanceof Verification.Rejected r ? r : null;
    }

    @Override
    public String toString() {
      return "TaskToken[" + principal + "]";
    }
  }

  /**
   * A valid token of a task that must be bound before it can do anything; admitted only for MCP
   * plumbing (initialize, ping, listing) so a client can discover {@code task_bind}.
   *
   * @param agent the task's agent
   * @param task the task
   */
  record BindPending(String agent, String task) implements Caller {}
}
