package dev.ephyr.protocol.caveat;

import java.util.EnumMap;
import java.util.Map;

/**
 * Folds restrictions into an envelope: intersection for sets and tools, minimum for expiry and depth,
 * AND for delegation. A dimension that no caveat mentions grants nothing — absent never means open.
 * Mutable; one per verification.
 */
public final class EnvelopeReducer {
  // Dimension.values() copies its array on every call; one reducer runs per cold verification.
  private static final Dimension[] DIMENSIONS = Dimension.values();

  private final IdSet[] sets = new IdSet[DIMENSIONS.length]; // null until mentioned
  private ToolGrant tools; // null until mentioned
  private long expiresAt = Long.MAX_VALUE;
  private boolean expirySeen;
  private boolean delegate = true;
  private boolean delegateSeen;
  private int maxDepth = Envelope.MAX_DEPTH;
  private boolean depthSeen;

  /** An empty reducer. */
  public EnvelopeReducer() {}

  /**
   * Applies one restriction; returns {@code false}, changing nothing, when it would grow the tool
   * patterns beyond {@link ToolGrant#MAX_PATTERNS} (the caller refuses the token).
   */
  public boolean apply(Caveat.Restriction r) {
    if (r instanceof Caveat.SetRestriction s) {
      applySet(s.dimension(), s.value());
    } else if (r instanceof Caveat.ToolsRestriction t) {
      return applyTools(t.value());
    } else if (r instanceof Caveat.ExpiresRestriction e) {
      applyExpiry(e.epochSecond());
    } else if (r instanceof Caveat.DelegateRestriction d) {
      applyDelegate(d.allowed());
    } else if (r instanceof Caveat.DepthRestriction d) {
      applyDepth(d.maxDepth());
    }
    return true;
  }

  void applySet(Dimension d, IdSet value) {
    int i = d.ordinal();
    sets[i] = sets[i] == null ? value : sets[i].intersect(value);
  }

  /**
   * {@link #applySet} for a finite set written as the checked comma list {@code b[from, end)}: the
   * same result, but strings are made only when the dimension has no finite set yet to intersect with.
   */
  void applySetElements(Dimension d, byte[] b, int from, int end) {
    int i = d.ordinal();
    IdSet current = sets[i];
    if (current == null || current.isAll()) {
      sets[i] = IdSet.ofSorted(IdSet.strings(b, from, end));
    } else if (!current.isNone()) {
      sets[i] = current.intersectElements(b, from, end);
    }
  }

  boolean applyTools(ToolGrant value) {
    if (tools != null && tools.patternCount() + value.patternCount() > ToolGrant.MAX_PATTERNS) {
      return false;
    }
    tools = tools == null ? value : tools.intersect(value);
    return true;
  }

  void applyExpiry(long epochSecond) {
    expiresAt = Math.min(expiresAt, epochSecond);
    expirySeen = true;
  }

  void applyDelegate(boolean allowed) {
    delegate &= allowed;
    delegateSeen = true;
  }

  void applyDepth(int depth) {
    maxDepth = Math.min(maxDepth, depth);
    depthSeen = true;
  }

  /** Whether the restrictions so far allow another hop: a {@code delegate = true} and no {@code false}. */
  public boolean delegationAllowed() {
    return delegateSeen && delegate;
  }

  /** The depth limit so far; 0 until a {@code depth} restriction is applied. */
  public int depthLimit() {
    return depthSeen ? maxDepth : 0;
  }

  /** Whether an {@code expires} restriction was applied. */
  public boolean hasExpiry() {
    return expirySeen;
  }

  /** The envelope so far; unmentioned dimensions grant nothing, a missing expiry is "already expired". */
  public Envelope result() {
    Map<Dimension, IdSet> out = new EnumMap<>(Dimension.class);
    for (Dimension d : DIMENSIONS) {
      IdSet v = sets[d.ordinal()];
      out.put(d, v == null ? IdSet.NONE : v);
    }
    return new Envelope(out, tools == null ? ToolGrant.NONE : tools, expirySeen ? expiresAt : 0,
        delegationAllowed(), depthLimit());
  }
}
