package dev.ephyr.broker.ssh;

import dev.ephyr.broker.config.SshSettings;
import java.time.Duration;

/**
 * How long one {@code exec} command may run on this node. A tool call is answered inside one MCP request,
 * which the front ends after {@code http.request-timeout}; a fresh exec spends up to the signer's and the
 * connection's deadlines before the command starts. So the command gets what is left, less a margin for the
 * answer, and never more than {@code ssh.max-exec-timeout}: past that the agent would get a bare HTTP error
 * while the command kept running. (Until tool calls stream their answers, long work belongs in the
 * background on the target.)
 *
 * @param longest the most {@code timeout_seconds} may ask for (at least one second)
 * @param byDefault the timeout when none is asked for
 * @param requestTimeout the node's request timeout the cap derives from
 */
record ExecLimit(Duration longest, Duration byDefault, Duration requestTimeout) {
  /** Left for the answer to travel back and the channel to close. */
  static final Duration MARGIN = Duration.ofSeconds(2);

  /** The limit of a node with these SSH settings and this request timeout. */
  static ExecLimit of(SshSettings settings, Duration requestTimeout) {
    Duration left = requestTimeout.minus(settings.signerTimeout()).minus(settings.connectTimeout()).minus(MARGIN);
    Duration longest = min(settings.maxExecTimeout(), left);
    if (longest.toSeconds() < 1) {
      longest = Duration.ofSeconds(1);
    }
    longest = Duration.ofSeconds(longest.toSeconds()); // whole seconds, as the argument is given
    return new ExecLimit(longest, min(settings.execTimeout(), longest), requestTimeout);
  }

  /** Whether the settings ask for more than a request allows (worth a word to the operator). */
  boolean capsSettings(SshSettings settings) {
    return settings.maxExecTimeout().compareTo(longest) > 0 || settings.execTimeout().compareTo(byDefault) > 0;
  }

  /** Why {@code timeout_seconds} is refused, naming the bound and where it comes from. */
  String problem() {
    return "timeout_seconds must be an integer between 1 and " + longest.toSeconds() + ": a tool call must "
        + "answer within this node's request timeout (" + requestTimeout.toSeconds() + " s, less the time to "
        + "sign a certificate and connect); run longer work in the background (nohup cmd > log 2>&1 &) and "
        + "check on it with further calls";
  }

  /** The schema's description of {@code timeout_seconds}. */
  String describe() {
    return "kill the command after this many seconds (default " + byDefault.toSeconds() + ", at most "
        + longest.toSeconds() + ": the answer must arrive within the node's request timeout of "
        + requestTimeout.toSeconds() + " s; start longer work in the background and poll it)";
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
