package dev.ephyr.broker.mcp;

import java.time.Duration;

/**
 * The time bounds of {@code tools/call} on this node.
 *
 * @param inline the longest an answer without progress may take (just below {@code http.request-timeout}, so
 *     the client gets a JSON-RPC error rather than the front's timeout)
 * @param streamed the longest a call that streams progress may take: the longest any tool allows itself
 *     ({@code ssh.max-exec-timeout} plus the setup of a connection, the policy's longest service or remote
 *     timeout), a backstop that the tools' own limits come before
 * @param progressInterval the gap between two progress notifications of a streamed call
 *     ({@code mcp.progress-interval})
 */
public record CallLimits(Duration inline, Duration streamed, Duration progressInterval) {

  /** Checks that every bound is positive. */
  public CallLimits {
    if (inline.isNegative() || inline.isZero() || streamed.compareTo(inline) < 0 || progressInterval.isNegative()
        || progressInterval.isZero()) {
      throw new IllegalArgumentException("call limits must be positive, streamed at least inline");
    }
  }
}
