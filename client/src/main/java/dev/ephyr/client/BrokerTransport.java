package dev.ephyr.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends MCP HTTP requests to a list of broker nodes: a fresh DPoP proof per attempt for the node it goes to
 * (with that node's last nonce), one retry on a {@code use_dpop_nonce} challenge, and failover to the next
 * node when a node cannot be reached — never when it refuses. A node answering 503 {@code cluster_unavailable}
 * is cut off from its cluster (it says so and asks the client to go elsewhere), so it counts as unreachable.
 * Thread-safe; one instance per process is enough.
 */
public final class BrokerTransport {
  /** Largest refusal body read into memory (refusals are a few hundred bytes). */
  private static final int MAX_REFUSAL_BODY = 64 * 1024;

  private final List<String> urls;
  private final HttpClient http;
  private final ProofSigner signer;
  private final Duration answerTimeout;
  private final Listener listener;
  private final AtomicInteger current = new AtomicInteger();
  private final Map<String, String> nonces = new ConcurrentHashMap<>();

  /** Observes node changes and nonce refreshes; methods default to doing nothing. */
  public interface Listener {
    /** The transport moved from {@code from} to {@code to} because {@code from} could not be reached. */
    default void movedNode(String from, String to, String why) {}

    /** A node asked for a nonce and the request was retried with it. */
    default void nonceRetried(String node) {}
  }

  /** Whether a request may be sent again after its connection died with the request possibly delivered. */
  public enum Repeat {
    /** Resend on the next node (reads, the handshake, notifications). */
    SAFE,
    /** Report the loss instead: the broker may already have acted on it (a tool call). */
    NEVER_AFTER_SEND
  }

  /** What came of a request. */
  public sealed interface Outcome {
    /**
     * A node answered (any status, refusals included); the caller must consume or close {@code body}.
     *
     * @param node the MCP URL of the node that answered
     */
    record Answered(String node, int status, HttpHeaders headers, InputStream body) implements Outcome {
      /** The first value of {@code name}, or {@code null}. */
      public String header(String name) {
        return headers.firstValue(name).orElse(null);
      }
    }

    /** No node could be reached; {@code detail} says what was tried. */
    record Unreachable(String detail) implements Outcome {}

    /** The connection to {@code node} died after the request was sent: it may or may not have run. */
    record Lost(String node, String detail) implements Outcome {}
  }

  private BrokerTransport(List<String> urls, HttpClient http, ProofSigner signer, Duration answerTimeout,
      Listener listener) {
    this.urls = List.copyOf(urls);
    this.http = http;
    this.signer = signer;
    this.answerTimeout = answerTimeout;
    this.listener = listener;
  }

  /**
   * A transport over {@code mcpUrls} (tried in order, starting with the first).
   *
   * @param signer signs proofs; {@code null} when only bearer credentials will be used
   * @param connectTimeout how long a connection attempt may take before the node counts as unreachable
   * @param answerTimeout how long a node may take to start answering
   */
  public static BrokerTransport create(List<String> mcpUrls, ProofSigner signer, Duration connectTimeout,
      Duration answerTimeout, Listener listener) {
    if (mcpUrls.isEmpty()) {
      throw new IllegalArgumentException("at least one node URL is needed");
    }
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(connectTimeout).build();
    return new BrokerTransport(mcpUrls, http, signer, answerTimeout,
        listener == null ? new Listener() {} : listener);
  }

  /** The node requests go to now. */
  public String currentNode() {
    return urls.get(current.get());
  }

  /** The nodes, in failover order. */
  public List<String> nodes() {
    return urls;
  }

  /**
   * Sends one request, failing over between nodes.
   *
   * @param method {@code POST}, {@code GET} or {@code DELETE}
   * @param body the exact body, or {@code null}
   * @param headers extra headers (content negotiation, MCP session and version); never credentials
   */
  public Outcome send(String method, Credential credential, byte[] body, Map<String, String> headers, Repeat repeat)
      throws InterruptedException {
    Objects.requireNonNull(credential, "credential");
    if (credential.needsProof() && signer == null) {
      throw new IllegalStateException("a DPoP credential needs a transport with a signer");
    }
    int start = current.get();
    List<String> problems = new ArrayList<>();
    Outcome.Answered cutOff = null;
    for (int i = 0; i < urls.size(); i++) {
      int index = (start + i) % urls.size();
      String node = urls.get(index);
      Outcome o;
      try {
        try {
          o = sendTo(node, method, credential, body, headers);
        } catch (IOException e) {
          if (!closedUnanswered(e)) {
            throw e;
          }
          // A kept-alive connection the node had closed: the usual sight after a node restarts or dies. Try
          // once more on a fresh connection; a dead node then refuses it, which moves us on safely.
          o = sendTo(node, method, credential, body, headers);
        }
      } catch (IOException e) {
        if (!beforeSend(e) && repeat == Repeat.NEVER_AFTER_SEND) {
          moveAway(index, node, describe(e));
          return new Outcome.Lost(node, describe(e));
        }
        problems.add(node + ": " + describe(e));
        moveAway(index, node, describe(e));
        continue;
      }
      Outcome.Answered a = (Outcome.Answered) o;
      if (a.status() == 503 && isClusterUnavailable(a)) {
        cutOff = a;
        problems.add(node + ": cut off from its cluster");
        moveAway(index, node, "it is cut off from its cluster (cluster_unavailable)");
        continue;
      }
      return a;
    }
    return cutOff != null ? cutOff : new Outcome.Unreachable(String.join("; ", problems));
  }

  private void moveAway(int index, String node, String why) {
    int next = (index + 1) % urls.size();
    if (next != index && current.compareAndSet(index, next)) {
      listener.movedNode(node, urls.get(next), why);
    }
  }

  private Outcome sendTo(String node, String method, Credential credential, byte[] body, Map<String, String> headers)
      throws IOException, InterruptedException {
    boolean retried = false;
    while (true) {
      HttpRequest.Builder b = HttpRequest.newBuilder(java.net.URI.create(node)).timeout(answerTimeout)
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
      for (Map.Entry<String, String> h : headers.entrySet()) {
        b.header(h.getKey(), h.getValue());
      }
      b.header("Authorization", credential.authorization());
      if (credential.needsProof()) {
        b.header("DPoP", signer.sign(method, node, credential.text(), body, nonces.get(node)));
      }
      HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      String nonce = r.headers().firstValue("DPoP-Nonce").orElse(null);
      if (nonce != null && nonce.length() <= 256) {
        nonces.put(node, nonce);
      }
      if (r.statusCode() == 401 && !retried && credential.needsProof() && nonce != null && asksForNonce(r.headers())) {
        r.body().close();
        retried = true;
        listener.nonceRetried(node);
        continue;
      }
      if (r.statusCode() == 503) {
        byte[] small = readBounded(r.body());
        return new Outcome.Answered(node, r.statusCode(), r.headers(), new ByteArrayInputStream(small));
      }
      return new Outcome.Answered(node, r.statusCode(), r.headers(), r.body());
    }
  }

  private static boolean asksForNonce(HttpHeaders h) {
    for (String v : h.allValues("WWW-Authenticate")) {
      if (v.toLowerCase(Locale.ROOT).contains("use_dpop_nonce")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isClusterUnavailable(Outcome.Answered a) {
    try {
      InputStream in = a.body(); // a ByteArrayInputStream (see sendTo): read, then rewind for the caller
      byte[] b = in.readAllBytes();
      in.reset();
      return new String(b, java.nio.charset.StandardCharsets.UTF_8).contains("\"cluster_unavailable\"");
    } catch (IOException e) {
      return false;
    }
  }

  static byte[] readBounded(InputStream in) throws IOException {
    try (in) {
      return in.readNBytes(MAX_REFUSAL_BODY);
    }
  }

  // The connection closed before a single byte of an answer (java.net.http's wording for it).
  private static boolean closedUnanswered(IOException e) {
    String m = e.getMessage();
    return m != null && m.contains("received no bytes");
  }

  // Failures that prove the request never reached the node, so resending it elsewhere cannot run it twice.
  private static boolean beforeSend(IOException e) {
    if (e instanceof ConnectException || e instanceof HttpConnectTimeoutException) {
      return true;
    }
    Throwable c = e.getCause();
    return c instanceof ConnectException || c instanceof UnresolvedAddressException;
  }

  private static String describe(IOException e) {
    if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
      return "connection refused";
    }
    if (e instanceof HttpConnectTimeoutException) {
      return "connection timed out";
    }
    if (e instanceof java.net.http.HttpTimeoutException) {
      return "no answer in time";
    }
    return "connection lost (" + e.getClass().getSimpleName() + ")";
  }

  @Override
  public String toString() {
    return "BrokerTransport[" + urls + ", current=" + currentNode() + "]";
  }
}
