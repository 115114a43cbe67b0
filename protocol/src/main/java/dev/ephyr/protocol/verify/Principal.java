package dev.ephyr.protocol.verify;

import dev.ephyr.protocol.caveat.Envelope;
import java.util.List;

/**
 * Who is acting, and with what authority, after a token was verified: the agent of the acting task, the
 * lineage from the root, the reduced envelope and the holder binding. Only {@link TokenVerifier} can
 * build one, so holding a principal means the token passed every check for this request.
 */
public final class Principal {
  private final TokenIdentifier identifier;
  private final List<TaskHop> lineage;
  private final Envelope envelope;
  private final String proofJkt;
  private final byte[] token; // verified V2 bytes; kept for minting children, never exposed

  Principal(TokenIdentifier identifier, List<TaskHop> lineage, Envelope envelope, String proofJkt, byte[] token) {
    this.identifier = identifier;
    this.lineage = List.copyOf(lineage);
    this.envelope = envelope;
    this.proofJkt = proofJkt;
    this.token = token;
  }

  /** The agent of the acting task. */
  public String agent() {
    return actingTask().agent();
  }

  /** The last hop of the lineage: the task this token acts as. */
  public TaskHop actingTask() {
    return lineage.get(lineage.size() - 1);
  }

  /** The root task of the tree. */
  public String rootTask() {
    return identifier.rootTask();
  }

  /** The key id the tree is rooted under. */
  public String kid() {
    return identifier.kid();
  }

  /** Every hop from the root (index 0) to the acting task. */
  public List<TaskHop> lineage() {
    return lineage;
  }

  /** Depth of the acting task (root = 0). */
  public int depth() {
    return lineage.size() - 1;
  }

  /** What the token allows, before intersection with the current policy. */
  public Envelope envelope() {
    return envelope;
  }

  /** The holder key the acting task is bound to, or {@code null}. */
  public String holder() {
    return actingTask().holder();
  }

  /**
   * The thumbprint of the key whose proof accompanied this request, when one was verified (always for a
   * bound task; for {@link Purpose#BIND}, the key to bind); else {@code null}.
   */
  public String proofJkt() {
    return proofJkt;
  }

  /** Whether the acting task still has to be bound (only possible for {@link Purpose#BIND}). */
  public boolean bindPending() {
    return actingTask().bindPending();
  }

  TokenIdentifier identifier() {
    return identifier;
  }

  byte[] token() {
    return token;
  }

  @Override
  public String toString() {
    return "Principal[agent=" + agent() + ", task=" + actingTask().task() + ", root=" + rootTask()
        + ", depth=" + depth() + ", holder=" + (holder() == null ? "-" : holder()) + "]";
  }
}
