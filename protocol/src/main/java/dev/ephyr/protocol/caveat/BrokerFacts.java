package dev.ephyr.protocol.caveat;

/** Renders the bodies of broker facts (the text before {@code " #" + tag}) in their one canonical form. */
public final class BrokerFacts {
  private BrokerFacts() {}

  /** {@code task <ulid> epoch=<n> agent=<a> by=<urn> holder=<jkt|-> bind-by=<unix|->}. */
  public static String taskBody(String task, long epoch, String agent, String by, String holder, Long bindBy) {
    return "task " + task + " epoch=" + epoch + " agent=" + agent + " by=" + by
        + " holder=" + (holder == null ? "-" : holder) + " bind-by=" + (bindBy == null ? "-" : bindBy);
  }

  /** {@code bind <ulid> holder=<jkt>}. */
  public static String bindBody(String task, String holder) {
    return "bind " + task + " holder=" + holder;
  }

  /** The full caveat text of a fact body and its tag. */
  public static String withTag(String body, String tag) {
    return body + " #" + tag;
  }
}
