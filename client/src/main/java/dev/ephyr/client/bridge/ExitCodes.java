package dev.ephyr.client.bridge;

/** Exit codes of {@code ephyr connect}, chosen so a supervisor knows whether a restart can help. */
public final class ExitCodes {
  /** The MCP client closed the bridge (stdin ended) or it was stopped: restart when needed. */
  public static final int OK = 0;
  /** An unexpected failure: a restart may help. */
  public static final int FAILED = 1;
  /** The command line is wrong (including a token on the command line): fix the configuration. */
  public static final int USAGE = 2;
  /** A local file or setting is wrong (key file readable by others, token missing): fix it, then restart. */
  public static final int LOCAL_SETUP = 3;
  /**
   * The token cannot work any more (revoked, expired, bind deadline passed, bound to another key): a restart
   * cannot help; get a new task token or the right key.
   */
  public static final int TOKEN_REFUSED = 4;

  private ExitCodes() {}
}
