package dev.ephyr.broker.policy;

import java.time.Duration;
import java.util.Set;

/**
 * What the policy says about one agent: its grant, task rules and whom it may delegate to.
 *
 * @param name the agent's name (an identifier)
 * @param grant the most this agent may ever hold; live tokens are narrowed to it at use time
 * @param requireTask whether the agent must act through a task token (its API key alone only creates tasks)
 * @param requirePop whether the agent's tasks must be bound to a holder key
 * @param maxTaskTtl longest root task TTL, or {@code null} for the node default
 * @param defaultTaskTtl TTL of a task created without one, or {@code null} for the node default
 * @param delegateTo agents this one may delegate to across agents; {@code "*"} means any agent
 * @param templates templates this agent may create tasks from; {@code "*"} means any template
 */
public record AgentPolicy(String name, Grant grant, boolean requireTask, boolean requirePop,
    Duration maxTaskTtl, Duration defaultTaskTtl, Set<String> delegateTo, Set<String> templates) {

  /** Copies the sets so the record stays immutable. */
  public AgentPolicy {
    delegateTo = Set.copyOf(delegateTo);
    templates = Set.copyOf(templates);
  }

  /** Whether this agent may delegate to {@code agent} (itself always, within its {@code delegate} grant). */
  public boolean mayDelegateTo(String agent) {
    return agent.equals(name) || delegateTo.contains("*") || delegateTo.contains(agent);
  }

  /** Whether this agent may create a task from template {@code template}. */
  public boolean mayUseTemplate(String template) {
    return templates.contains("*") || templates.contains(template);
  }
}
