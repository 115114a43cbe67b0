package dev.ephyr.broker.tasks;

import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.broker.auth.Authenticator;
import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.policy.AgentPolicy;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.Template;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.cluster.BindResult;
import dev.ephyr.cluster.ClusterUnavailableException;
import dev.ephyr.cluster.RaiseResult;
import dev.ephyr.cluster.TaskRecord;
import dev.ephyr.cluster.TaskRegistry;
import dev.ephyr.cluster.WatermarkStore;
import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.ulid.UlidGenerator;
import dev.ephyr.protocol.verify.Principal;
import dev.ephyr.protocol.verify.RequestFacts;
import dev.ephyr.protocol.verify.TaskGrant;
import dev.ephyr.protocol.verify.TaskHop;
import dev.ephyr.protocol.verify.TokenMinter;
import dev.ephyr.protocol.verify.TokenVerifier;
import dev.ephyr.protocol.verify.Verification;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The task operations behind the MCP tools and the REST mirror: create (agent credential only), delegate
 * (same- and cross-agent), bind (once, cluster-wide), info, list, revoke (acknowledged) and reissue.
 * Policy is checked first and answered with clear denials; {@link TokenMinter} enforces the invariants
 * again. Runs on the caller's event loop; cluster calls are asynchronous.
 */
public final class TaskService {
  /** Tool names, in the order they are listed. */
  public static final List<String> TOOLS = List.of("task_create", "task_delegate", "task_bind", "task_info",
      "task_list", "task_revoke", "task_reissue");

  private static final int MAX_DESCRIPTION = 512;
  private static final int MAX_NAME = 64;
  private static final int MAX_TOKEN = 12_288;
  private static final String ENVELOPE_ARGS = "envelope";

  private final Vertx vertx;
  private final Supplier<Policy> policy;
  private final TokenMinter minter;
  private final TokenVerifier verifier;
  private final TaskRegistry registry;
  private final WatermarkStore watermarks;
  private final UlidGenerator ulids;
  private final Clock clock;
  private final Limits limits;

  /**
   * Bounds and defaults of task operations.
   *
   * @param defaultTtl root TTL when the agent's policy names none
   * @param maxTtl absolute upper bound of any TTL
   * @param delegateDefaultTtl child TTL when none is asked for
   * @param maxBindWindow longest two-phase bind window
   * @param listLimit most records returned by a listing
   * @param tokenUrl the URL used when verifying a token passed as an argument
   */
  public record Limits(Duration defaultTtl, Duration maxTtl, Duration delegateDefaultTtl, Duration maxBindWindow,
      int listLimit, String tokenUrl) {}

  /** A service over the node's cluster state. */
  public TaskService(Vertx vertx, Supplier<Policy> policy, TokenMinter minter, TokenVerifier verifier,
      TaskRegistry registry, WatermarkStore watermarks, UlidGenerator ulids, Clock clock, Limits limits) {
    this.vertx = vertx;
    this.policy = policy;
    this.minter = minter;
    this.verifier = verifier;
    this.registry = registry;
    this.watermarks = watermarks;
    this.ulids = ulids;
    this.clock = clock;
    this.limits = limits;
  }

  /**
   * Runs tool {@code name} for {@code caller}. Fails only with {@link ClusterUnavailableException} (the
   * cluster cannot answer; the front says 503) or on a bug.
   */
  public Future<ToolResult> call(String name, Caller caller, JsonObject args, Context ctx) {
    if (caller instanceof Caller.BindPending && !name.equals("task_bind")) {
      return Future.succeededFuture(new ToolResult.Denied(Reason.BIND_REQUIRED.code(),
          "bind first: call task_bind with this token and a DPoP proof from the key to bind"));
    }
    if (!watermarks.available()) {
      return Future.failedFuture(new ClusterUnavailableException("node is not ready"));
    }
    return dispatch(name, caller, args, ctx).map(r -> withSubject(r, args));
  }

  /**
   * Names the task an operation created or acted on as the audit resource {@code task:<id>}, so audit can
   * tell a task tree's whole story (a creation is recorded under the creator, not under the new task).
   */
  private static ToolResult withSubject(ToolResult r, JsonObject args) {
    if (r instanceof ToolResult.Ok ok && ok.resource() == null && ok.value().getValue("task_id") instanceof String id) {
      return new ToolResult.Ok(ok.value(), "task:" + id);
    }
    if (r instanceof ToolResult.Denied d && d.resource() == null && args != null
        && args.getValue("task_id") instanceof String id && id.length() <= 32) {
      return new ToolResult.Denied(d.code(), d.message(), d.auditDetail(), "task:" + id);
    }
    return r;
  }

  private Future<ToolResult> dispatch(String name, Caller caller, JsonObject args, Context ctx) {
    try {
      switch (name) {
        case "task_create": return create(caller, args, ctx);
        case "task_delegate": return delegate(caller, args, ctx);
        case "task_bind": return bind(caller, args, ctx);
        case "task_info": return info(caller, args, ctx);
        case "task_list": return list(caller, args, ctx);
        case "task_revoke": return revoke(caller, args, ctx);
        case "task_reissue": return reissue(caller, args, ctx);
        default: return Future.succeededFuture(new ToolResult.BadParams("unknown tool '" + name + "'"));
      }
    } catch (Args.Bad e) {
      return Future.succeededFuture(new ToolResult.BadParams(e.getMessage()));
    }
  }

  // ---------------------------------------------------------------------------------------------- create

  private Future<ToolResult> create(Caller caller, JsonObject raw, Context ctx) {
    if (!(caller instanceof Caller.AgentKey)) {
      return denied("task_token_cannot_create",
          "task tokens cannot create root tasks (a revoked tree must not launder itself into a new one); "
              + "use task_delegate, or create the task with the agent's API key");
    }
    Args a = Args.of(raw, Set.of("description", "ttl", "can_delegate", "max_depth", ENVELOPE_ARGS, "holder_jkt",
        "bind_within", "template"));
    Policy pol = policy.get();
    Optional<AgentPolicy> found = pol.agent(caller.agent());
    if (found.isEmpty()) {
      return denied("agent_not_in_policy", "agent " + caller.agent() + " is no longer in the policy");
    }
    AgentPolicy agent = found.get();
    String description = a.string("description", MAX_DESCRIPTION);
    Duration maxTtl = min(limits.maxTtl(), agent.maxTaskTtl());
    Duration ttl = a.duration("ttl");
    if (ttl == null) {
      ttl = min(agent.defaultTaskTtl() != null ? agent.defaultTaskTtl() : limits.defaultTtl(), maxTtl);
    }
    if (ttl.compareTo(maxTtl) > 0) {
      return denied("ttl_too_long", "ttl " + ttl.getSeconds() + "s exceeds this agent's maximum of "
          + maxTtl.getSeconds() + "s");
    }
    boolean canDelegate = a.bool("can_delegate", false);
    if (canDelegate && !agent.grant().delegate()) {
      return denied("delegation_not_allowed", "policy does not allow agent " + agent.name() + " to delegate");
    }
    Integer maxDepth = a.integer("max_depth", 0, Envelope.MAX_DEPTH);
    if (maxDepth != null && maxDepth > agent.grant().maxDepth()) {
      return denied("depth_exceeded", "max_depth " + maxDepth + " exceeds the policy's " + agent.grant().maxDepth());
    }
    Instant now = clock.instant();
    long expiresAt = now.plus(ttl).getEpochSecond();
    Envelope env = agent.grant().envelopeUntil(expiresAt);
    String templateName = a.string("template", MAX_NAME);
    if (templateName != null) {
      Template t = pol.templates().get(templateName);
      if (t == null || !agent.mayUseTemplate(templateName)) {
        return denied("unknown_template", "template '" + templateName + "' is not available to " + agent.name());
      }
      long tExp = t.ttl() == null ? expiresAt : Math.min(expiresAt, now.plus(t.ttl()).getEpochSecond());
      env = env.intersect(t.grant().envelopeUntil(tExp));
    }
    try {
      env = env.intersect(EnvelopeJson.requested(a.object(ENVELOPE_ARGS), expiresAt, canDelegate,
          maxDepth != null ? maxDepth : Envelope.MAX_DEPTH));
    } catch (IllegalArgumentException e) {
      return bad(e.getMessage());
    }
    Binding binding = binding(a, now);
    if (binding.problem != null) {
      return bad(binding.problem);
    }
    String task = ulids.next();
    TaskGrant grant;
    String token;
    try {
      grant = new TaskGrant(task, 0, agent.name(), "urn:ephyr:agent:" + agent.name(), binding.holder,
          binding.bindBy, env);
      token = minter.mintRoot(grant);
    } catch (IllegalArgumentException e) {
      return denied("mint_refused", "the task cannot be minted: " + e.getMessage());
    }
    TaskRecord record = new TaskRecord(task, task, null, agent.name(), 0, 0, now, Instant.ofEpochSecond(
        env.expiresAt()), binding.bindBy == null ? null : Instant.ofEpochSecond(binding.bindBy), binding.holder,
        summary(env, description));
    Envelope minted = env;
    return cluster(ctx, () -> registry.create(record)).map(v -> ok(tokenResult(record, token, minted)));
  }

  // -------------------------------------------------------------------------------------------- delegate

  private Future<ToolResult> delegate(Caller caller, JsonObject raw, Context ctx) {
    Args a = Args.of(raw, Set.of("description", "ttl", "agent", "can_delegate", "max_depth", ENVELOPE_ARGS,
        "holder_jkt", "bind_within", "parent_token"));
    return parent(caller, a.string("parent_token", MAX_TOKEN), ctx).compose(parent -> {
      if (parent.denied != null) {
        return Future.succeededFuture(parent.denied);
      }
      try {
        return delegateFrom(parent.principal, parent.effective, parent.policy, a, ctx);
      } catch (Args.Bad e) {
        return bad(e.getMessage());
      }
    });
  }

  private Future<ToolResult> delegateFrom(Principal p, Envelope parentEnv, AgentPolicy parentAgent, Args a,
      Context ctx) {
    TaskHop acting = p.actingTask();
    if (!parentEnv.delegate()) {
      return denied("delegation_not_allowed", "task " + acting.task() + " may not delegate");
    }
    int depth = p.depth() + 1;
    if (depth > parentEnv.maxDepth() || depth > Envelope.MAX_DEPTH) {
      return denied("depth_exceeded", "delegation would create a task at depth " + depth
          + "; this tree allows at most depth " + Math.min(parentEnv.maxDepth(), Envelope.MAX_DEPTH));
    }
    Policy pol = policy.get();
    String childName = a.string("agent", MAX_NAME);
    AgentPolicy childAgent = parentAgent;
    boolean crossAgent = childName != null && !childName.equals(parentAgent.name());
    if (crossAgent) {
      if (!parentAgent.mayDelegateTo(childName)) {
        return denied("cross_agent_not_allowed", "policy does not allow " + parentAgent.name()
            + " to delegate to " + childName);
      }
      Optional<AgentPolicy> child = pol.agent(childName);
      if (child.isEmpty()) {
        return denied("unknown_agent", "no agent named " + childName + " in the policy");
      }
      childAgent = child.get();
    }
    Instant now = clock.instant();
    Duration ttl = a.duration("ttl");
    if (ttl == null) {
      ttl = limits.delegateDefaultTtl();
    }
    Duration maxTtl = min(limits.maxTtl(), childAgent.maxTaskTtl());
    if (ttl.compareTo(maxTtl) > 0) {
      ttl = maxTtl;
    }
    long expiresAt = Math.min(now.plus(ttl).getEpochSecond(), parentEnv.expiresAt());
    boolean canDelegate = a.bool("can_delegate", false);
    Integer maxDepth = a.integer("max_depth", 0, Envelope.MAX_DEPTH);
    if (maxDepth != null && maxDepth < depth) {
      return bad("max_depth " + maxDepth + " is below the child's own depth " + depth);
    }
    Envelope env;
    try {
      env = parentEnv.intersect(EnvelopeJson.requested(a.object(ENVELOPE_ARGS), expiresAt, canDelegate,
          maxDepth != null ? maxDepth : Envelope.MAX_DEPTH));
      if (crossAgent) {
        env = env.intersect(childAgent.grant().envelopeUntil(expiresAt));
      }
    } catch (IllegalArgumentException e) {
      return bad(e.getMessage());
    }
    if (env.maxDepth() < depth) {
      return denied("depth_exceeded", "agent " + childAgent.name() + "'s policy allows tasks only down to depth "
          + env.maxDepth() + ", but the child would be at depth " + depth);
    }
    Binding binding = binding(a, now);
    if (binding.problem != null) {
      return bad(binding.problem);
    }
    String task = ulids.next();
    String token;
    try {
      token = minter.delegate(p, new TaskGrant(task, 0, childAgent.name(), "urn:ephyr:task:" + acting.task(),
          binding.holder, binding.bindBy, env));
    } catch (IllegalArgumentException e) {
      return denied("delegation_refused", "delegation refused: " + e.getMessage());
    }
    TaskRecord record = new TaskRecord(task, p.rootTask(), acting.task(), childAgent.name(), depth, 0, now,
        Instant.ofEpochSecond(env.expiresAt()), binding.bindBy == null ? null : Instant.ofEpochSecond(binding.bindBy),
        binding.holder, summary(env, a.string("description", MAX_DESCRIPTION)));
    Envelope minted = env;
    return cluster(ctx, () -> registry.create(record))
        .map(v -> ok(tokenResult(record, token, minted).put("parent_task_id", acting.task())));
  }

  /** The parent of a delegation or the subject of a reissue: the caller's own token, or a token argument. */
  private static final class Parent {
    Principal principal;
    Envelope effective;
    AgentPolicy policy;
    ToolResult denied;
  }

  private Future<Parent> parent(Caller caller, String tokenArg, Context ctx) {
    Parent out = new Parent();
    if (caller instanceof Caller.TaskToken t) {
      if (tokenArg != null) {
        out.denied = new ToolResult.BadParams("a task token acts for its own task: omit the token argument");
        return Future.succeededFuture(out);
      }
      out.principal = t.principal();
      out.effective = t.effective();
      out.policy = t.policy();
      return Future.succeededFuture(out);
    }
    if (!(caller instanceof Caller.AgentKey k)) {
      out.denied = new ToolResult.Denied(Reason.BIND_REQUIRED.code(), "bind first");
      return Future.succeededFuture(out);
    }
    if (tokenArg == null) {
      out.denied = new ToolResult.BadParams(
          "with an API key, pass the task's token in 'parent_token' (or 'token'), or call with the task token");
      return Future.succeededFuture(out);
    }
    return verifyTokenArgument(tokenArg, ctx).map(v -> {
      if (v.denied != null) {
        return v;
      }
      Principal p = v.principal;
      if (!p.agent().equals(k.agent())) {
        out.denied = new ToolResult.Denied("not_your_task", "that token belongs to another agent");
        return out;
      }
      out.principal = p;
      out.policy = k.policy();
      try {
        out.effective = Authenticator.effective(p.envelope(), k.policy());
      } catch (IllegalArgumentException e) {
        out.denied = new ToolResult.Denied("invalid_caveat", "the token's envelope cannot be combined with policy");
      }
      return out;
    });
  }

  /** Verifies a token passed as an argument (no proof: a bound token is refused as {@code token_bound}). */
  private Future<Parent> verifyTokenArgument(String tokenArg, Context ctx) {
    Parent out = new Parent();
    RequestFacts facts = RequestFacts.builder("POST", limits.tokenUrl()).build();
    return Future.fromCompletionStage(verifier.verify(tokenArg, facts), ctx).map(v -> {
      if (v instanceof Verification.Rejected r) {
        if (r.reason() == Reason.POP_REQUIRED) {
          out.denied = new ToolResult.Denied("token_bound", "that task is bound to a holder key: call with its "
              + "own token and a DPoP proof instead", r.auditDetail());
        } else if (r.reason() == Reason.CLUSTER_UNAVAILABLE) {
          throw new ClusterUnavailableException("token argument: cluster unavailable");
        } else {
          out.denied = new ToolResult.Denied(r.reason().code(), "the token argument was refused: "
              + r.reason().code(), r.auditDetail());
        }
        return out;
      }
      out.principal = ((Verification.Accepted) v).principal();
      return out;
    });
  }

  // ------------------------------------------------------------------------------------------------ bind

  private Future<ToolResult> bind(Caller caller, JsonObject raw, Context ctx) {
    Args a = Args.of(raw, Set.of("task_id"));
    if (!(caller instanceof Caller.TaskToken t)) {
      return denied("token_required", "task_bind needs the task's own token and a DPoP proof signed by the key "
          + "to bind (the key's thumbprint becomes the holder)");
    }
    Principal p = t.principal();
    String task = p.actingTask().task();
    String asked = a.string("task_id", 32);
    if (asked != null && !asked.equals(task)) {
      return denied("not_your_task", "a token can bind only its own task " + task);
    }
    if (p.holder() != null) {
      return denied("already_bound", "task " + task + " is already bound");
    }
    String jkt = p.proofJkt();
    if (jkt == null) {
      return denied(Reason.POP_REQUIRED.code(), "task_bind needs a DPoP proof from the key to bind");
    }
    return cluster(ctx, () -> registry.bindOnce(task, jkt)).compose(result -> {
      if (result instanceof BindResult.Bound bound) {
        return bindAtNewEpoch(p, bound.record(), ctx);
      }
      if (result instanceof BindResult.AlreadyBound already && jkt.equals(already.holderJkt())) {
        // The same key asks again: an earlier attempt bound the record but never answered (the cluster failed
        // before the new epoch was raised, or the answer was lost). The unbound copy it presents still passed
        // verification, so the new epoch is not in force yet: finish the bind.
        return cluster(ctx, () -> registry.get(task)).compose(r -> r.isEmpty()
            ? denied("not_found", "task " + task + " is not known to the cluster")
            : bindAtNewEpoch(p, r.get(), ctx));
      }
      if (result instanceof BindResult.AlreadyBound) {
        return denied("already_bound", "task " + task + " is already bound (binding happens once)");
      }
      if (result instanceof BindResult.DeadlinePassed) {
        return denied(Reason.BIND_EXPIRED.code(), "the bind deadline of task " + task + " has passed");
      }
      return denied("not_found", "task " + task + " is not known to the cluster");
    });
  }

  /**
   * Finishes a bind the registry accepted: the task moves to a new epoch, the bound token is minted at it and the
   * watermark is raised to it (acknowledged like a revoke), so every unbound copy of the token, and everything
   * delegated from one, is dead once this answers. Two-phase binds take the same path: their unbound copy could
   * only bind, and now cannot even do that.
   */
  private Future<ToolResult> bindAtNewEpoch(Principal p, TaskRecord bound, Context ctx) {
    TaskHop acting = p.actingTask();
    String task = acting.task();
    Long epoch = nextEpoch(acting, bound);
    if (epoch == null) {
      return denied(Reason.REVOKED.code(), "task " + task + " was revoked");
    }
    String token;
    try {
      token = minter.bindAt(p, epoch);
    } catch (IllegalArgumentException e) {
      return denied("bind_refused", "bind refused: " + e.getMessage());
    }
    // The record first, so that task_info never sees the raised watermark above the record's epoch.
    TaskRecord next = withEpoch(bound, epoch);
    return cluster(ctx, () -> registry.put(next))
        .compose(v -> raise(() -> watermarks.raise(task, epoch, bound.expiresAt()), ctx))
        .map(result -> ok(ack(new JsonObject().put("task_id", task).put("bound", true)
            .put("holder_jkt", p.proofJkt()).put("epoch", epoch).put("token", token).put("token_type", "macaroon"),
            result)));
  }

  /**
   * The epoch a bind or reissue moves {@code acting}'s task to: above the presented token's, the record's and
   * the watermark this node holds, so that of a bind and a reissue racing on the same task the later one always
   * supersedes the earlier. {@code null} when the task is revoked outright.
   */
  private Long nextEpoch(TaskHop acting, TaskRecord record) {
    long current = watermarks.watermark(acting.task());
    if (current >= WatermarkStore.REVOKED - 1) {
      return null;
    }
    long highest = Math.max(acting.epoch(), Math.max(current, record == null ? 0 : record.epoch()));
    return highest + 1;
  }

  private static TaskRecord withEpoch(TaskRecord r, long epoch) {
    return new TaskRecord(r.taskId(), r.rootId(), r.parentId(), r.agent(), r.depth(), Math.max(r.epoch(), epoch),
        r.createdAt(), r.expiresAt(), r.bindBy(), r.holderJkt(), r.envelope());
  }

  // ------------------------------------------------------------------------------------------ info, list

  private Future<ToolResult> info(Caller caller, JsonObject raw, Context ctx) {
    Args a = Args.of(raw, Set.of("task_id"));
    String target = targetTask(caller, a);
    if (target == null) {
      return bad("task_id is required");
    }
    if (caller instanceof Caller.TaskToken && target.equals(caller.task())) {
      // A token asking about its own task (the common case) needs one record, not a cluster-wide tree query:
      // the token was verified against every hop's watermark moments ago, so only the task's own state is news.
      return cluster(ctx, () -> registry.get(target)).map(r -> r.isEmpty() ? notVisible(target)
          : ok(recordJson(r.get(), Map.of(target, r.get()), clock.millis())));
    }
    return visibleTree(caller, target, ctx).map(tree -> {
      if (tree == null) {
        return notVisible(target);
      }
      long now = clock.millis();
      TaskRecord r = tree.get(target);
      return ok(recordJson(r, tree, now));
    });
  }

  private Future<ToolResult> list(Caller caller, JsonObject raw, Context ctx) {
    Args a = Args.of(raw, Set.of("include_inactive"));
    boolean inactive = a.bool("include_inactive", false);
    Future<List<TaskRecord>> records;
    String acting = caller.task();
    if (caller instanceof Caller.TaskToken t) {
      records = cluster(ctx, () -> registry.listByRoot(t.principal().rootTask()));
    } else {
      records = cluster(ctx, () -> registry.listByAgent(caller.agent()));
    }
    return records.map(list -> {
      Map<String, TaskRecord> tree = index(list);
      long now = clock.millis();
      JsonArray out = new JsonArray();
      boolean truncated = false;
      for (TaskRecord r : list) {
        if (acting != null && !inSubtree(tree, r.taskId(), acting)) {
          continue;
        }
        JsonObject j = recordJson(r, tree, now);
        if (!inactive && !"active".equals(j.getString("status")) && !"awaiting_bind".equals(j.getString("status"))) {
          continue;
        }
        if (out.size() >= limits.listLimit()) {
          truncated = true;
          break;
        }
        out.add(j);
      }
      return ok(new JsonObject().put("tasks", out).put("count", out.size()).put("truncated", truncated));
    });
  }

  /**
   * The tree holding {@code target} if the caller may see it, else {@code null}: a task token sees its own
   * subtree; an API key sees its agent's tasks and every task in trees its agent rooted.
   */
  private Future<Map<String, TaskRecord>> visibleTree(Caller caller, String target, Context ctx) {
    if (caller instanceof Caller.TaskToken t) {
      String acting = t.task();
      return cluster(ctx, () -> registry.listByRoot(t.principal().rootTask())).map(list -> {
        Map<String, TaskRecord> tree = index(list);
        return tree.containsKey(target) && inSubtree(tree, target, acting) ? tree : null;
      });
    }
    if (target.length() != 26) {
      return Future.succeededFuture(null);
    }
    return cluster(ctx, () -> registry.get(target)).compose(r -> {
      if (r.isEmpty()) {
        return Future.succeededFuture(null);
      }
      return cluster(ctx, () -> registry.listByRoot(r.get().rootId())).map(list -> {
        Map<String, TaskRecord> tree = index(list);
        tree.putIfAbsent(target, r.get());
        TaskRecord root = tree.get(r.get().rootId());
        boolean mine = r.get().agent().equals(caller.agent()) || (root != null && root.agent().equals(caller.agent()));
        return mine ? tree : null;
      });
    });
  }

  /** The task named by {@code task_id}, defaulting to the caller's own task; {@code null} if neither. */
  private static String targetTask(Caller caller, Args a) {
    String id = a.string("task_id", 32);
    return id != null ? id : caller.task();
  }

  // ------------------------------------------------------------------------------------- revoke, reissue

  private Future<ToolResult> revoke(Caller caller, JsonObject raw, Context ctx) {
    Args a = Args.of(raw, Set.of("task_id"));
    String target = targetTask(caller, a);
    if (target == null) {
      return bad("task_id is required");
    }
    return visibleTree(caller, target, ctx).compose(tree -> {
      if (tree == null) {
        return Future.succeededFuture(notVisible(target));
      }
      return revokeIn(tree, target, ctx);
    });
  }

  /** Revokes {@code target} of {@code tree} (already authorised), acknowledged, and tells every node. */
  private Future<ToolResult> revokeIn(Map<String, TaskRecord> tree, String target, Context ctx) {
    TaskRecord r = tree.get(target);
    int descendants = 0;
    for (TaskRecord x : tree.values()) {
      if (!x.taskId().equals(target) && inSubtree(tree, x.taskId(), target)) {
        descendants++;
      }
    }
    int cascade = descendants;
    return raise(() -> watermarks.revoke(target, r.expiresAt()), ctx).map(result -> {
      vertx.eventBus().publish(Addresses.TASKS_REVOKED, new JsonObject().put("task_id", target));
      return ok(ack(new JsonObject().put("task_id", target).put("revoked", true)
          .put("cascade_count", cascade), result));
    });
  }

  private Future<ToolResult> reissue(Caller caller, JsonObject raw, Context ctx) {
    Args a = Args.of(raw, Set.of("task_id", "token"));
    String asked = a.string("task_id", 32);
    return parent(caller, a.string("token", MAX_TOKEN), ctx).compose(subject -> {
      if (subject.denied != null) {
        return Future.succeededFuture(subject.denied);
      }
      return reissueOf(subject.principal, asked, ctx);
    });
  }

  /**
   * Mints {@code p}'s task a token at the next epoch and raises its watermark (acknowledged). The watermark is
   * kept as long as any copy of the task's token can live: the registry's expiry, never the presented token's,
   * whose {@code expires} a holder may have shortened.
   */
  private Future<ToolResult> reissueOf(Principal p, String asked, Context ctx) {
    TaskHop acting = p.actingTask();
    String task = acting.task();
    if (asked != null && !asked.equals(task)) {
      return denied("not_your_task", "a reissue acts on the token's own task " + task);
    }
    return cluster(ctx, () -> registry.get(task)).compose(found -> {
      TaskRecord r = found.orElse(null);
      if (r != null && r.holderJkt() != null && acting.holder() == null) {
        return boundMeanwhile(task);
      }
      Long epoch = nextEpoch(acting, r);
      if (epoch == null) {
        return denied(Reason.REVOKED.code(), "task " + task + " was revoked");
      }
      String token;
      try {
        token = minter.reissue(p, epoch);
      } catch (IllegalArgumentException e) {
        return denied("reissue_refused", "reissue refused: " + e.getMessage());
      }
      Instant keep = r != null ? r.expiresAt() : longestLifetime(p);
      return raise(() -> watermarks.raise(task, epoch, keep), ctx)
          .compose(result -> recordEpoch(task, epoch, acting, ctx).map(kept -> kept
              ? ok(ack(new JsonObject().put("task_id", task).put("epoch", epoch).put("token", token)
                  .put("token_type", "macaroon"), result))
              : new ToolResult.Denied("task_bound", boundMessage(task))));
    });
  }

  /**
   * Without a record (expired past its retention, or lost) nothing says how long the task's copies live: keep
   * the watermark for the longest any token may live, the configured maximum TTL from now (or the presented
   * copy's expiry if that is later, after the maximum was lowered; it can only lengthen what is kept).
   */
  private Instant longestLifetime(Principal p) {
    Instant longest = clock.instant().plus(limits.maxTtl());
    Instant presented = Instant.ofEpochSecond(p.envelope().expiresAt());
    return presented.isAfter(longest) ? presented : longest;
  }

  /**
   * Writes the reissue's epoch into the record. The record is read again just before (a put replaces it whole):
   * if a bind won a race meanwhile, its holder is kept and the unbound reissue is not handed out ({@code false}).
   * The bind's epoch is above this one, since it reads the watermark after binding.
   */
  private Future<Boolean> recordEpoch(String task, long epoch, TaskHop acting, Context ctx) {
    return cluster(ctx, () -> registry.get(task)).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture(true);
      }
      TaskRecord cur = found.get();
      if (cur.holderJkt() != null && acting.holder() == null) {
        return Future.succeededFuture(false);
      }
      return cluster(ctx, () -> registry.put(withEpoch(cur, epoch))).map(v -> true);
    });
  }

  private static Future<ToolResult> boundMeanwhile(String task) {
    return denied("task_bound", boundMessage(task));
  }

  private static String boundMessage(String task) {
    return "task " + task + " is bound to a holder key, so its unbound copies are dead; reissue with the bound "
        + "token and a DPoP proof from its key";
  }

  private Future<RaiseResult> raise(Supplier<CompletionStage<RaiseResult>> call, Context ctx) {
    CompletionStage<RaiseResult> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return Future.fromCompletionStage(stage, ctx);
  }

  private static JsonObject ack(JsonObject o, RaiseResult r) {
    return o.put("acknowledged_by_all", r.acknowledgedByAll())
        .put("acknowledged", r.acknowledged().size())
        .put("members", r.acknowledged().size() + r.missing().size())
        .put("missing", new JsonArray(r.missing()));
  }

  // --------------------------------------------------------------------------------------------- helpers

  private static final class Binding {
    String holder;
    Long bindBy;
    String problem;
  }

  private Binding binding(Args a, Instant now) {
    Binding b = new Binding();
    b.holder = a.string("holder_jkt", 64);
    Integer within = a.integer("bind_within", 1, (int) limits.maxBindWindow().getSeconds());
    if (b.holder != null && within != null) {
      b.problem = "give either holder_jkt (bind now) or bind_within (two-phase bind), not both";
    } else if (b.holder != null && (b.holder.length() != 43 || !b.holder.matches("[A-Za-z0-9_-]+"))) {
      b.problem = "holder_jkt must be a 43-character base64url RFC 7638 JWK thumbprint";
    } else if (within != null) {
      b.bindBy = now.getEpochSecond() + within;
    }
    return b;
  }

  private <T> Future<T> cluster(Context ctx, Supplier<CompletionStage<T>> call) {
    // Registry calls may create a map proxy on first use (a blocking, quorum-protected operation), so the
    // call itself is made on a worker; the answer hops back to the caller's context.
    return vertx.<CompletionStage<T>>executeBlocking(call::get, false)
        .compose(stage -> Future.fromCompletionStage(stage, ctx));
  }

  private static Map<String, TaskRecord> index(List<TaskRecord> list) {
    Map<String, TaskRecord> m = new HashMap<>();
    for (TaskRecord r : list) {
      m.put(r.taskId(), r);
    }
    return m;
  }

  private static boolean inSubtree(Map<String, TaskRecord> tree, String task, String ancestor) {
    String cur = task;
    for (int i = 0; cur != null && i <= Envelope.MAX_DEPTH + 1; i++) {
      if (cur.equals(ancestor)) {
        return true;
      }
      TaskRecord r = tree.get(cur);
      cur = r == null ? null : r.parentId();
    }
    return false;
  }

  private JsonObject recordJson(TaskRecord r, Map<String, TaskRecord> tree, long nowMillis) {
    JsonObject o = new JsonObject().put("task_id", r.taskId()).put("root_id", r.rootId())
        .put("parent_id", r.parentId()).put("agent", r.agent()).put("depth", r.depth()).put("epoch", r.epoch())
        .put("created_at", r.createdAt().toString()).put("expires_at", r.expiresAt().toString())
        .put("remaining_ttl_seconds", Math.max(0, (r.expiresAt().toEpochMilli() - nowMillis) / 1000))
        .put("holder_bound", r.holderJkt() != null);
    if (r.holderJkt() != null) {
      o.put("holder_jkt", r.holderJkt());
    }
    if (r.bindBy() != null) {
      o.put("bind_by", r.bindBy().toString());
    }
    try {
      JsonObject summary = new JsonObject(r.envelope());
      o.put("description", summary.getString("description"));
      o.put("envelope", summary.getJsonObject("envelope"));
    } catch (RuntimeException e) {
      // an unreadable summary is shown as absent; it carries nothing security-relevant
    }
    return o.put("status", status(r, tree, nowMillis));
  }

  private String status(TaskRecord r, Map<String, TaskRecord> tree, long nowMillis) {
    TaskRecord cur = r;
    for (int i = 0; cur != null && i <= Envelope.MAX_DEPTH + 1; i++) {
      if (watermarks.watermark(cur.taskId()) > cur.epoch()) {
        return cur == r ? "revoked" : "revoked_ancestor";
      }
      cur = cur.parentId() == null ? null : tree.get(cur.parentId());
    }
    if (nowMillis >= r.expiresAt().toEpochMilli()) {
      return "expired";
    }
    if (r.bindBy() != null && r.holderJkt() == null) {
      return nowMillis < r.bindBy().toEpochMilli() ? "awaiting_bind" : "bind_expired";
    }
    return "active";
  }

  private static String summary(Envelope env, String description) {
    JsonObject o = new JsonObject().put("envelope", EnvelopeJson.render(env));
    if (description != null) {
      o.put("description", description);
    }
    return o.encode();
  }

  private JsonObject tokenResult(TaskRecord r, String token, Envelope env) {
    JsonObject o = new JsonObject().put("task_id", r.taskId()).put("token", token).put("token_type", "macaroon")
        .put("agent", r.agent()).put("depth", r.depth()).put("expires_at", r.expiresAt().toString())
        .put("ttl_seconds", Math.max(0, r.expiresAt().getEpochSecond() - clock.instant().getEpochSecond()))
        .put("can_delegate", env.delegate()).put("max_depth", env.maxDepth())
        .put("holder_bound", r.holderJkt() != null).put("envelope", EnvelopeJson.render(env));
    if (r.holderJkt() != null) {
      o.put("holder_jkt", r.holderJkt());
    }
    if (r.bindBy() != null) {
      o.put("bind_by", r.bindBy().toString());
    }
    return o;
  }

  private static Duration min(Duration a, Duration b) {
    if (b == null) {
      return a;
    }
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static ToolResult ok(JsonObject o) {
    return new ToolResult.Ok(o);
  }

  private static Future<ToolResult> denied(String code, String message) {
    return Future.succeededFuture(new ToolResult.Denied(code, message));
  }

  private static Future<ToolResult> bad(String message) {
    return Future.succeededFuture(new ToolResult.BadParams(message));
  }

  private static ToolResult notVisible(String task) {
    return new ToolResult.Denied("not_found", "no task " + (task.length() > 32 ? task.substring(0, 32) : task)
        + " is visible to you");
  }

  // ------------------------------------------------------------------------- operator (the admin API)
  // The admin verticle has checked the operator's credential; these skip the caller-visibility rules only.

  /** Revokes {@code taskId} and its subtree for an operator (any tree), acknowledged by the members. */
  public Future<ToolResult> revokeAsOperator(String taskId, Context ctx) {
    return operatorTree(taskId, ctx).compose(tree -> tree == null ? Future.succeededFuture(unknown(taskId))
        : revokeIn(tree, taskId, ctx)).map(r -> withSubject(r, new JsonObject().put("task_id", taskId)));
  }

  /**
   * Reissues the task of {@code token} for an operator (e.g. a token found leaked): every older copy dies, the
   * fresh token is returned. A holder-bound token needs its key's proof, so only its holder can reissue it.
   */
  public Future<ToolResult> reissueAsOperator(String token, Context ctx) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN) {
      return bad("token is required (at most " + MAX_TOKEN + " characters)");
    }
    if (!watermarks.available()) {
      return Future.failedFuture(new ClusterUnavailableException("node is not ready"));
    }
    return verifyTokenArgument(token, ctx).compose(v -> v.denied != null ? Future.succeededFuture(v.denied)
        : reissueOf(v.principal, null, ctx)).map(r -> withSubject(r, null));
  }

  /** One task with its status and lineage (root first), for an operator. */
  public Future<ToolResult> taskAsOperator(String taskId, Context ctx) {
    return operatorTree(taskId, ctx).map(tree -> {
      if (tree == null) {
        return unknown(taskId);
      }
      JsonObject o = recordJson(tree.get(taskId), tree, clock.millis());
      return ok(o.put("lineage", new JsonArray(lineage(tree, taskId))));
    });
  }

  /** The whole tree holding {@code taskId} (oldest first, each with status), for an operator. */
  public Future<ToolResult> treeAsOperator(String taskId, Context ctx) {
    return operatorTree(taskId, ctx).map(tree -> {
      if (tree == null) {
        return unknown(taskId);
      }
      long now = clock.millis();
      List<TaskRecord> all = new java.util.ArrayList<>(tree.values());
      all.sort(java.util.Comparator.comparing(TaskRecord::createdAt).thenComparing(TaskRecord::taskId));
      JsonArray out = new JsonArray();
      for (TaskRecord r : all) {
        out.add(recordJson(r, tree, now));
      }
      String root = tree.get(taskId).rootId();
      return ok(new JsonObject().put("task_id", taskId).put("root_id", root)
          .put("lineage", new JsonArray(lineage(tree, taskId))).put("tasks", out).put("count", out.size()));
    });
  }

  /** Which tasks an operator listing returns. */
  public enum StatusFilter {
    /** Active or awaiting bind. */
    ACTIVE,
    /** Revoked, directly or through an ancestor. */
    REVOKED,
    /** Everything. */
    ALL
  }

  /** Tasks of {@code agent} or of the tree {@code root} (exactly one given), filtered, at most the list limit. */
  public Future<ToolResult> listAsOperator(String agent, String root, StatusFilter filter, Context ctx) {
    if ((agent == null) == (root == null)) {
      return bad("give exactly one of agent or root");
    }
    if (root != null && !isTaskId(root)) {
      return bad("root must be a task id (26-character ULID)");
    }
    if (agent != null && (agent.isEmpty() || agent.length() > MAX_NAME)) {
      return bad("agent must be 1-" + MAX_NAME + " characters");
    }
    Future<List<TaskRecord>> records = root != null ? cluster(ctx, () -> registry.listByRoot(root))
        : cluster(ctx, () -> registry.listByAgent(agent));
    return records.compose(list -> {
      // Status walks ancestors, which may sit in other trees' listings: index whole trees.
      java.util.Set<String> roots = new java.util.LinkedHashSet<>();
      for (TaskRecord r : list) {
        roots.add(r.rootId());
      }
      List<Future<List<TaskRecord>>> trees = new java.util.ArrayList<>();
      for (String rt : roots) {
        trees.add(root != null ? Future.succeededFuture(list) : cluster(ctx, () -> registry.listByRoot(rt)));
        if (trees.size() >= 64) {
          break; // bounded fan-out; tasks of further trees still list, their ancestors' status from the agent list
        }
      }
      return Future.all(trees).map(cf -> {
        Map<String, TaskRecord> index = index(list);
        for (int i = 0; i < trees.size(); i++) {
          for (TaskRecord r : cf.<List<TaskRecord>>resultAt(i)) {
            index.putIfAbsent(r.taskId(), r);
          }
        }
        long now = clock.millis();
        JsonArray out = new JsonArray();
        boolean truncated = false;
        for (TaskRecord r : list) {
          JsonObject j = recordJson(r, index, now);
          String st = j.getString("status");
          boolean active = "active".equals(st) || "awaiting_bind".equals(st);
          boolean revoked = st.startsWith("revoked");
          if ((filter == StatusFilter.ACTIVE && !active) || (filter == StatusFilter.REVOKED && !revoked)) {
            continue;
          }
          if (out.size() >= limits.listLimit()) {
            truncated = true;
            break;
          }
          out.add(j);
        }
        return (ToolResult) ok(new JsonObject().put("tasks", out).put("count", out.size())
            .put("truncated", truncated));
      });
    });
  }

  private Future<Map<String, TaskRecord>> operatorTree(String taskId, Context ctx) {
    if (!isTaskId(taskId)) {
      return Future.succeededFuture(null);
    }
    return cluster(ctx, () -> registry.get(taskId)).compose(r -> {
      if (r.isEmpty()) {
        return Future.succeededFuture(null);
      }
      return cluster(ctx, () -> registry.listByRoot(r.get().rootId())).map(list -> {
        Map<String, TaskRecord> tree = index(list);
        tree.putIfAbsent(taskId, r.get());
        return tree;
      });
    });
  }

  private static List<String> lineage(Map<String, TaskRecord> tree, String taskId) {
    java.util.LinkedList<String> out = new java.util.LinkedList<>();
    TaskRecord cur = tree.get(taskId);
    for (int i = 0; cur != null && i <= Envelope.MAX_DEPTH + 1; i++) {
      out.addFirst(cur.taskId());
      cur = cur.parentId() == null ? null : tree.get(cur.parentId());
    }
    return out;
  }

  private static boolean isTaskId(String s) {
    return s != null && s.length() == 26 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'));
  }

  private static ToolResult unknown(String taskId) {
    String shown = taskId == null ? "" : taskId.length() > 32 ? taskId.substring(0, 32) : taskId;
    return new ToolResult.Denied("not_found", "no task " + shown + " is known to the cluster");
  }

  /** Whether {@code e} (or a cause) says this node's durable state store refuses writes (full disk, I/O error). */
  public static boolean isStateUnwritable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof dev.ephyr.cluster.StateStoreException) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code e} (or a cause) says the cluster could not answer. */
  public static boolean isClusterUnavailable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ClusterUnavailableException) {
        return true;
      }
    }
    return false;
  }
}
