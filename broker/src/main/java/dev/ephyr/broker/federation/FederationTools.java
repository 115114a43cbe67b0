package dev.ephyr.broker.federation;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.federation.RemoteFailure.Kind;
import dev.ephyr.broker.metrics.Family;
import dev.ephyr.broker.metrics.MeterCatalogue;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.tools.ResourceReader;
import dev.ephyr.broker.tools.CallControl;
import dev.ephyr.broker.tools.ToolProvider;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.broker.tools.ToolSchemas;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The federated tools ({@code remote__tool}, see {@link FederatedNames}; the old {@code remote.tool} is a
 * deprecated alias in calls) and {@code list_remotes}. Each call is checked against the
 * caller's envelope and the current policy, and the tool against the remote's catalogue, before anything
 * is sent; arguments and results are bounded; results come back as the remote's own tool result, with
 * resource URIs mapped and the remote's credential scrubbed.
 */
public final class FederationTools implements ToolProvider, ResourceReader {
  static final String LIST_REMOTES = "list_remotes";

  private final Federation federation;
  private final Family<Counter> calls;
  private final Family<Timer> latency;
  private final ListedNames listedNames = new ListedNames();
  private final JsonObject listRemotes = ToolSchemas.tool(LIST_REMOTES,
      "List the federated MCP servers this caller may use, with their status (up, last refresh, last error, "
          + "tool count).", new JsonObject(), List.of());

  /** The tools over {@code federation}. */
  public FederationTools(Federation federation) {
    this.federation = federation;
    this.calls = federation.metrics().counter(MeterCatalogue.FEDERATION_CALLS);
    this.latency = federation.metrics().timer(MeterCatalogue.FEDERATION_CALL_DURATION);
  }

  @Override
  public boolean owns(String name) {
    if (name.equals(LIST_REMOTES)) {
      return true;
    }
    Target t = target(name);
    return t != null && (t.remote() == null || federation.policy().remotes().containsKey(t.remote()));
  }

  /**
   * What a called name points at: a listed name, or the deprecated dotted alias; {@code tool} is null when
   * the name is not (yet) one of a discovered tool.
   */
  private record Target(String remote, RemoteTool tool, String collision) {}

  private Target target(String name) {
    ListedNames.Index index = index();
    RemoteTool t = index.tools().get(name);
    if (t != null) {
      return new Target(t.remote(), t, null);
    }
    String collision = index.collisions().get(name);
    int under = name.indexOf(FederatedNames.SEPARATOR);
    int dot = name.indexOf('.');
    if (dot > 0 && dot < name.length() - 1 && (under < 0 || dot < under)) {
      // The old spelling names the tool by its name at the remote; it resolves to that one tool only.
      String remote = name.substring(0, dot);
      Remote r = federation.remote(remote);
      Catalogue c = r == null ? null : r.catalogue();
      RemoteTool byName = c == null ? null : c.tool(name.substring(dot + 1));
      if (byName != null && index.collisions().containsKey(byName.listed())) {
        return new Target(remote, null, index.collisions().get(byName.listed()));
      }
      return new Target(remote, byName, null);
    }
    if (under > 0 && under < name.length() - FederatedNames.SEPARATOR.length()) {
      return new Target(name.substring(0, under), null, collision);
    }
    return collision == null ? null : new Target(null, null, collision);
  }

  private ListedNames.Index index() {
    Policy p = federation.policy();
    List<Catalogue> cs = new ArrayList<>();
    for (String name : new TreeSet<>(p.remotes().keySet())) {
      Remote r = federation.remote(name);
      cs.add(r == null ? null : r.catalogue());
    }
    return listedNames.over(cs);
  }

  @Override
  public List<JsonObject> visible(Caller caller) {
    List<JsonObject> out = new ArrayList<>();
    if (caller instanceof Caller.BindPending) {
      return out;
    }
    Policy p = federation.policy();
    java.util.Map<String, String> collided = index().collisions();
    boolean any = false;
    for (String name : new TreeSet<>(p.remotes().keySet())) {
      if (FederationAccess.remote(caller, p, name) != null) {
        continue;
      }
      any = true;
      Remote r = federation.remote(name);
      Catalogue c = r == null ? null : r.catalogue();
      if (c == null) {
        continue;
      }
      for (RemoteTool t : c.all()) {
        if (!collided.containsKey(t.listed()) && FederationAccess.tool(caller, p, t) == null) {
          out.add(t.descriptor().copy());
        }
      }
    }
    if (any) {
      out.add(0, listRemotes.copy());
    }
    return out;
  }

  @Override
  public Future<ToolResult> call(String name, Caller caller, JsonObject args, Context ctx) {
    return call(name, caller, args, ctx, null);
  }

  /** Cancelling {@code control} abandons the request to the remote. */
  @Override
  public Future<ToolResult> call(String name, Caller caller, JsonObject args, Context ctx, CallControl control) {
    if (name.equals(LIST_REMOTES)) {
      return Future.succeededFuture(listRemotes(caller));
    }
    Target target = target(name);
    if (target == null || target.remote() == null) {
      String msg = "tool name '" + clip(name) + "' stands for more than one remote tool ("
          + (target == null ? "?" : target.collision()) + "); ask the operator to rename one at its remote";
      return Future.succeededFuture(new ToolResult.Denied("tool_name_collision", msg, msg, null));
    }
    String remote = target.remote();
    String resource = "remote:" + remote;
    Policy p = federation.policy();
    if (target.collision() != null) {
      String msg = "tool name '" + clip(name) + "' stands for more than one remote tool (" + target.collision()
          + "); ask the operator to rename one at its remote";
      return denied(remote, "tool_name_collision", msg, resource);
    }
    RemoteTool known = target.tool();
    // Checked before the catalogue, so a caller learns nothing about tools it may not use.
    FederationAccess.Refusal refusal = known != null ? FederationAccess.tool(caller, p, known)
        : FederationAccess.tool(caller, p, remote, unlisted(name, remote), null);
    if (refusal != null) {
      return denied(remote, refusal.code(), refusal.message(), resource);
    }
    Remote r = federation.remote(remote);
    Catalogue c = r == null ? null : r.catalogue();
    if (c == null) {
      return denied(remote, "remote_unavailable", "remote '" + remote + "' has not been reached yet; see "
          + LIST_REMOTES, resource);
    }
    if (known == null) {
      return denied(remote, "unknown_tool", "remote '" + remote + "' has no tool '" + clip(name) + "'", resource);
    }
    String tool = known.name();
    JsonObject forward = (JsonObject) UriMapping.inwardAll(remote, args);
    int size = forward.toBuffer().length();
    if (size > federation.limits().maxArgumentBytes()) {
      calls.get(remote, "arguments_too_large").increment();
      return Future.succeededFuture(new ToolResult.BadParams("arguments are " + size + " bytes; federated calls "
          + "take at most " + federation.limits().maxArgumentBytes()));
    }
    long start = System.nanoTime();
    return r.call(tool, forward, () -> caller.revoked() == null, control).map(m -> {
      latency.get(remote).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      ToolResult out = result(r, m, resource);
      calls.get(remote, out instanceof ToolResult.Denied d ? d.code() : "ok").increment();
      return out;
    }).recover(e -> {
      RemoteFailure f = Remote.asFailure(e);
      if (f.kind() == Kind.UNREACHABLE || f.kind() == Kind.TIMEOUT) {
        federation.unreachable(r);
      }
      return denied(remote, f.kind().code(), "remote '" + remote + "': " + r.redact(f.getMessage()), resource);
    });
  }

  @Override
  public boolean readsResource(String uri) {
    return uri.startsWith(UriMapping.PREFIX);
  }

  /**
   * Reads a remote's resource by its mapped URI: allowed when the caller may use the remote at all (the
   * {@code tools} caveat names tools, not resources, so a remote granted with some tool is enough).
   */
  @Override
  public Future<ToolResult> readResource(String uri, Caller caller, Context ctx) {
    String rest = uri.substring(UriMapping.PREFIX.length());
    int slash = rest.indexOf('/');
    String remote = slash <= 0 ? rest : rest.substring(0, slash);
    String resource = "remote:" + remote;
    Policy p = federation.policy();
    if (slash <= 0 || !p.remotes().containsKey(remote)) {
      return Future.succeededFuture(new ToolResult.Denied("unknown_remote", "no remote named '" + clip(remote) + "'"));
    }
    String original = UriMapping.inward(remote, uri);
    if (original == null) {
      return Future.succeededFuture(new ToolResult.BadParams("not a resource URI of remote '" + remote + "'"));
    }
    FederationAccess.Refusal refusal = FederationAccess.remote(caller, p, remote);
    if (refusal != null) {
      return Future.succeededFuture(new ToolResult.Denied(refusal.code(), refusal.message(), refusal.message(),
          resource));
    }
    Remote r = federation.remote(remote);
    if (r == null || r.catalogue() == null) {
      return Future.succeededFuture(new ToolResult.Denied("remote_unavailable", "remote '" + remote
          + "' has not been reached yet", "remote not reached", resource));
    }
    return r.read(original).map(m -> {
      if (m.getValue("error") instanceof JsonObject err) {
        String text = err.getValue("message") instanceof String s ? s : "no message";
        String msg = "remote '" + remote + "' answered error " + err.getValue("code") + ": " + clip(r.redact(text));
        return (ToolResult) new ToolResult.Denied("remote_error", msg, msg, resource);
      }
      if (!(m.getValue("result") instanceof JsonObject result) || !(result.getValue("contents") instanceof JsonArray c)) {
        String msg = "remote '" + remote + "' sent a resources/read response without contents";
        return new ToolResult.Denied(Kind.BAD_RESPONSE.code(), msg, msg, resource);
      }
      JsonArray contents = new JsonArray();
      for (Object o : c) {
        if (o instanceof JsonObject item) {
          JsonObject copy = item.copy();
          if (copy.getValue("uri") instanceof String u) {
            copy.put("uri", UriMapping.outward(remote, u));
          }
          contents.add(copy);
        }
      }
      JsonObject value = (JsonObject) Redaction.walk(new JsonObject().put("contents", contents), r::redact);
      return new ToolResult.Ok(value, resource);
    }).recover(e -> {
      RemoteFailure f = Remote.asFailure(e);
      if (f.kind() == Kind.UNREACHABLE || f.kind() == Kind.TIMEOUT) {
        federation.unreachable(r);
      }
      String msg = "remote '" + remote + "': " + r.redact(f.getMessage());
      return Future.succeededFuture(new ToolResult.Denied(f.kind().code(), msg, msg, resource));
    });
  }

  /** The tool part of a name that is not a discovered tool's, as the caller spelled it. */
  private static String unlisted(String name, String remote) {
    int from = remote.length() + (name.startsWith(remote + FederatedNames.SEPARATOR) ? 2 : 1);
    return name.substring(Math.min(from, name.length()));
  }

  private Future<ToolResult> denied(String remote, String code, String message, String resource) {
    calls.get(remote, code).increment();
    return Future.succeededFuture(new ToolResult.Denied(code, message, message, resource));
  }

  /** The remote's answer as the agent gets it: its tool result, URIs mapped and credential scrubbed. */
  private static ToolResult result(Remote r, JsonObject message, String resource) {
    String remote = r.name();
    if (message.getValue("error") instanceof JsonObject err) {
      String text = err.getValue("message") instanceof String s ? s : "no message";
      String msg = "remote '" + remote + "' answered error " + err.getValue("code") + ": " + clip(r.redact(text));
      return new ToolResult.Denied("remote_error", msg, msg, resource);
    }
    if (!(message.getValue("result") instanceof JsonObject result)) {
      String msg = "remote '" + remote + "' sent a response without a result";
      return new ToolResult.Denied(Kind.BAD_RESPONSE.code(), msg, msg, resource);
    }
    Object content = result.getValue("content");
    if (content != null && !(content instanceof JsonArray)) {
      String msg = "remote '" + remote + "' sent a result whose content is not a list";
      return new ToolResult.Denied(Kind.BAD_RESPONSE.code(), msg, msg, resource);
    }
    JsonArray items = new JsonArray();
    if (content != null) {
      for (Object o : (JsonArray) content) {
        if (o instanceof JsonObject item && item.getValue("type") instanceof String) {
          items.add(UriMapping.outwardContent(remote, item.copy()));
        }
      }
    }
    JsonObject out = new JsonObject().put("content", items)
        .put("isError", Boolean.TRUE.equals(result.getValue("isError")));
    if (result.getValue("structuredContent") instanceof JsonObject sc) {
      out.put("structuredContent", sc);
    }
    return new ToolResult.Passthrough((JsonObject) Redaction.walk(out, r::redact), resource);
  }

  private ToolResult listRemotes(Caller caller) {
    if (caller instanceof Caller.BindPending) {
      return new ToolResult.Denied("bind_required", "bind first");
    }
    Policy p = federation.policy();
    JsonArray list = new JsonArray();
    for (String name : new TreeSet<>(p.remotes().keySet())) {
      if (FederationAccess.remote(caller, p, name) == null) {
        list.add(status(name, t -> FederationAccess.tool(caller, p, t) == null));
      }
    }
    return new ToolResult.Ok(new JsonObject().put("remotes", list));
  }

  /** Every remote of the policy with its status, for operators (the admin API and the dashboard). */
  public JsonArray operatorStatus() {
    JsonArray list = new JsonArray();
    for (String name : new TreeSet<>(federation.policy().remotes().keySet())) {
      list.add(status(name, t -> true));
    }
    return list;
  }

  /** One remote's status; {@code tools} counts the catalogue entries {@code usable} accepts. */
  private JsonObject status(String name, java.util.function.Predicate<RemoteTool> usable) {
    Remote r = federation.remote(name);
    RemoteStatus s = r == null ? RemoteStatus.NEW : r.status();
    Catalogue c = r == null ? null : r.catalogue();
    int count = 0;
    if (c != null) {
      for (RemoteTool t : c.all()) {
        if (usable.test(t)) {
          count++;
        }
      }
    }
    JsonObject o = new JsonObject().put("name", name)
        .put("status", s.up() ? "up" : s.lastAttempt() == null && s.lastErrorCode() == null ? "pending" : "down")
        .put("tools", count)
        .put("tools_total", c == null ? 0 : c.tools().size())
        .put("last_refresh", time(s.lastRefresh()))
        .put("next_refresh", time(s.nextRefresh()))
        .put("consecutive_failures", s.failures());
    if (c != null) {
      o.put("protocol_version", c.protocolVersion()).put("tools_dropped", c.dropped())
          .put("tools_truncated", c.truncated());
    }
    if (s.lastErrorCode() != null) {
      o.put("last_error", new JsonObject().put("code", s.lastErrorCode())
          .put("message", r == null ? s.lastError() : r.redact(s.lastError())));
    }
    return o;
  }

  private static String time(Instant i) {
    return i == null ? null : i.toString();
  }

  private static String clip(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }
}
