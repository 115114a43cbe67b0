package dev.ephyr.protocol.verify;

/**
 * One hop of a token's lineage, as its broker fact states it.
 *
 * @param task the task's ULID
 * @param epoch the task's epoch when this token was minted
 * @param agent the agent the task belongs to
 * @param by who created the task (a URN: an agent credential or a parent task)
 * @param holder the JWK thumbprint of the holder key the task is bound to (from its task fact or a
 *     later bind fact), or {@code null} when unbound
 * @param bindBy unix second by which an unbound task must be bound, or {@code null}
 */
public record TaskHop(String task, long epoch, String agent, String by, String holder, Long bindBy) {

  /** Whether the task is bound to a holder key. */
  public boolean bound() {
    return holder != null;
  }

  /** Whether the task must be bound before it can be used. */
  public boolean bindPending() {
    return holder == null && bindBy != null;
  }

  TaskHop withHolder(String jkt) {
    return new TaskHop(task, epoch, agent, by, jkt, null);
  }
}
