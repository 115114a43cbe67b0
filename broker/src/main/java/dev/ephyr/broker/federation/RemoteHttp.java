package dev.ephyr.broker.federation;

import dev.ephyr.broker.federation.RemoteFailure.Kind;
import dev.ephyr.broker.tools.CallControl;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.util.Locale;

/**
 * One JSON-RPC message POSTed to a remote's Streamable HTTP endpoint, and its answer: JSON or an event
 * stream, read with a byte cap and a deadline. Connects to the address already checked (never re-resolved),
 * sends the credential, never follows a redirect, and forwards nothing of the agent's request.
 */
final class RemoteHttp {
  /** Most events read from one response stream. */
  static final int MAX_STREAM_EVENTS = 1_000;
  /** Longest accepted {@code Mcp-Session-Id}. */
  static final int MAX_SESSION_ID = 256;

  private final Vertx vertx;
  private final HttpClient client;

  RemoteHttp(Vertx vertx, HttpClient client) {
    this.vertx = vertx;
    this.client = client;
  }

  /**
   * Where and how to send: the remote's URL, the address its host resolved to (already checked), the
   * credential, the deadline per exchange and the byte cap.
   */
  record Endpoint(URI url, InetAddress address, Credential credential, long timeoutMillis, long maxBytes) {}

  /**
   * The answer to one POST.
   *
   * @param status HTTP status
   * @param sessionId the {@code Mcp-Session-Id} the remote sent, or null
   * @param message the JSON-RPC response to our request, or null (a notification's 202)
   */
  record Answer(int status, String sessionId, JsonObject message) {}

  /**
   * Posts {@code rpc}; when it has an {@code id}, waits for the response with that id. Fails with a
   * {@link RemoteFailure}.
   */
  Future<Answer> post(Endpoint endpoint, JsonObject rpc, String sessionId, String protocolVersion) {
    return post(endpoint, rpc, sessionId, protocolVersion, null);
  }

  /**
   * Like {@link #post(Endpoint, JsonObject, String, String)}; cancelling {@code control} (when not null)
   * abandons the exchange (the connection is reset) and fails it as {@code cancelled}.
   */
  Future<Answer> post(Endpoint endpoint, JsonObject rpc, String sessionId, String protocolVersion,
      CallControl control) {
    Exchange x = new Exchange(endpoint, rpc.getValue("id"), sessionId != null);
    URI u = endpoint.url();
    boolean https = "https".equals(u.getScheme());
    int port = u.getPort() > 0 ? u.getPort() : (https ? 443 : 80);
    String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setServer(SocketAddress.inetSocketAddress(port, endpoint.address().getHostAddress()))
        .setHost(u.getHost())
        .setPort(port)
        .setSsl(https)
        .setURI(endpoint.credential().applyQuery(path))
        .setFollowRedirects(false)
        .setConnectTimeout(Math.min(endpoint.timeoutMillis(), 10_000));
    MultiMap h = options.getHeaders() == null ? MultiMap.caseInsensitiveMultiMap() : options.getHeaders();
    h.set("Content-Type", "application/json");
    h.set("Accept", "application/json, text/event-stream");
    h.set("User-Agent", "ephyr-federation");
    // Plain bytes only: the answer is parsed and scrubbed of the credential, neither of which reads gzip.
    h.set("Accept-Encoding", "identity");
    if (protocolVersion != null) {
      h.set("MCP-Protocol-Version", protocolVersion);
    }
    if (sessionId != null) {
      h.set("Mcp-Session-Id", sessionId);
    }
    endpoint.credential().applyHeaders(h);
    options.setHeaders(h);
    Buffer body = Buffer.buffer(rpc.encode());
    long timer = vertx.setTimer(endpoint.timeoutMillis(), id -> x.fail(new RemoteFailure(Kind.TIMEOUT,
        "no complete answer within " + endpoint.timeoutMillis() + " ms")));
    x.timer = timer;
    if (control != null) {
      io.vertx.core.Context here = vertx.getOrCreateContext();
      control.onCancel(() -> here.runOnContext(v -> x.fail(new RemoteFailure(Kind.CANCELLED,
          "the call was cancelled; the request to the remote was abandoned"))));
    }
    client.request(options)
        .compose(req -> {
          x.request = req;
          if (x.finished) {
            req.reset();
          }
          return req.send(body);
        })
        .onSuccess(x::response)
        .onFailure(e -> x.fail(new RemoteFailure(Kind.UNREACHABLE, "cannot reach the remote ("
            + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + clip(e.getMessage())) + ")")));
    return x.promise.future();
  }

  /** The state of one exchange: completes once, then only drains (bounded) until the stream ends. */
  private final class Exchange {
    final Promise<Answer> promise = Promise.promise();
    final Endpoint endpoint;
    final Object expectedId;
    final boolean sentSession;
    HttpClientRequest request;
    long timer = -1;
    long received;
    boolean finished; // the stream is over or abandoned
    boolean answered; // the promise is complete

    Exchange(Endpoint endpoint, Object expectedId, boolean sentSession) {
      this.endpoint = endpoint;
      this.expectedId = expectedId;
      this.sentSession = sentSession;
    }

    void fail(RemoteFailure f) {
      boolean first = !answered;
      answered = true; // before abandoning: the reset re-enters through the exception handler
      abandon();
      if (first) {
        promise.fail(f);
      }
    }

    void succeed(Answer a) {
      if (!answered) {
        answered = true;
        promise.complete(a);
      }
    }

    void abandon() {
      if (!finished) {
        finished = true;
        if (request != null) {
          request.reset();
        }
      }
      vertx.cancelTimer(timer);
    }

    void end() {
      finished = true;
      vertx.cancelTimer(timer);
    }

    void response(HttpClientResponse resp) {
      resp.exceptionHandler(e -> fail(broken(e))); // first, so an abandoned stream's reset is handled
      int status = resp.statusCode();
      String session = resp.getHeader("Mcp-Session-Id");
      if (session != null && !validSessionId(session)) {
        fail(new RemoteFailure(Kind.BAD_RESPONSE, "the remote sent a malformed Mcp-Session-Id"));
        return;
      }
      if (status >= 300 && status < 400) {
        fail(new RemoteFailure(Kind.REDIRECT, "the remote answered with a redirect (HTTP " + status
            + "); redirects are never followed"));
        return;
      }
      if (status == 401 || status == 403) {
        fail(new RemoteFailure(Kind.AUTH, "the remote refused the broker's credential (HTTP " + status + ")"));
        return;
      }
      if (status == 404 && sentSession) {
        fail(new RemoteFailure(Kind.SESSION_EXPIRED, "the remote no longer knows the session (HTTP 404)"));
        return;
      }
      if (status < 200 || status >= 300) {
        fail(new RemoteFailure(Kind.HTTP_STATUS, "the remote answered HTTP " + status));
        return;
      }
      String encoded = unreadableEncoding(resp.headers());
      if (encoded != null) {
        fail(new RemoteFailure(Kind.BAD_RESPONSE, "the remote answered with " + encoded + " although asked for "
            + "plain bytes (Accept-Encoding: identity); encoded answers are not read"));
        return;
      }
      String length = resp.getHeader("Content-Length");
      if (length != null) {
        try {
          if (Long.parseLong(length.trim()) > endpoint.maxBytes()) {
            fail(tooLarge());
            return;
          }
        } catch (NumberFormatException e) {
          fail(new RemoteFailure(Kind.BAD_RESPONSE, "the remote sent a malformed Content-Length"));
          return;
        }
      }
      if (expectedId == null || status == 202 || status == 204) {
        // A notification: nothing to read; drain what comes, bounded.
        resp.handler(this::count);
        resp.endHandler(v -> {
          end();
          succeed(new Answer(status, session, null));
        });
        resp.exceptionHandler(e -> fail(broken(e)));
        if (expectedId != null) {
          fail(new RemoteFailure(Kind.BAD_RESPONSE, "the remote answered a request with HTTP " + status
              + " and no response"));
        }
        return;
      }
      String type = resp.getHeader("Content-Type");
      String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
      if (media.equals("application/json")) {
        readJson(resp, status, session);
      } else if (media.equals("text/event-stream")) {
        readStream(resp, status, session);
      } else {
        fail(new RemoteFailure(Kind.BAD_RESPONSE, "the remote answered with Content-Type '" + clip(media)
            + "', expected application/json or text/event-stream"));
      }
    }

    private void readJson(HttpClientResponse resp, int status, String session) {
      Buffer all = Buffer.buffer();
      resp.handler(chunk -> {
        if (count(chunk)) {
          all.appendBuffer(chunk);
        }
      });
      resp.exceptionHandler(e -> fail(broken(e)));
      resp.endHandler(v -> {
        end();
        if (answered) {
          return;
        }
        JsonObject msg;
        try {
          Object parsed = io.vertx.core.json.Json.decodeValue(all);
          if (!(parsed instanceof JsonObject o)) {
            fail(new RemoteFailure(Kind.BAD_RESPONSE, "the remote's answer is not a JSON-RPC object"));
            return;
          }
          msg = o;
        } catch (DecodeException e) {
          fail(new RemoteFailure(Kind.BAD_RESPONSE, "the remote's answer is not valid JSON"));
          return;
        }
        if (!isResponseTo(msg)) {
          fail(new RemoteFailure(Kind.BAD_RESPONSE, "the remote's answer is not the response to our request"));
          return;
        }
        succeed(new Answer(status, session, msg));
      });
    }

    private void readStream(HttpClientResponse resp, int status, String session) {
      int maxEvent = (int) Math.min(Integer.MAX_VALUE - 8, endpoint.maxBytes());
      SseReader reader = new SseReader(maxEvent, MAX_STREAM_EVENTS, data -> {
        if (answered) {
          return;
        }
        Object parsed;
        try {
          parsed = io.vertx.core.json.Json.decodeValue(data);
        } catch (DecodeException e) {
          fail(new RemoteFailure(Kind.BAD_RESPONSE, "the remote's event stream carried data that is not JSON"));
          return;
        }
        // Notifications and requests from the remote (progress, logging, sampling) are skipped.
        if (parsed instanceof JsonObject o && isResponseTo(o)) {
          succeed(new Answer(status, session, o));
        }
      });
      resp.handler(chunk -> {
        if (!count(chunk) || answered) {
          return; // once answered, the rest of the stream is drained unread until it ends
        }
        try {
          reader.feed(chunk);
        } catch (SseReader.SseException e) {
          fail(new RemoteFailure(Kind.TOO_LARGE, e.getMessage()));
        }
      });
      resp.exceptionHandler(e -> fail(broken(e)));
      resp.endHandler(v -> {
        end();
        if (!answered) {
          fail(new RemoteFailure(Kind.BAD_RESPONSE, "the remote's event stream ended without a response"));
        }
      });
    }

    /** Counts received bytes; over the cap the exchange fails. Returns whether the chunk may be used. */
    private boolean count(Buffer chunk) {
      received += chunk.length();
      if (received > endpoint.maxBytes()) {
        fail(tooLarge());
        return false;
      }
      return !finished;
    }

    private RemoteFailure tooLarge() {
      return new RemoteFailure(Kind.TOO_LARGE, "the remote's answer is larger than " + endpoint.maxBytes()
          + " bytes");
    }

    private RemoteFailure broken(Throwable e) {
      return new RemoteFailure(Kind.UNREACHABLE, "the connection to the remote broke ("
          + e.getClass().getSimpleName() + ")");
    }

    private boolean isResponseTo(JsonObject m) {
      Object id = m.getValue("id");
      boolean sameId = id instanceof Number n && expectedId instanceof Number e ? n.longValue() == e.longValue()
          : id != null && id.equals(expectedId);
      return sameId && (m.containsKey("result") || m.containsKey("error")) && !m.containsKey("method");
    }
  }

  /** A content or transfer coding other than identity/chunked, named, or {@code null}. */
  static String unreadableEncoding(MultiMap headers) {
    for (String name : new String[] {"Content-Encoding", "Transfer-Encoding"}) {
      for (String v : headers.getAll(name)) {
        for (String t : v.split(",")) {
          String c = t.trim().toLowerCase(Locale.ROOT);
          if (!c.isEmpty() && !c.equals("identity") && !(c.equals("chunked") && name.startsWith("T"))) {
            return name + " " + clip(c);
          }
        }
      }
    }
    return null;
  }

  private static boolean validSessionId(String s) {
    if (s.isEmpty() || s.length() > MAX_SESSION_ID) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  static String clip(String s) {
    return s.length() > 160 ? s.substring(0, 160) + "…" : s;
  }
}
