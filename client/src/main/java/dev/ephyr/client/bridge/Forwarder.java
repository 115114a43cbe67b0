package dev.ephyr.client.bridge;

import dev.ephyr.client.BrokerTransport;
import dev.ephyr.client.Refusal;
import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One forwarding step shared by the stdio and loopback fronts: obtain the credential (binding on the first
 * call), send through the transport, and turn a refusal of the credential into an actionable message on
 * stderr; the front answers its client and then, when {@link Refusal#terminal()}, ends the bridge with
 * {@link ExitCodes#TOKEN_REFUSED}.
 */
final class Forwarder {
  private final TokenGate gate;
  private final BrokerTransport transport;
  private final Consumer<String> log;

  Forwarder(TokenGate gate, BrokerTransport transport, Consumer<String> log) {
    this.gate = gate;
    this.transport = transport;
    this.log = log;
  }

  /** What came of forwarding one request. */
  sealed interface Result {
    /** A node answered and did not refuse the credential; the caller must consume {@code answer}'s body. */
    record Answer(BrokerTransport.Outcome.Answered answer) implements Result {}

    /** The credential was refused (already logged). */
    record Refused(Refusal refusal) implements Result {}

    /** Nothing usable came back (already logged); {@code message} is for the MCP client. */
    record Failed(String message) implements Result {}
  }

  Result forward(String method, byte[] body, Map<String, String> headers, BrokerTransport.Repeat repeat)
      throws InterruptedException {
    TokenGate.Result g = gate.credential();
    if (g instanceof TokenGate.Result.Refused r) {
      return refused(r.refusal(), "the bind of task " + gate.task() + " was refused");
    }
    if (g instanceof TokenGate.Result.Failed f) {
      log.accept(f.detail());
      return new Result.Failed(f.detail());
    }
    BrokerTransport.Outcome o = transport.send(method, ((TokenGate.Result.Ready) g).credential(), body, headers, repeat);
    if (o instanceof BrokerTransport.Outcome.Unreachable u) {
      String m = "no broker node could be reached (" + u.detail() + ")";
      log.accept(m);
      return new Result.Failed(m);
    }
    if (o instanceof BrokerTransport.Outcome.Lost l) {
      String m = "the connection to " + l.node() + " was lost after the request was sent (" + l.detail()
          + "); it may or may not have run, and later calls go to " + transport.currentNode();
      log.accept(m);
      return new Result.Failed(m);
    }
    BrokerTransport.Outcome.Answered a = (BrokerTransport.Outcome.Answered) o;
    if (isCredentialRefusal(a)) {
      byte[] b;
      try {
        b = a.body().readNBytes(64 * 1024);
        a.body().close();
      } catch (IOException e) {
        b = new byte[0];
      }
      return refused(Refusal.parse(a.status(), b), a.node() + " refused the request");
    }
    return new Result.Answer(a);
  }

  private Result refused(Refusal r, String what) {
    log.accept(what + ": " + r.code() + (r.message().isEmpty() ? "" : " (" + r.message() + ")") + ". " + r.hint()
        + (r.terminal() ? ". The bridge stops: no later call can succeed with this token and key." : ""));
    return new Result.Refused(r);
  }

  // 401, 403 and 423 on /mcp are always about the credential; a 503 counts when it names a reason.
  private static boolean isCredentialRefusal(BrokerTransport.Outcome.Answered a) {
    int s = a.status();
    return s == 401 || s == 403 || s == 423 || (s == 503 && "application/json".equals(baseType(a.header("Content-Type"))));
  }

  private static String baseType(String ct) {
    if (ct == null) {
      return "";
    }
    int semi = ct.indexOf(';');
    return (semi < 0 ? ct : ct.substring(0, semi)).trim().toLowerCase(java.util.Locale.ROOT);
  }
}
