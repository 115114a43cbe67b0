package dev.ephyr.broker.ssh;

import dev.ephyr.broker.policy.AgentPolicy;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.RolePolicy;
import dev.ephyr.broker.policy.TargetPolicy;
import dev.ephyr.protocol.caveat.IdSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Decides, on every call, whether a task may use a role on a target: the target and role must exist in the
 * current policy, the target must allow the role, and both must be inside the task's effective envelope and
 * the agent's current grant. Unknown and forbidden targets get the same answer, so names do not leak.
 */
final class SshAccess {
  private SshAccess() {}

  /** The decision. */
  sealed interface Decision {}

  /** Allowed: the policy objects as of now. */
  record Granted(TargetPolicy target, RolePolicy role) implements Decision {}

  /** Refused, or the role was ambiguous (code {@code role_required}). */
  record Refused(String code, String message, String resource) implements Decision {}

  /** The SSH part of an envelope: targets and roles, as sets that may be "all". */
  record Scope(IdSet targets, IdSet roles) {}

  /**
   * Checks {@code targetName}/{@code roleName} (role may be null: the only usable one is picked) for
   * {@code agent} holding {@code scope}, under {@code policy}.
   */
  static Decision check(Policy policy, String agent, Scope scope, String targetName, String roleName) {
    String resource = "target:" + targetName;
    Optional<AgentPolicy> ap = policy.agent(agent);
    TargetPolicy target = policy.targets().get(targetName);
    if (ap.isEmpty() || target == null || !scope.targets().contains(targetName)
        || !ap.get().grant().targets().contains(targetName)) {
      return new Refused("target_not_allowed", "target '" + targetName + "' is not available to this task", resource);
    }
    List<String> usable = usableRoles(policy, ap.get(), scope, target);
    if (roleName == null) {
      if (usable.size() == 1) {
        roleName = usable.get(0);
      } else if (usable.isEmpty()) {
        return new Refused("role_not_allowed", "no role is usable on target '" + targetName + "' by this task", resource);
      } else {
        return new Refused("role_required", "several roles are usable on '" + targetName + "'; pass role, one of "
            + usable, resource);
      }
    }
    if (!usable.contains(roleName)) {
      return new Refused("role_not_allowed", "role '" + roleName + "' is not available on target '" + targetName
          + "' to this task", resource);
    }
    return new Granted(target, policy.roles().get(roleName));
  }

  /** The roles of {@code target} the agent and scope allow, sorted. */
  static List<String> usableRoles(Policy policy, AgentPolicy agent, Scope scope, TargetPolicy target) {
    List<String> out = new ArrayList<>();
    for (String r : new TreeSet<>(target.roles())) {
      if (policy.roles().containsKey(r) && scope.roles().contains(r) && agent.grant().roles().contains(r)) {
        out.add(r);
      }
    }
    return out;
  }
}
