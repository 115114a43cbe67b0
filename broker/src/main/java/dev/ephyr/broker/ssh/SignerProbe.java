package dev.ephyr.broker.ssh;

import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks this node's signer for its CA key every {@code ssh.signer-probe-interval}, so a signer that died (or came back with another
 * key) while nobody needed a certificate is noticed before the next SSH call is refused: the {@code
 * ephyr_signer_up} gauge and one log line per change. One probe at a time; used on one context only.
 */
final class SignerProbe {
  private static final Logger LOG = LoggerFactory.getLogger(SignerProbe.class);

  /** What the last probe of {@code link} found. */
  private record Finding(SignerLink.Linked link, boolean up) {}

  private final SignerLink link;
  private final String nodeId;
  private final Duration timeout;
  private volatile Finding last;
  private boolean inFlight;

  SignerProbe(SignerLink link, String nodeId, Duration timeout) {
    this.link = link;
    this.nodeId = nodeId;
    this.timeout = timeout;
  }

  /** Probes the signer in use now, answering on {@code context}. */
  void probe(Context context) {
    SignerLink.Linked probed = link.linked();
    if (probed == null || inFlight) {
      return; // no signer; or the last probe has not answered yet, and its timeout will say so
    }
    inFlight = true;
    probed.client().call(new JsonObject().put("op", "public_key"))
        .orTimeout(timeout.toMillis() * 2, TimeUnit.MILLISECONDS)
        .whenComplete((answer, e) -> context.runOnContext(v -> {
          inFlight = false;
          record(probed, answer, e);
        }));
  }

  private void record(SignerLink.Linked probed, JsonObject answer, Throwable e) {
    if (link.linked() != probed) {
      return; // a reload switched signers meanwhile; the next probe asks the new one
    }
    String problem = problem(probed, answer, e);
    // A new signer's first probe starts from no earlier finding: it is logged only if it fails.
    boolean wasDown = last != null && last.link() == probed && !last.up();
    if (problem != null && !wasDown) {
      LOG.warn("node {}: SSH signer at {} {}; SSH calls through this node will be refused until it answers",
          nodeId, probed.socket(), problem);
    } else if (problem == null && wasDown) {
      LOG.info("node {}: SSH signer at {} answers again", nodeId, probed.socket());
    }
    last = new Finding(probed, problem == null);
  }

  private static String problem(SignerLink.Linked probed, JsonObject answer, Throwable e) {
    if (e != null) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return cause instanceof java.util.concurrent.TimeoutException ? "did not answer in time"
          : "cannot be reached (" + cause.getMessage() + ")";
    }
    if (!answer.getBoolean("ok", false)) {
      return "refused to give its CA key";
    }
    if (!probed.caKey().equals(answer.getString("public_key"))) {
      // Certificates it signs now would name a CA the targets were never given.
      return "has another CA key than the one this node published (restart or reload the node to publish it)";
    }
    return null;
  }

  /**
   * The gauge's value: 1 up, 0 down, NaN without a signer (so a rule on {@code == 0} ignores such nodes). A signer
   * linked since the last probe counts as up: linking asked it for its key a moment ago.
   */
  double up() {
    SignerLink.Linked now = link.linked();
    if (now == null) {
      return Double.NaN;
    }
    Finding f = last;
    return f == null || f.link() != now || f.up() ? 1 : 0;
  }
}
