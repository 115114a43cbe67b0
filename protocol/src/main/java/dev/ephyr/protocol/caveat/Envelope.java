package dev.ephyr.protocol.caveat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a token allows: a grant per set dimension, the federated tools, an expiry, whether it may
 * delegate and how deep its lineage may grow. Immutable; combine only by {@link #intersect}.
 */
public final class Envelope {
  /** Deepest lineage the broker creates: the root is depth 0, at most five hops below it. */
  public static final int MAX_DEPTH = 5;

  private final Map<Dimension, IdSet> sets;
  private final ToolGrant tools;
  private final long expiresAt; // unix seconds; valid strictly before
  private final boolean delegate;
  private final int maxDepth;

  Envelope(Map<Dimension, IdSet> sets, ToolGrant tools, long expiresAt, boolean delegate, int maxDepth) {
    this.sets = sets;
    this.tools = tools;
    this.expiresAt = expiresAt;
    this.delegate = delegate;
    this.maxDepth = maxDepth;
  }

  /** A builder starting from nothing granted; every dimension must be set explicitly to grant it. */
  public static Builder builder() {
    return new Builder();
  }

  /** The grant along {@code d}. */
  public IdSet get(Dimension d) {
    return sets.get(d);
  }

  /** SSH targets. */
  public IdSet targets() {
    return sets.get(Dimension.TARGETS);
  }

  /** SSH roles. */
  public IdSet roles() {
    return sets.get(Dimension.ROLES);
  }

  /** HTTP services. */
  public IdSet services() {
    return sets.get(Dimension.SERVICES);
  }

  /** HTTP methods. */
  public IdSet methods() {
    return sets.get(Dimension.METHODS);
  }

  /** Federated MCP servers. */
  public IdSet remotes() {
    return sets.get(Dimension.REMOTES);
  }

  /** Federated tools. */
  public ToolGrant tools() {
    return tools;
  }

  /** Unix second before which the token is valid. */
  public long expiresAt() {
    return expiresAt;
  }

  /** Expiry as an instant. */
  public Instant expiry() {
    return Instant.ofEpochSecond(expiresAt);
  }

  /** Whether the token may delegate. */
  public boolean delegate() {
    return delegate;
  }

  /** Deepest lineage allowed (root = 0). */
  public int maxDepth() {
    return maxDepth;
  }

  /** Whether the federated tool {@code remote.tool} is allowed (remote and tool). */
  public boolean allowsTool(String remote, String tool) {
    return allowsTool(remote, tool, null);
  }

  /**
   * Whether the federated tool {@code tool} of {@code remote} is allowed.
   *
   * @param listed its name as listed after {@code remote__} (shortened or mapped), or null
   */
  public boolean allowsTool(String remote, String tool, String listed) {
    // A separator in the remote would let one remote's patterns match another remote's tools.
    return remote.indexOf('.') < 0 && !remote.contains("__") && remotes().contains(remote)
        && tools.allows(remote, tool, listed);
  }

  /** The envelope allowed by both. */
  public Envelope intersect(Envelope other) {
    Map<Dimension, IdSet> both = new EnumMap<>(Dimension.class);
    for (Dimension d : Dimension.values()) {
      both.put(d, sets.get(d).intersect(other.sets.get(d)));
    }
    return new Envelope(both, tools.intersect(other.tools), Math.min(expiresAt, other.expiresAt),
        delegate && other.delegate, Math.min(maxDepth, other.maxDepth));
  }

  /**
   * Whether everything this envelope allows is allowed by {@code other}. Tools are compared by their
   * pattern lists, which is exact for grants built by {@link #intersect} and appended caveats.
   */
  public boolean isWithin(Envelope other) {
    for (Dimension d : Dimension.values()) {
      if (!sets.get(d).isWithin(other.sets.get(d))) {
        return false;
      }
    }
    return expiresAt <= other.expiresAt && (!delegate || other.delegate) && maxDepth <= other.maxDepth
        && toolsWithin(other.tools);
  }

  private boolean toolsWithin(ToolGrant other) {
    if (other.isAll() || tools.isNone()) {
      return true;
    }
    return other.renderLists().stream().allMatch(l -> tools.renderLists().contains(l));
  }

  /**
   * The restrictions that narrow {@code from} to this envelope, in a fixed order; appended to a token
   * whose envelope is {@code from}, they make its envelope this one. Empty when nothing narrows.
   */
  public List<Caveat.Restriction> restrictionsFrom(Envelope from) {
    if (!isWithin(from)) {
      throw new IllegalArgumentException("cannot narrow to an envelope that is not within the parent's");
    }
    List<Caveat.Restriction> out = new ArrayList<>();
    for (Dimension d : Dimension.values()) {
      if (!sets.get(d).equals(from.sets.get(d))) {
        out.add(new Caveat.SetRestriction(d, sets.get(d)));
      }
    }
    if (!tools.equals(from.tools)) {
      List<String> mine = tools.renderLists();
      List<String> theirs = from.tools.renderLists();
      if (tools.isNone()) {
        out.add(new Caveat.ToolsRestriction(ToolGrant.NONE));
      } else {
        for (String l : mine) {
          if (!theirs.contains(l)) {
            out.add(new Caveat.ToolsRestriction(ToolGrant.parse(l)));
          }
        }
      }
    }
    if (expiresAt != from.expiresAt) {
      out.add(new Caveat.ExpiresRestriction(expiresAt));
    }
    if (delegate != from.delegate) {
      out.add(new Caveat.DelegateRestriction(false));
    }
    if (maxDepth != from.maxDepth) {
      out.add(new Caveat.DepthRestriction(maxDepth));
    }
    return out;
  }

  /** Every restriction needed to state this envelope on its own (what a root token carries). */
  public List<Caveat.Restriction> restrictions() {
    List<Caveat.Restriction> out = new ArrayList<>();
    for (Dimension d : Dimension.values()) {
      out.add(new Caveat.SetRestriction(d, sets.get(d)));
    }
    if (tools.isAll()) {
      out.add(new Caveat.ToolsRestriction(ToolGrant.ALL));
    } else {
      for (String l : tools.renderLists()) {
        out.add(new Caveat.ToolsRestriction(ToolGrant.parse(l)));
      }
    }
    out.add(new Caveat.ExpiresRestriction(expiresAt));
    out.add(new Caveat.DelegateRestriction(delegate));
    out.add(new Caveat.DepthRestriction(maxDepth));
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Envelope e && sets.equals(e.sets) && tools.equals(e.tools) && expiresAt == e.expiresAt
        && delegate == e.delegate && maxDepth == e.maxDepth;
  }

  @Override
  public int hashCode() {
    return Objects.hash(sets, tools, expiresAt, delegate, maxDepth);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Envelope[");
    for (Dimension d : Dimension.values()) {
      sb.append(d.key()).append('=').append(sets.get(d).render()).append(", ");
    }
    return sb.append("tools=").append(tools).append(", expires=").append(expiresAt)
        .append(", delegate=").append(delegate).append(", depth<=").append(maxDepth).append(']').toString();
  }

  /** Builds an envelope; unset dimensions grant nothing, so forgetting one can only narrow. */
  public static final class Builder {
    private final Map<Dimension, IdSet> sets = new EnumMap<>(Dimension.class);
    private ToolGrant tools = ToolGrant.NONE;
    private long expiresAt;
    private boolean delegate;
    private int maxDepth;

    private Builder() {
      for (Dimension d : Dimension.values()) {
        sets.put(d, IdSet.NONE);
      }
    }

    /** Grants {@code value} along {@code d}. */
    public Builder set(Dimension d, IdSet value) {
      Objects.requireNonNull(value);
      if (!value.isAll()) {
        for (String e : value.elements()) {
          if (d == Dimension.REMOTES && e.indexOf('.') >= 0) {
            throw new IllegalArgumentException("remote names cannot contain '.': " + e);
          }
          if (d == Dimension.METHODS && !CaveatParser.isUpperAlpha(e)) {
            throw new IllegalArgumentException("methods are upper-case letters: " + e);
          }
        }
      }
      sets.put(d, value);
      return this;
    }

    /** Grants these tools. */
    public Builder tools(ToolGrant value) {
      this.tools = Objects.requireNonNull(value);
      return this;
    }

    /** Valid strictly before this unix second. */
    public Builder expiresAt(long epochSecond) {
      if (epochSecond <= 0 || epochSecond > CaveatParser.MAX_EPOCH_SECOND) {
        throw new IllegalArgumentException("expiry must be a positive unix time");
      }
      this.expiresAt = epochSecond;
      return this;
    }

    /** Whether delegation is allowed. */
    public Builder delegate(boolean allowed) {
      this.delegate = allowed;
      return this;
    }

    /** Deepest lineage allowed, 0 to {@link #MAX_DEPTH}. */
    public Builder maxDepth(int depth) {
      if (depth < 0 || depth > MAX_DEPTH) {
        throw new IllegalArgumentException("depth must be between 0 and " + MAX_DEPTH);
      }
      this.maxDepth = depth;
      return this;
    }

    /** The envelope; requires an expiry. */
    public Envelope build() {
      if (expiresAt == 0) {
        throw new IllegalStateException("an envelope needs an expiry");
      }
      return new Envelope(new EnumMap<>(sets), tools, expiresAt, delegate, maxDepth);
    }
  }
}
