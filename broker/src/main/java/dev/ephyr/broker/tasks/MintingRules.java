package dev.ephyr.broker.tasks;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.policy.AgentPolicy;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.Template;
import dev.ephyr.protocol.caveat.Envelope;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Where a new task's authority is decided: TTL, depth, delegation and cross-agent rules, templates and the
 * narrowing of the envelope. Pure: no cluster, no clock of its own ({@code now} is passed in). Every bound
 * comes from the policy, the node limits or the parent's verified envelope, never from what the caller asks;
 * {@code TokenMinter} enforces the lineage invariants once more when the token is minted.
 */
final class MintingRules {
  static final int MAX_DESCRIPTION = 512;
  static final int MAX_NAME = 64;
  static final String ENVELOPE_ARG = "envelope";
  static final Set<String> CREATE_ARGS = Set.of("description", "ttl", "can_delegate", "max_depth", ENVELOPE_ARG,
      "holder_jkt", "bind_within", "template");
  static final Set<String> DELEGATE_ARGS = Set.of("description", "ttl", "agent", "can_delegate", "max_depth",
      ENVELOPE_ARG, "holder_jkt", "bind_within", "parent_token");

  /**
   * The parent of a delegation as the rules see it.
   *
   * @param task the parent task's id
   * @param depth its depth, from the verified lineage
   * @param effective its envelope narrowed by the current policy
   * @param agent the parent agent's policy entry
   */
  record ParentTask(String task, int depth, Envelope effective, AgentPolicy agent) {}

  private final Supplier<TaskService.Limits> limitsInForce;

  /** Rules under fixed limits. */
  MintingRules(TaskService.Limits limits) {
    this(() -> limits);
  }

  /** Rules under the limits {@code limits} names at each decision (they may be reloaded meanwhile). */
  MintingRules(Supplier<TaskService.Limits> limits) {
    this.limitsInForce = limits;
  }

  /** Whether {@code caller} may create a root task with {@code raw} arguments at {@code now}, and with what. */
  MintDecision root(Caller caller, Policy pol, JsonObject raw, Instant now) {
    if (!(caller instanceof Caller.AgentKey)) {
      return new MintDecision.Denied("task_token_cannot_create",
          "task tokens cannot create root tasks (a revoked tree must not launder itself into a new one); "
              + "use task_delegate, or create the task with the agent's API key");
    }
    try {
      return rootOf(caller.agent(), pol, Args.of(raw, CREATE_ARGS), now);
    } catch (Args.Bad e) {
      return new MintDecision.Malformed(e.getMessage());
    }
  }

  private MintDecision rootOf(String agentName, Policy pol, Args a, Instant now) {
    TaskService.Limits limits = limitsInForce.get(); // one reading per decision: never a mix of old and new
    Optional<AgentPolicy> found = pol.agent(agentName);
    if (found.isEmpty()) {
      return new MintDecision.Denied("agent_not_in_policy", "agent " + agentName + " is no longer in the policy");
    }
    AgentPolicy agent = found.get();
    String description = a.string("description", MAX_DESCRIPTION);
    Duration maxTtl = min(limits.maxTtl(), agent.maxTaskTtl());
    Duration ttl = a.duration("ttl");
    if (ttl == null) {
      ttl = min(agent.defaultTaskTtl() != null ? agent.defaultTaskTtl() : limits.defaultTtl(), maxTtl);
    }
    if (ttl.compareTo(maxTtl) > 0) {
      return new MintDecision.Denied("ttl_too_long", "ttl " + ttl.getSeconds() + "s exceeds this agent's maximum of "
          + maxTtl.getSeconds() + "s");
    }
    boolean canDelegate = a.bool("can_delegate", false);
    if (canDelegate && !agent.grant().delegate()) {
      return new MintDecision.Denied("delegation_not_allowed", "policy does not allow agent " + agent.name()
          + " to delegate");
    }
    Integer maxDepth = a.integer("max_depth", 0, Envelope.MAX_DEPTH);
    if (maxDepth != null && maxDepth > agent.grant().maxDepth()) {
      return new MintDecision.Denied("depth_exceeded", "max_depth " + maxDepth + " exceeds the policy's "
          + agent.grant().maxDepth());
    }
    long expiresAt = now.plus(ttl).getEpochSecond();
    Envelope env = agent.grant().envelopeUntil(expiresAt);
    String templateName = a.string("template", MAX_NAME);
    if (templateName != null) {
      Template t = pol.templates().get(templateName);
      if (t == null || !agent.mayUseTemplate(templateName)) {
        return new MintDecision.Denied("unknown_template", "template '" + templateName + "' is not available to "
            + agent.name());
      }
      long tExp = t.ttl() == null ? expiresAt : Math.min(expiresAt, now.plus(t.ttl()).getEpochSecond());
      env = env.intersect(t.grant().envelopeUntil(tExp));
    }
    try {
      env = env.intersect(EnvelopeJson.requested(a.object(ENVELOPE_ARG), expiresAt, canDelegate,
          maxDepth != null ? maxDepth : Envelope.MAX_DEPTH));
    } catch (IllegalArgumentException e) {
      return new MintDecision.Malformed(e.getMessage());
    }
    HolderBinding binding = HolderBinding.read(a, now, limits.maxBindWindow());
    return new MintDecision.Mint(agent, 0, env, binding, description);
  }

  /**
   * Whether {@code parent} may delegate a child with arguments {@code a} (read with {@link #DELEGATE_ARGS}) at
   * {@code now}, and with what. A child never outlives its parent, never goes deeper than the parent's envelope
   * and the child agent's policy allow, and crosses to another agent only where the parent agent's policy says so.
   */
  MintDecision child(ParentTask parent, Policy pol, Args a, Instant now) {
    try {
      return childOf(parent, pol, a, now);
    } catch (Args.Bad e) {
      return new MintDecision.Malformed(e.getMessage());
    }
  }

  private MintDecision childOf(ParentTask parent, Policy pol, Args a, Instant now) {
    TaskService.Limits limits = limitsInForce.get();
    Envelope parentEnv = parent.effective();
    if (!parentEnv.delegate()) {
      return new MintDecision.Denied("delegation_not_allowed", "task " + parent.task() + " may not delegate");
    }
    int depth = parent.depth() + 1;
    if (depth > parentEnv.maxDepth() || depth > Envelope.MAX_DEPTH) {
      return new MintDecision.Denied("depth_exceeded", "delegation would create a task at depth " + depth
          + "; this tree allows at most depth " + Math.min(parentEnv.maxDepth(), Envelope.MAX_DEPTH));
    }
    String childName = a.string("agent", MAX_NAME);
    AgentPolicy childAgent = parent.agent();
    boolean crossAgent = childName != null && !childName.equals(parent.agent().name());
    if (crossAgent) {
      if (!parent.agent().mayDelegateTo(childName)) {
        return new MintDecision.Denied("cross_agent_not_allowed", "policy does not allow " + parent.agent().name()
            + " to delegate to " + childName);
      }
      Optional<AgentPolicy> child = pol.agent(childName);
      if (child.isEmpty()) {
        return new MintDecision.Denied("unknown_agent", "no agent named " + childName + " in the policy");
      }
      childAgent = child.get();
    }
    Duration ttl = a.duration("ttl");
    if (ttl == null) {
      ttl = limits.delegateDefaultTtl();
    }
    Duration maxTtl = min(limits.maxTtl(), childAgent.maxTaskTtl());
    if (ttl.compareTo(maxTtl) > 0) {
      ttl = maxTtl; // a child asks for "as long as allowed"; it is clamped, not refused
    }
    long expiresAt = Math.min(now.plus(ttl).getEpochSecond(), parentEnv.expiresAt());
    boolean canDelegate = a.bool("can_delegate", false);
    Integer maxDepth = a.integer("max_depth", 0, Envelope.MAX_DEPTH);
    if (maxDepth != null && maxDepth < depth) {
      return new MintDecision.Malformed("max_depth " + maxDepth + " is below the child's own depth " + depth);
    }
    Envelope env;
    try {
      env = parentEnv.intersect(EnvelopeJson.requested(a.object(ENVELOPE_ARG), expiresAt, canDelegate,
          maxDepth != null ? maxDepth : Envelope.MAX_DEPTH));
      if (crossAgent) {
        env = env.intersect(childAgent.grant().envelopeUntil(expiresAt));
      }
    } catch (IllegalArgumentException e) {
      return new MintDecision.Malformed(e.getMessage());
    }
    if (env.maxDepth() < depth) {
      return new MintDecision.Denied("depth_exceeded", "agent " + childAgent.name() + "'s policy allows tasks only "
          + "down to depth " + env.maxDepth() + ", but the child would be at depth " + depth);
    }
    HolderBinding binding = HolderBinding.read(a, now, limits.maxBindWindow());
    return new MintDecision.Mint(childAgent, depth, env, binding, a.string("description", MAX_DESCRIPTION));
  }

  private static Duration min(Duration a, Duration b) {
    if (b == null) {
      return a;
    }
    return a.compareTo(b) <= 0 ? a : b;
  }
}
