package dev.ephyr.broker.proxy;

import dev.ephyr.broker.auth.Authenticator;
import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.policy.AgentPolicy;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.ServicePolicy;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides, on every request, whether a caller may use a service with a method: the service must exist in the
 * current policy, the caller's services and methods (task envelope ∩ the agent's current grant, or the
 * agent's current grant for an API key) must include it, and the service's own method list too. Paths are
 * checked separately, once the target is parsed.
 */
final class Access {
  private Access() {}

  /** An access decision. */
  sealed interface Decision permits Scope, Allowed, Denied {}

  /** What a caller may use now: its services and methods. */
  record Scope(IdSet services, IdSet methods) implements Decision {}

  /** The caller may call this service with the method asked for. */
  record Allowed(ServicePolicy service) implements Decision {}

  /** Refused. */
  record Denied(Refusal refusal) implements Decision {}

  /** The caller's scope under {@code policy}, or a refusal when it may use no service at all. */
  static Decision scope(Caller caller, Policy policy) {
    if (caller instanceof Caller.BindPending) {
      return deny("bind_required", 423, "bind first: call task_bind with this token and a DPoP proof");
    }
    Optional<AgentPolicy> current = policy.agent(caller.agent());
    if (current.isEmpty()) {
      return deny("agent_unknown", 403, "the agent is no longer in the policy",
          "agent " + caller.agent() + " not in the current policy");
    }
    AgentPolicy agent = current.get();
    if (caller instanceof Caller.AgentKey) {
      if (agent.requireTask() || agent.requirePop()) {
        return deny("task_required", 403,
            "this agent must act through a task: create one with task_create and use its token");
      }
      return new Scope(agent.grant().services(), agent.grant().methods());
    }
    Caller.TaskToken t = (Caller.TaskToken) caller;
    // Re-narrow by the policy as it is now, not as it was when the request was authenticated.
    Envelope e = Authenticator.effective(t.effective(), agent);
    return new Scope(e.services(), e.methods());
  }

  /** The service if {@code caller} may call it with {@code method} now, else the refusal. */
  static Decision check(Caller caller, Policy policy, String service, String method) {
    Decision s = scope(caller, policy);
    if (!(s instanceof Scope scope)) {
      return s;
    }
    ServicePolicy svc = policy.services().get(service);
    if (svc == null) {
      return deny("unknown_service", 404, "no service named '" + clip(service)
          + "'; list_services shows the ones you may use (the proxy reaches nothing else)");
    }
    if (!scope.services().contains(service)) {
      return deny("service_not_allowed", 403, caller.task() != null
          ? "this task's envelope does not include service '" + service + "'"
          : "this agent's policy does not include service '" + service + "'");
    }
    if (!scope.methods().contains(method)) {
      return deny("method_not_allowed", 403, "method " + method + " is not in the "
          + (caller.task() != null ? "task's" : "agent's") + " allowed methods " + scope.methods().render());
    }
    if (!svc.methods().contains(method)) {
      return deny("method_not_allowed", 403, "service '" + service + "' allows only " + svc.methods());
    }
    return new Allowed(svc);
  }

  /** The services {@code caller} may see in {@code list_services}, in policy order. */
  static List<ServicePolicy> visible(Caller caller, Policy policy) {
    List<ServicePolicy> out = new ArrayList<>();
    if (scope(caller, policy) instanceof Scope scope) {
      for (ServicePolicy svc : policy.services().values()) {
        if (scope.services().contains(svc.name())) {
          out.add(svc);
        }
      }
    }
    out.sort(java.util.Comparator.comparing(ServicePolicy::name));
    return out;
  }

  private static Denied deny(String code, int status, String message) {
    return new Denied(Refusal.of(code, status, message));
  }

  private static Denied deny(String code, int status, String message, String auditDetail) {
    return new Denied(Refusal.of(code, status, message, auditDetail));
  }

  static String clip(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }
}
