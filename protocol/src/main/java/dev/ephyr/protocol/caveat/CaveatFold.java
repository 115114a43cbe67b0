package dev.ephyr.protocol.caveat;

import dev.ephyr.protocol.ulid.Ulid;

/**
 * Reads a token's caveats in order straight into its envelope: {@link CaveatParser}'s grammar and refusals,
 * without a record per caveat or a string for what the reduction discards. A set caveat is intersected with
 * its dimension's current set on the token's bytes; a broker fact leaves its fields as offsets, read until
 * the next caveat. Mutable; one per verification.
 */
public final class CaveatFold {
  /** The refusal when appending a tools list would grow the chain's patterns past {@link ToolGrant#MAX_PATTERNS}. */
  public static final String TOO_MANY_TOOL_PATTERNS = "too many tool patterns in the chain";

  /** What the last caveat was. */
  public enum Kind {
    /** A restriction, already folded into {@link #reducer()}. */
    RESTRICTION,
    /** A task fact; its fields are readable until the next caveat. */
    TASK_FACT,
    /** A bind fact; its task and holder are readable until the next caveat. */
    BIND_FACT
  }

  final EnvelopeReducer reducer = new EnvelopeReducer();
  private Kind kind;
  // The last broker fact, as offsets into b; -1 for a field written as '-'.
  private byte[] b;
  private int bodyLength;
  private int task;
  private long epoch;
  private int agent;
  private int agentEnd;
  private int by;
  private int byEnd;
  private int holder;
  private long bindBy;

  /** An empty fold: nothing granted yet. */
  public CaveatFold() {}

  /**
   * Parses the caveat {@code b[off, off+len)} and folds it in; refuses exactly what {@link CaveatParser#parse}
   * refuses, with the same reason and message, and also a tools list beyond the pattern limit
   * ({@link #TOO_MANY_TOOL_PATTERNS}), leaving the envelope unchanged.
   */
  public Kind next(byte[] b, int off, int len) throws CaveatFormatException {
    kind = Kind.RESTRICTION;
    this.b = null;
    CaveatParser.parse(b, off, len, this);
    return kind;
  }

  /** The restrictions folded so far. */
  public EnvelopeReducer reducer() {
    return reducer;
  }

  void taskFact(byte[] b, int bodyLength, int task, long epoch, int agent, int agentEnd, int by, int byEnd,
      int holder, long bindBy) {
    fact(Kind.TASK_FACT, b, bodyLength, task, holder);
    this.epoch = epoch;
    this.agent = agent;
    this.agentEnd = agentEnd;
    this.by = by;
    this.byEnd = byEnd;
    this.bindBy = bindBy;
  }

  void bindFact(byte[] b, int bodyLength, int task, int holder) {
    fact(Kind.BIND_FACT, b, bodyLength, task, holder);
  }

  private void fact(Kind kind, byte[] b, int bodyLength, int task, int holder) {
    this.kind = kind;
    this.b = b;
    this.bodyLength = bodyLength;
    this.task = task;
    this.holder = holder;
  }

  /** The last fact's body length: the bytes before {@code " #"}, which its tag covers. */
  public int factBodyLength() {
    return fact().bodyLength;
  }

  /** Whether the last fact names {@code task}; compared on the token's bytes. */
  public boolean factTaskIs(String task) {
    byte[] t = fact().b;
    if (task.length() != Ulid.LENGTH) {
      return false;
    }
    for (int i = 0; i < Ulid.LENGTH; i++) {
      if (t[this.task + i] != task.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** The last fact's task id. */
  public String factTask() {
    return CaveatParser.latin1(fact().b, task, task + Ulid.LENGTH);
  }

  /** The last fact's holder thumbprint, or {@code null} for {@code -}. */
  public String factHolder() {
    return holder < 0 ? null : CaveatParser.latin1(fact().b, holder, holder + CaveatParser.JKT_CHARS);
  }

  /** The last task fact's epoch. */
  public long taskEpoch() {
    return taskFact().epoch;
  }

  /** The last task fact's agent; {@code same} itself when it spells the same name (lineages repeat it). */
  public String taskAgent(String same) {
    byte[] t = taskFact().b;
    if (same != null && same.length() == agentEnd - agent) {
      int i = 0;
      while (i < same.length() && t[agent + i] == same.charAt(i)) {
        i++;
      }
      if (i == same.length()) {
        return same;
      }
    }
    return CaveatParser.latin1(t, agent, agentEnd);
  }

  /** The last task fact's creator URN. */
  public String taskBy() {
    return CaveatParser.latin1(taskFact().b, by, byEnd);
  }

  /** The last task fact's bind deadline, or {@code null} for {@code -}. */
  public Long taskBindBy() {
    return taskFact().bindBy < 0 ? null : bindBy;
  }

  private CaveatFold fact() {
    if (b == null) {
      throw new IllegalStateException("the last caveat was not a broker fact");
    }
    return this;
  }

  private CaveatFold taskFact() {
    if (kind != Kind.TASK_FACT) {
      throw new IllegalStateException("the last caveat was not a task fact");
    }
    return this;
  }
}
