package dev.ephyr.broker.tasks;

import dev.ephyr.broker.policy.AgentPolicy;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.protocol.caveat.Envelope;

/** What {@link MintingRules} decided about a requested task: mint it as planned, or refuse and say why. */
sealed interface MintDecision {

  /**
   * The task may be minted.
   *
   * @param agent the agent the task acts for (the policy's entry, never the token's word)
   * @param depth the task's depth (root 0)
   * @param envelope the narrowed envelope, expiry included
   * @param binding how the task binds to a holder key
   * @param description what the task is for, or null
   */
  record Mint(AgentPolicy agent, int depth, Envelope envelope, HolderBinding binding, String description)
      implements MintDecision {}

  /** Policy or lineage forbids it; {@code code} is stable, {@code message} for the caller. */
  record Denied(String code, String message) implements MintDecision {}

  /** The arguments are malformed; {@code message} names the argument. */
  record Malformed(String message) implements MintDecision {}

  /** The refusal as a tool result ({@code null} for a {@link Mint}). */
  static ToolResult refusal(MintDecision d) {
    if (d instanceof Denied x) {
      return new ToolResult.Denied(x.code(), x.message());
    }
    if (d instanceof Malformed x) {
      return new ToolResult.BadParams(x.message());
    }
    return null;
  }
}
