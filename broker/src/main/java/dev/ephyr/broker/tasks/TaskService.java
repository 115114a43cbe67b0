package dev.ephyr.broker.tasks;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.cluster.ClusterUnavailableException;
import dev.ephyr.cluster.TaskRegistry;
import dev.ephyr.cluster.WatermarkStore;
import dev.ephyr.protocol.ulid.UlidGenerator;
import dev.ephyr.protocol.verify.TokenMinter;
import dev.ephyr.protocol.verify.TokenVerifier;
import dev.ephyr.broker.metrics.MeterCatalogue;
import dev.ephyr.broker.metrics.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The task operations behind the MCP tools, the REST mirror and the admin API, assembled from their parts
 * ({@code docs/architecture.md} says which class decides what). Only delegates.
 */
public final class TaskService {
  private final AgentTasks agent;
  private final OperatorTasks operator;

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

  /** A service over the node's cluster state, under fixed limits. */
  public TaskService(Vertx vertx, Supplier<Policy> policy, TokenMinter minter, TokenVerifier verifier,
      TaskRegistry registry, WatermarkStore watermarks, UlidGenerator ulids, Clock clock, Limits limits,
      Metrics metrics) {
    this(vertx, policy, minter, verifier, registry, watermarks, ulids, clock, () -> limits, limits::maxTtl, metrics);
  }

  /**
   * A service whose limits are read from {@code limits} at each operation (a node configuration reload changes
   * them); {@code longestTtl} is the largest {@code maxTtl} ever in force, how long a revocation without a task
   * record is kept. The token URL is read once: it is not reloadable.
   */
  public TaskService(Vertx vertx, Supplier<Policy> policy, TokenMinter minter, TokenVerifier verifier,
      TaskRegistry registry, WatermarkStore watermarks, UlidGenerator ulids, Clock clock, Supplier<Limits> limits,
      Supplier<Duration> longestTtl, Metrics metrics) {
    TaskCluster cluster = new TaskCluster(registry, watermarks);
    Subjects subjects = new Subjects(verifier, limits.get().tokenUrl());
    Visibility visibility = new Visibility(cluster);
    TaskViews views = new TaskViews(cluster, visibility, clock, () -> limits.get().listLimit());
    Revocation revocation = new Revocation(vertx, cluster, visibility, subjects, minter, clock, longestTtl,
        metrics.timer(MeterCatalogue.REVOKE_DURATION));
    this.agent = new AgentTasks(watermarks,
        new TaskMinting(policy, new MintingRules(limits), minter, subjects, cluster, ulids, clock),
        new TaskBinding(minter, cluster), views, revocation);
    this.operator = new OperatorTasks(cluster, views, revocation, subjects);
    TaskWarmup.run(); // on the node-building thread, so the first task_create does not mint and render cold on a loop
  }

  /**
   * Runs tool {@code name} for {@code caller}. Fails only with {@link ClusterUnavailableException} (the
   * cluster cannot answer; the front says 503) or on a bug.
   */
  public Future<ToolResult> call(String name, Caller caller, JsonObject args, Context ctx) {
    return agent.call(name, caller, args, ctx);
  }

  /** Revokes {@code taskId} and its subtree for an operator (any tree), acknowledged by the members. */
  public Future<ToolResult> revokeAsOperator(String taskId, Context ctx) {
    return operator.revoke(taskId, ctx);
  }

  /**
   * Reissues the task of {@code token} for an operator (e.g. a token found leaked): every older copy dies, the
   * fresh token is returned. A holder-bound token needs its key's proof, so only its holder can reissue it.
   */
  public Future<ToolResult> reissueAsOperator(String token, Context ctx) {
    return operator.reissue(token, ctx);
  }

  /** One task with its status and lineage (root first), for an operator. */
  public Future<ToolResult> taskAsOperator(String taskId, Context ctx) {
    return operator.task(taskId, ctx);
  }

  /** The whole tree holding {@code taskId} (oldest first, each with status), for an operator. */
  public Future<ToolResult> treeAsOperator(String taskId, Context ctx) {
    return operator.wholeTree(taskId, ctx);
  }

  /** Tasks of {@code agent} or of the tree {@code root} (exactly one given), filtered, at most the list limit. */
  public Future<ToolResult> listAsOperator(String agent, String root, StatusFilter filter, Context ctx) {
    return operator.list(agent, root, filter, ctx);
  }
}
