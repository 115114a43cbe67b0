package dev.ephyr.protocol.caveat;

/**
 * One parsed first-party caveat of the closed vocabulary: a restriction that anyone may append (it can
 * only narrow), or a broker fact that only the broker can write (its tag is checked by the verifier).
 */
public sealed interface Caveat {

  /** A caveat any holder may append; it only ever narrows the envelope. */
  sealed interface Restriction extends Caveat {
    /** The canonical caveat text. */
    String render();
  }

  /** {@code targets|roles|services|methods|remotes = a,b | * | -}. */
  record SetRestriction(Dimension dimension, IdSet value) implements Restriction {
    @Override
    public String render() {
      return dimension.key() + " = " + value.render();
    }
  }

  /** {@code tools = remote.glob,… | *| -}. */
  record ToolsRestriction(ToolGrant value) implements Restriction {
    @Override
    public String render() {
      return "tools = " + (value.isAll() ? "*" : String.join(",", value.renderLists()));
    }
  }

  /** {@code expires < unixSeconds}: valid strictly before that instant. */
  record ExpiresRestriction(long epochSecond) implements Restriction {
    @Override
    public String render() {
      return "expires < " + epochSecond;
    }
  }

  /** {@code delegate = true|false}. */
  record DelegateRestriction(boolean allowed) implements Restriction {
    @Override
    public String render() {
      return "delegate = " + allowed;
    }
  }

  /** {@code depth <= n}: the lineage may be at most n hops below the root. */
  record DepthRestriction(int maxDepth) implements Restriction {
    @Override
    public String render() {
      return "depth <= " + maxDepth;
    }
  }

  /** A caveat only the broker writes; its text ends in {@code " #" + tag}. */
  sealed interface BrokerFact extends Caveat {
    /** Length in bytes of the text before {@code " #"}, which is what the tag covers. */
    int bodyLength();

    /** The 22-character tag. */
    String tag();
  }

  /**
   * {@code task <ulid> epoch=<n> agent=<name> by=<urn> holder=<jkt|-> bind-by=<unix|-> #<tag>}: one hop
   * of the lineage. {@code holder} and {@code bindBy} are {@code null} when written as {@code -}.
   */
  record TaskFact(String task, long epoch, String agent, String by, String holder, Long bindBy,
      int bodyLength, String tag) implements BrokerFact {}

  /** {@code bind <ulid> holder=<jkt> #<tag>}: the task is now bound to that holder key. */
  record BindFact(String task, String holder, int bodyLength, String tag) implements BrokerFact {}
}
