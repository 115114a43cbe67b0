package dev.ephyr.broker.ssh;

import dev.ephyr.broker.config.SshSettings;
import dev.ephyr.broker.tools.CallControl.Delivery;
import java.time.Duration;

/**
 * How long one {@code exec} command may run on this node. {@code ssh.max-exec-timeout} is the one bound of
 * a command. A call whose answer streams (SSE with progress notifications) gets all of it. A call answered
 * inline must answer within {@code http.request-timeout}, and a fresh exec spends up to the signer's and the
 * connection's deadlines before the command starts: so an inline command gets what is left, less a margin
 * for the answer, and never more than the bound.
 *
 * @param longest the most {@code timeout_seconds} may ask for in a streamed call ({@code ssh.max-exec-timeout})
 * @param inline the most it may ask for in an inline call (at least one second)
 * @param execDefault {@code ssh.exec-timeout}, the timeout when none is asked for (cut to the call's bound)
 * @param requestTimeout the node's request timeout the inline bound derives from
 */
record ExecLimit(Duration longest, Duration inline, Duration execDefault, Duration requestTimeout) {
  /** Left for the answer to travel back and the channel to close. */
  static final Duration MARGIN = Duration.ofSeconds(2);

  /** The limit of a node with these SSH settings and this request timeout. */
  static ExecLimit of(SshSettings settings, Duration requestTimeout) {
    Duration longest = wholeSeconds(settings.maxExecTimeout());
    Duration left = requestTimeout.minus(settings.signerTimeout()).minus(settings.connectTimeout()).minus(MARGIN);
    return new ExecLimit(longest, wholeSeconds(min(longest, left)), settings.execTimeout(), requestTimeout);
  }

  /** At least one second, in whole seconds (as the argument is given). */
  private static Duration wholeSeconds(Duration d) {
    return d.toSeconds() < 1 ? Duration.ofSeconds(1) : Duration.ofSeconds(d.toSeconds());
  }

  /** The most {@code timeout_seconds} may ask for in a call answered this way. */
  Duration longest(Delivery delivery) {
    return delivery == Delivery.STREAMED ? longest : inline;
  }

  /** The timeout of a call answered this way that asks for none. */
  Duration byDefault(Delivery delivery) {
    return min(execDefault, longest(delivery));
  }

  /** Whether inline calls get less than the settings ask for (worth a word to the operator). */
  boolean capsSettings() {
    return inline.compareTo(longest) < 0;
  }

  /** Why {@code timeout_seconds} is refused in a call answered this way, naming the bound and where it comes from. */
  String problem(Delivery delivery) {
    if (delivery == Delivery.STREAMED) {
      return "timeout_seconds must be an integer between 1 and " + longest.toSeconds() + " (ssh.max-exec-timeout)";
    }
    return "timeout_seconds must be an integer between 1 and " + inline.toSeconds() + ": an answer without "
        + "progress must arrive within this node's request timeout (" + requestTimeout.toSeconds() + " s, less the "
        + "time to sign a certificate and connect); up to " + longest.toSeconds() + " s when the call streams "
        + "(Accept: text/event-stream and a progressToken in params._meta), or run longer work in the background "
        + "(nohup cmd > log 2>&1 &) and check on it with further calls";
  }

  /** The schema's description of {@code timeout_seconds}. */
  String describe() {
    return "kill the command after this many seconds (default " + byDefault(Delivery.STREAMED).toSeconds()
        + ", at most " + longest.toSeconds() + " when the call streams progress: send a progressToken in "
        + "params._meta and accept text/event-stream; without that the answer must arrive within the node's "
        + "request timeout, so at most " + inline.toSeconds() + " s, default " + byDefault(Delivery.INLINE).toSeconds()
        + ")";
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
