package dev.ephyr.broker.federation;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.policy.AgentPolicy;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.protocol.caveat.Envelope;
import java.util.Optional;

/**
 * Whether a caller may use a remote or one of its tools, decided from the caller's effective envelope AND
 * the policy as it is now (a reload narrows live tokens at once). Pure: no I/O, no state.
 */
final class FederationAccess {
  private FederationAccess() {}

  /** A refusal: a stable code and a sentence. */
  record Refusal(String code, String message) {}

  /** Why {@code caller} may not use any tool of {@code remote}, or null when some tool may be allowed. */
  static Refusal remote(Caller caller, Policy policy, String remote) {
    if (!policy.remotes().containsKey(remote)) {
      return new Refusal("unknown_remote", "no remote named '" + remote + "' in the policy");
    }
    if (caller instanceof Caller.BindPending) {
      return new Refusal("bind_required", "bind first");
    }
    Optional<AgentPolicy> agent = policy.agent(caller.agent());
    if (agent.isEmpty()) {
      return new Refusal("agent_unknown", "agent '" + caller.agent() + "' is not in the policy");
    }
    AgentPolicy ap = agent.get();
    if (caller instanceof Caller.AgentKey && ap.requireTask()) {
      return new Refusal("task_required", "agent '" + ap.name() + "' must act through a task token");
    }
    if (!ap.grant().remotes().contains(remote) || !ap.grant().tools().mayAllowRemote(remote)) {
      return new Refusal("remote_not_allowed", "the policy does not grant remote '" + remote + "'");
    }
    if (caller instanceof Caller.TaskToken t) {
      Envelope e = t.effective();
      if (!e.remotes().contains(remote) || !e.tools().mayAllowRemote(remote)) {
        return new Refusal("remote_not_allowed", "the task's envelope does not include remote '" + remote + "'");
      }
    }
    return null;
  }

  /** Why {@code caller} may not call {@code tool} of {@code remote}, or null when it may. */
  static Refusal tool(Caller caller, Policy policy, RemoteTool tool) {
    return tool(caller, policy, tool.remote(), tool.name(), tool.listedTool());
  }

  /**
   * Why {@code caller} may not call {@code tool} of {@code remote}, or null when it may; the same answer
   * whichever spelling the call used, since it is decided on the remote's name of the tool.
   *
   * @param listed the listed name after {@code remote__}, or null when not known (not discovered)
   */
  static Refusal tool(Caller caller, Policy policy, String remote, String tool, String listed) {
    Refusal r = remote(caller, policy, remote);
    if (r != null) {
      return r;
    }
    String q = listed != null ? remote + FederatedNames.SEPARATOR + listed : remote + "." + tool;
    AgentPolicy ap = policy.agent(caller.agent()).orElseThrow();
    if (!ap.grant().tools().allows(remote, tool, listed)) {
      return new Refusal("tool_not_allowed", "the policy does not grant tool '" + q + "'");
    }
    if (caller instanceof Caller.TaskToken t && !t.effective().allowsTool(remote, tool, listed)) {
      return new Refusal("tool_not_allowed", "the task's envelope does not include tool '" + q + "'");
    }
    return null;
  }
}
