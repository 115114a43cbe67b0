package dev.ephyr.broker.policy;

import dev.ephyr.broker.yaml.YamlTree;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.NodeTuple;

/** Lint for a policy that parsed cleanly: what is valid but almost certainly not meant (warnings, not errors). */
final class PolicyLint {
  private PolicyLint() {}

  /** What is valid but almost certainly not meant: unreachable agents, unused entries, plain-text credentials. */
  static List<PolicyProblem> warnings(String source, Map<String, Map<String, NodeTuple>> sections, Map<String, AgentPolicy> agents,
      Map<String, Template> templates, Map<String, RolePolicy> roles, Map<String, TargetPolicy> targets,
      Map<String, ServicePolicy> services, Map<String, String> keyOwner) {
    List<PolicyProblem> out = new ArrayList<>();
    boolean anyDelegatesToAll = agents.values().stream().anyMatch(a -> a.delegateTo().contains("*"));
    boolean anyUsesAllTemplates = agents.values().stream().anyMatch(a -> a.templates().contains("*"));
    for (AgentPolicy a : agents.values()) {
      int line = YamlTree.line(sections.get("agents").get(a.name()).getKeyNode());
      boolean hasKey = keyOwner.containsValue(a.name());
      boolean reachable = anyDelegatesToAll || agents.values().stream()
          .anyMatch(o -> o != a && o.grant().delegate() && o.delegateTo().contains(a.name()));
      if (!hasKey && !reachable) {
        out.add(new PolicyProblem(source, line, "agent '" + a.name()
            + "' can never act: it has no API key and no agent may delegate to it"));
      }
      if (!a.delegateTo().isEmpty() && !a.grant().delegate()) {
        out.add(new PolicyProblem(source, line,
            "agents." + a.name() + ".delegate_to has no effect without 'delegate: true'"));
      }
    }
    for (String t : templates.keySet()) {
      boolean used = anyUsesAllTemplates || agents.values().stream().anyMatch(a -> a.templates().contains(t));
      if (!used) {
        out.add(new PolicyProblem(source, YamlTree.line(sections.get("templates").get(t).getKeyNode()),
            "template '" + t + "' is not usable by any agent (no agent lists it in 'templates')"));
      }
    }
    for (String r : roles.keySet()) {
      if (targets.values().stream().noneMatch(t -> t.roles().contains(r))) {
        out.add(new PolicyProblem(source, YamlTree.line(sections.get("roles").get(r).getKeyNode()),
            "role '" + r + "' is not allowed on any target"));
      }
    }
    for (ServicePolicy svc : services.values()) {
      if (svc.auth() != null && svc.origin().getScheme().equals("http")) {
        out.add(new PolicyProblem(source, YamlTree.line(sections.get("services").get(svc.name()).getKeyNode()),
            "services." + svc.name() + " sends its credential over plain http"));
      }
    }
    out.sort((x, y) -> Integer.compare(x.line(), y.line()));
    return out;
  }
}
