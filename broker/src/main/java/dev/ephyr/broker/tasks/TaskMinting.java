package dev.ephyr.broker.tasks;

import static dev.ephyr.broker.tasks.Outcomes.bad;
import static dev.ephyr.broker.tasks.Outcomes.denied;
import static dev.ephyr.broker.tasks.Outcomes.ok;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.cluster.TaskRecord;
import dev.ephyr.protocol.ulid.UlidGenerator;
import dev.ephyr.protocol.verify.Principal;
import dev.ephyr.protocol.verify.TaskGrant;
import dev.ephyr.protocol.verify.TaskHop;
import dev.ephyr.protocol.verify.TokenMinter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * {@code task_create} and {@code task_delegate}: asks {@link MintingRules} what may be minted, mints the token
 * and records the task cluster-wide.
 */
record TaskMinting(Supplier<Policy> policy, MintingRules rules, TokenMinter minter, Subjects subjects, TaskCluster cluster, UlidGenerator ulids, Clock clock) {
  /** A root task for an agent's API key. */
  Future<ToolResult> create(Caller caller, JsonObject raw, Context ctx) {
    Instant now = clock.instant();
    MintDecision d = rules.root(caller, policy.get(), raw, now);
    if (!(d instanceof MintDecision.Mint plan)) {
      return Future.succeededFuture(MintDecision.refusal(d));
    }
    String task = ulids.next();
    String token;
    try {
      token = minter.mintRoot(new TaskGrant(task, 0, plan.agent().name(), "urn:ephyr:agent:" + plan.agent().name(),
          plan.binding().holderJkt(), plan.binding().bindBy(), plan.envelope()));
    } catch (IllegalArgumentException e) {
      return denied("mint_refused", "the task cannot be minted: " + e.getMessage());
    }
    JsonObject shown = EnvelopeJson.render(plan.envelope()); // rendered once: stored in the record and answered
    TaskRecord record = new TaskRecord(task, task, null, plan.agent().name(), 0, 0, now,
        Instant.ofEpochSecond(plan.envelope().expiresAt()), plan.binding().bindByInstant(), plan.binding().holderJkt(),
        TaskJson.summary(shown, plan.description()));
    return cluster.call(ctx, () -> cluster.registry().create(record))
        .map(v -> ok(TaskJson.minted(record, token, plan.envelope(), shown, clock.instant().getEpochSecond())));
  }

  /** A child of the caller's task (or of the task whose token an API key passes). */
  Future<ToolResult> delegate(Caller caller, JsonObject raw, Context ctx) {
    Args a;
    String parentToken;
    try {
      a = Args.of(raw, MintingRules.DELEGATE_ARGS);
      parentToken = a.string("parent_token", Subjects.MAX_TOKEN);
    } catch (Args.Bad e) {
      return bad(e.getMessage());
    }
    return subjects.of(caller, parentToken, ctx).compose(s -> {
      if (s instanceof Subjects.Subject.Refused r) {
        return Future.succeededFuture(r.result());
      }
      return delegateFrom((Subjects.Subject.Acting) s, a, ctx);
    });
  }

  private Future<ToolResult> delegateFrom(Subjects.Subject.Acting parent, Args a, Context ctx) {
    Principal p = parent.principal();
    TaskHop acting = p.actingTask();
    Instant now = clock.instant();
    MintDecision d = rules.child(new MintingRules.ParentTask(acting.task(), p.depth(), parent.effective(),
        parent.policy()), policy.get(), a, now);
    if (!(d instanceof MintDecision.Mint plan)) {
      return Future.succeededFuture(MintDecision.refusal(d));
    }
    String task = ulids.next();
    String token;
    try {
      token = minter.delegate(p, new TaskGrant(task, 0, plan.agent().name(), "urn:ephyr:task:" + acting.task(),
          plan.binding().holderJkt(), plan.binding().bindBy(), plan.envelope()));
    } catch (IllegalArgumentException e) {
      return denied("delegation_refused", "delegation refused: " + e.getMessage());
    }
    JsonObject shown = EnvelopeJson.render(plan.envelope());
    TaskRecord record = new TaskRecord(task, p.rootTask(), acting.task(), plan.agent().name(), plan.depth(), 0, now,
        Instant.ofEpochSecond(plan.envelope().expiresAt()), plan.binding().bindByInstant(), plan.binding().holderJkt(),
        TaskJson.summary(shown, plan.description()));
    return cluster.call(ctx, () -> cluster.registry().create(record))
        .map(v -> ok(TaskJson.minted(record, token, plan.envelope(), shown, clock.instant().getEpochSecond())
            .put("parent_task_id", acting.task())));
  }
}
