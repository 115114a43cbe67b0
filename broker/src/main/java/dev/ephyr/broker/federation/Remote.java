package dev.ephyr.broker.federation;

import dev.ephyr.broker.federation.RemoteFailure.Kind;
import dev.ephyr.broker.policy.RemotePolicy;
import dev.ephyr.broker.proxy.NetworkPolicy;
import dev.ephyr.broker.tools.CallControl;
import dev.ephyr.broker.tools.ToolAnnotations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * One remote MCP server as this node talks to it: its checked address and resolved credential, the MCP
 * session, the last catalogue and the status. Discovery runs on the federation verticle; calls run on the
 * caller's event loop; what they share is held in atomic references to immutable values.
 */
final class Remote {
  /** Protocol versions the broker speaks to remotes, newest first. */
  static final List<String> VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26");
  /** Tool names a remote may use (the MCP recommendation); a dot is mapped in the listed name. */
  static final Pattern TOOL_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final int MAX_CURSOR = 1_024;

  private final RemotePolicy policy;
  private final FederationLimits limits;
  private final Vertx vertx;
  private final RemoteHttp http;
  private final Clock clock;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicReference<Session> session = new AtomicReference<>();
  private final AtomicReference<RemoteStatus> status = new AtomicReference<>(RemoteStatus.NEW);
  private volatile Credential credential;
  private volatile Checked address;
  private volatile Catalogue catalogue;

  /** An MCP session with the remote; {@code id} is null when the remote issues none. */
  record Session(String id, String version) {}

  private record Checked(InetAddress address, long expiresNanos) {}

  Remote(RemotePolicy policy, FederationLimits limits, Vertx vertx, RemoteHttp http, Clock clock) {
    this.policy = policy;
    this.limits = limits;
    this.vertx = vertx;
    this.http = http;
    this.clock = clock;
  }

  RemotePolicy policy() {
    return policy;
  }

  String name() {
    return policy.name();
  }

  /** The last catalogue, or null before the first successful discovery. */
  Catalogue catalogue() {
    return catalogue;
  }

  RemoteStatus status() {
    return status.get();
  }

  void updateStatus(java.util.function.UnaryOperator<RemoteStatus> f) {
    status.updateAndGet(f);
  }

  /** Scrubs the remote's credential from text the remote sent. */
  String redact(String text) {
    Credential c = credential;
    return c == null ? text : c.redact(text);
  }

  /**
   * Discovers the tools: reads the credential anew, checks the address, (re)initializes when needed and
   * lists every page. Updates catalogue and status; fails with a {@link RemoteFailure}.
   */
  Future<Catalogue> discover() {
    return readCredential()
        .compose(c -> {
          credential = c;
          address = null; // resolve again on each discovery, so DNS changes are seen and checked
          return endpoint();
        })
        .compose(ep -> listPage(ep, null, new LinkedHashMap<>(), new int[1], new HashSet<>(), 0))
        .map(c -> {
          catalogue = c;
          status.updateAndGet(s -> s.succeeded(clock.instant()));
          return c;
        })
        .recover(e -> {
          RemoteFailure f = asFailure(e);
          status.updateAndGet(s -> s.failed(clock.instant(), f, true));
          return Future.failedFuture(f);
        });
  }

  /** Forwards {@code tools/call}; the answer is the remote's JSON-RPC response. */
  Future<JsonObject> call(String tool, JsonObject args, BooleanSupplier stillAllowed) {
    return call(tool, args, stillAllowed, null);
  }

  /** Like {@link #call(String, JsonObject, BooleanSupplier)}; cancelling {@code control} abandons the request. */
  Future<JsonObject> call(String tool, JsonObject args, BooleanSupplier stillAllowed, CallControl control) {
    return forward("tools/call", new JsonObject().put("name", tool).put("arguments", args), stillAllowed, control);
  }

  /** Forwards {@code resources/read} of the remote's own URI; the answer is the remote's JSON-RPC response. */
  Future<JsonObject> read(String uri) {
    return forward("resources/read", new JsonObject().put("uri", uri), () -> true, null);
  }

  /**
   * Sends one request. {@code stillAllowed} is asked right before it leaves (after resolving and opening a
   * session, both asynchronous), so a caller revoked meanwhile sends nothing.
   */
  private Future<JsonObject> forward(String method, JsonObject params, BooleanSupplier stillAllowed,
      CallControl control) {
    if (credential == null) {
      return Future.failedFuture(new RemoteFailure(Kind.UNREACHABLE, "the remote has not been reached yet"));
    }
    return endpoint()
        .compose(ep -> request(ep, method, params, true, stillAllowed, control))
        .onSuccess(m -> status.updateAndGet(RemoteStatus::reachable))
        .recover(e -> {
          RemoteFailure f = asFailure(e);
          if (f.kind() == Kind.UNREACHABLE || f.kind() == Kind.TIMEOUT || f.kind() == Kind.ADDRESS) {
            status.updateAndGet(s -> s.failed(clock.instant(), f, false));
          }
          return Future.failedFuture(f);
        });
  }

  private Future<Credential> readCredential() {
    if (policy.auth() == null) {
      return Future.succeededFuture(Credential.NONE);
    }
    return vertx.executeBlocking(() -> {
      try {
        // Rediscovery reads the secret anew but keeps the matcher while the value is unchanged.
        return Credential.reuse(credential, policy.auth(), policy.auth().secret().resolve(System.getenv()));
      } catch (java.io.IOException e) {
        // The message names the variable or file, never a value.
        throw new RemoteFailure(Kind.CREDENTIAL, "cannot read the credential: " + e.getMessage());
      }
    }, false);
  }

  private Future<RemoteHttp.Endpoint> endpoint() {
    Checked a = address;
    Credential c = credential;
    long timeout = policy.timeout().toMillis();
    if (a != null && a.expiresNanos() - System.nanoTime() > 0) {
      return Future.succeededFuture(new RemoteHttp.Endpoint(policy.url(), a.address(), c, timeout,
          policy.maxResponseBytes()));
    }
    String host = policy.url().getHost();
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return vertx.<InetAddress>executeBlocking(() -> {
      InetAddress[] all;
      try {
        all = InetAddress.getAllByName(bare);
      } catch (UnknownHostException e) {
        throw new RemoteFailure(Kind.UNREACHABLE, "cannot resolve " + bare);
      }
      // Every answer must pass: otherwise a name with one public and one private address could be steered.
      for (InetAddress i : all) {
        String why = NetworkPolicy.check(i, policy.allowPrivate());
        if (why != null) {
          throw new RemoteFailure(Kind.ADDRESS, bare + " resolves to " + i.getHostAddress() + ", " + why);
        }
      }
      return all[0];
    }, false).map(ip -> {
      address = new Checked(ip, System.nanoTime() + limits.addressTtl().toNanos());
      return new RemoteHttp.Endpoint(policy.url(), ip, c, timeout, policy.maxResponseBytes());
    });
  }

  /** Sends one request in the current session (initializing one when there is none); renews it once. */
  private Future<JsonObject> request(RemoteHttp.Endpoint ep, String method, JsonObject params, boolean renew,
      BooleanSupplier stillAllowed, CallControl control) {
    Session s = session.get();
    Future<Session> ready = s != null ? Future.succeededFuture(s) : initialize(ep);
    return ready.compose(sess -> {
      if (!stillAllowed.getAsBoolean()) {
        return Future.failedFuture(new RemoteFailure(Kind.REVOKED,
            "the task or one of its ancestors was revoked; the call was not sent"));
      }
      if (control != null && control.cancelledFor() != null) {
        return Future.failedFuture(new RemoteFailure(Kind.CANCELLED, "the call was cancelled; nothing was sent"));
      }
      return http.post(ep, rpc(method, params), sess.id(), sess.version(), control)
          .map(RemoteHttp.Answer::message)
          .recover(e -> {
            if (renew && e instanceof RemoteFailure f && f.kind() == Kind.SESSION_EXPIRED) {
              session.compareAndSet(sess, null);
              return request(ep, method, params, false, stillAllowed, control);
            }
            return Future.failedFuture(e);
          });
    });
  }

  private Future<Session> initialize(RemoteHttp.Endpoint ep) {
    JsonObject params = new JsonObject().put("protocolVersion", VERSIONS.get(0))
        .put("capabilities", new JsonObject())
        .put("clientInfo", new JsonObject().put("name", "ephyr-broker").put("version", "0.1"));
    return http.post(ep, rpc("initialize", params), null, null).compose(a -> {
      JsonObject result = resultOf(a.message(), "initialize");
      Object v = result.getValue("protocolVersion");
      if (!(v instanceof String version) || !VERSIONS.contains(version)) {
        throw new RemoteFailure(Kind.BAD_RESPONSE, "the remote offers protocol version "
            + (v instanceof String str ? "'" + RemoteHttp.clip(str) + "'" : "(none)") + "; the broker speaks "
            + String.join(", ", VERSIONS));
      }
      if (!(result.getValue("capabilities") instanceof JsonObject caps) || !(caps.getValue("tools") instanceof JsonObject)) {
        throw new RemoteFailure(Kind.BAD_RESPONSE, "the remote does not offer tools");
      }
      Session sess = new Session(a.sessionId(), version);
      JsonObject note = new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized");
      return http.post(ep, note, sess.id(), sess.version()).map(x -> {
        session.set(sess);
        return sess;
      });
    });
  }

  private Future<Catalogue> listPage(RemoteHttp.Endpoint ep, String cursor, Map<String, RemoteTool> tools,
      int[] dropped, Set<String> cursors, int page) {
    JsonObject params = cursor == null ? new JsonObject() : new JsonObject().put("cursor", cursor);
    return request(ep, "tools/list", params, true, () -> true, null).compose(m -> {
      JsonObject result = resultOf(m, "tools/list");
      if (!(result.getValue("tools") instanceof JsonArray list)) {
        throw new RemoteFailure(Kind.BAD_RESPONSE, "the remote's tools/list result has no tools array");
      }
      boolean full = false;
      for (Object o : list) {
        if (tools.size() >= limits.maxTools()) {
          full = true;
          break;
        }
        RemoteTool t = toTool(o);
        if (t == null || tools.containsKey(t.name())) {
          dropped[0]++;
        } else {
          tools.put(t.name(), t);
        }
      }
      Object next = result.getValue("nextCursor");
      Session s = session.get();
      String version = s == null ? null : s.version();
      boolean more = next instanceof String n && !n.isEmpty();
      if (!more) {
        return Future.succeededFuture(new Catalogue(tools, dropped[0], false, version, clock.instant()));
      }
      String n = (String) next;
      // A cursor seen before would loop forever; too many pages or tools is a bound, not an error.
      if (full || page + 1 >= limits.maxPages() || n.length() > MAX_CURSOR || !cursors.add(n)) {
        return Future.succeededFuture(new Catalogue(tools, dropped[0], true, version, clock.instant()));
      }
      return listPage(ep, n, tools, dropped, cursors, page + 1);
    });
  }

  /** The tool as the broker lists it, or null when the remote's entry is unusable. */
  private RemoteTool toTool(Object o) {
    if (!(o instanceof JsonObject t) || !(t.getValue("name") instanceof String name)
        || !TOOL_NAME.matcher(name).matches()) {
      return null;
    }
    if (!(t.getValue("inputSchema") instanceof JsonObject schema) || !"object".equals(schema.getValue("type"))
        || schema.encode().length() > limits.maxSchemaBytes()) {
      return null;
    }
    String listed = FederatedNames.listed(name(), name);
    JsonObject d = new JsonObject().put("name", listed);
    if (t.getValue("title") instanceof String title) {
      d.put("title", cut(title, 200));
    }
    String description = t.getValue("description") instanceof String s ? cut(s, limits.maxDescriptionChars()) : "";
    description = description.isEmpty() ? "Tool " + name + " of remote " + name() : description;
    if (!listed.equals(name() + FederatedNames.SEPARATOR + name)) {
      // A shortened or mapped name says what it stands for, so people and policies can find the real one.
      description = description + "\n\n(" + listed + " is tool '" + name + "' of remote '" + name() + "')";
    }
    d.put("description", description);
    d.put("inputSchema", schema.copy());
    // The remote's hints as given, the cautious default for each one it left out; never safer than it says.
    d.put("annotations", ToolAnnotations.federated(t.getValue("annotations"),
        d.getValue("title") instanceof String title ? title : name + " (" + name() + ")"));
    return new RemoteTool(name(), name, listed, (JsonObject) Redaction.walk(d, this::redact));
  }

  private JsonObject rpc(String method, JsonObject params) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", ids.incrementAndGet()).put("method", method)
        .put("params", params);
  }

  private JsonObject resultOf(JsonObject message, String method) {
    if (message.getValue("error") instanceof JsonObject err) {
      String text = err.getValue("message") instanceof String s ? s : "no message";
      throw new RemoteFailure(Kind.BAD_RESPONSE, "the remote answered " + method + " with error "
          + err.getValue("code") + ": " + RemoteHttp.clip(redact(text)));
    }
    if (!(message.getValue("result") instanceof JsonObject result)) {
      throw new RemoteFailure(Kind.BAD_RESPONSE, "the remote's " + method + " response has no result object");
    }
    return result;
  }

  static RemoteFailure asFailure(Throwable e) {
    return e instanceof RemoteFailure f ? f : new RemoteFailure(Kind.BAD_RESPONSE,
        "unexpected failure talking to the remote (" + e.getClass().getSimpleName() + ")");
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…";
  }
}
