package dev.ephyr.broker.ssh;

import static dev.ephyr.broker.tools.ToolSchemas.integer;
import static dev.ephyr.broker.tools.ToolSchemas.str;
import static dev.ephyr.broker.tools.ToolSchemas.tool;

import dev.ephyr.broker.bus.Addresses;
import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.bus.BusSeal;
import dev.ephyr.broker.bus.Opened;
import dev.ephyr.broker.config.SshSettings;
import dev.ephyr.broker.policy.AgentPolicy;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.broker.policy.TargetPolicy;
import dev.ephyr.broker.tools.CallControl;
import dev.ephyr.broker.tools.CallControl.Delivery;
import dev.ephyr.broker.tools.ToolProvider;
import dev.ephyr.broker.tools.ToolResult;
import dev.ephyr.protocol.verify.Verification;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The SSH tools: {@code list_targets}, {@code exec}, {@code session_create}, {@code session_close},
 * {@code list_sessions}, {@code list_certs}. Only task tokens may use them (a certificate names its task).
 * Every call re-checks target, role, envelope and the current policy; session calls go to the node that
 * owns the session, which checks them again there.
 */
public final class SshTools implements ToolProvider {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SshTools.class);
  static final int MAX_COMMAND = 8192;

  private final Vertx vertx;
  private final String nodeId;
  private final SshSettings settings;
  private final Supplier<Policy> policy;
  private final SignerLink signer;
  private final SshConnector connector;
  private final ExecRunner runner;
  private final SshSessions sessions;
  private final CertRecords certs;
  private final Clock clock;
  private final ExecLimit execLimit;
  private final BusSeal bus;
  private final Map<String, JsonObject> tools = new LinkedHashMap<>();

  SshTools(Vertx vertx, String nodeId, SshSettings settings, ExecLimit execLimit, Supplier<Policy> policy,
      SignerLink signer, SshConnector connector, ExecRunner runner, SshSessions sessions, CertRecords certs,
      Clock clock, BusSeal bus) {
    this.bus = bus;
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.settings = settings;
    this.policy = policy;
    this.signer = signer;
    this.connector = connector;
    this.runner = runner;
    this.sessions = sessions;
    this.certs = certs;
    this.clock = clock;
    this.execLimit = execLimit;
    add(tool("list_targets", "List the SSH targets and roles this task may use.", new JsonObject(), List.of()));
    add(tool("exec", "Run a command on an SSH target with a fresh short-lived certificate, or on an open session.",
        new JsonObject()
            .put("target", str("the target (not with session_id)"))
            .put("role", str("the role (default: the only one usable on the target)"))
            .put("command", str("the command line, run by the remote user's shell"))
            .put("timeout_seconds", integer(execLimit.describe(), 1, execLimit.longest(Delivery.STREAMED).toSeconds()))
            .put("session_id", str("run on this open session instead (its target and role apply)")),
        List.of("command")));
    add(tool("session_create", "Open a persistent SSH session on a target for this task.", new JsonObject()
        .put("target", str("the target")).put("role", str("the role (default: the only one usable)")),
        List.of("target")));
    add(tool("session_close", "Close one of this task's sessions.",
        new JsonObject().put("session_id", str("the session")), List.of("session_id")));
    add(tool("list_sessions", "List this task's open SSH sessions (on every node).", new JsonObject(), List.of()));
    add(tool("list_certs", "List the live certificates issued to this task and its subtasks.", new JsonObject(),
        List.of()));
  }

  private void add(JsonObject d) {
    tools.put(d.getString("name"), d);
  }

  @Override
  public boolean owns(String name) {
    return tools.containsKey(name);
  }

  @Override
  public List<JsonObject> visible(Caller caller) {
    if (!signer.enabled() || !(caller instanceof Caller.TaskToken t) || t.effective().targets().isNone()
        || t.effective().roles().isNone()) {
      return List.of();
    }
    List<JsonObject> out = new ArrayList<>();
    tools.values().forEach(d -> out.add(d.copy()));
    return out;
  }

  @Override
  public Future<ToolResult> call(String name, Caller caller, JsonObject args, Context ctx) {
    return call(name, caller, args, ctx, CallControl.of(Delivery.INLINE));
  }

  @Override
  public Future<ToolResult> call(String name, Caller caller, JsonObject args, Context ctx, CallControl control) {
    if (!(caller instanceof Caller.TaskToken t)) {
      return done(new ToolResult.Denied("task_required", "SSH access needs a task token: create a task with "
          + "task_create and call with its token (certificates name their task)"));
    }
    SshCaller who = SshCaller.of(t);
    try {
      switch (name) {
        case "list_targets": return listTargets(who, args);
        case "exec": return exec(t, who, args, ctx, control);
        case "session_create": return sessionCreate(t, who, args, ctx);
        case "session_close": return sessionClose(who, args, ctx);
        case "list_sessions": return listSessions(who, args);
        case "list_certs": return listCerts(who, args);
        default: return done(new ToolResult.BadParams("unknown tool " + name));
      }
    } catch (BadArgument e) {
      return done(new ToolResult.BadParams(e.getMessage()));
    }
  }

  // ------------------------------------------------------------------------------------------ arguments

  private static final class BadArgument extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadArgument(String message) {
      super(message, null, false, false);
    }
  }

  private static void only(JsonObject args, Set<String> allowed) {
    for (String k : args.fieldNames()) {
      if (!allowed.contains(k)) {
        throw new BadArgument("unknown argument '" + k + "' (allowed: " + String.join(", ", allowed) + ")");
      }
    }
  }

  private static String string(JsonObject args, String key, int max) {
    Object v = args.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s) || s.isEmpty() || s.length() > max) {
      throw new BadArgument(key + " must be a non-empty string of at most " + max + " characters");
    }
    return s;
  }

  private static Future<ToolResult> done(ToolResult r) {
    return Future.succeededFuture(r);
  }

  // ------------------------------------------------------------------------------------------ tools

  private Future<ToolResult> listTargets(SshCaller who, JsonObject args) {
    only(args, Set.of());
    Policy p = policy.get();
    AgentPolicy agent = p.agent(who.agent()).orElse(null);
    JsonArray out = new JsonArray();
    if (agent != null) {
      for (TargetPolicy target : new TreeMap<>(p.targets()).values()) {
        if (!who.scope().targets().contains(target.name()) || !agent.grant().targets().contains(target.name())) {
          continue;
        }
        List<String> roles = SshAccess.usableRoles(p, agent, who.scope(), target);
        if (roles.isEmpty()) {
          continue;
        }
        JsonArray r = new JsonArray();
        for (String role : roles) {
          r.add(new JsonObject().put("role", role).put("principal", p.roles().get(role).principal()));
        }
        out.add(new JsonObject().put("target", target.name()).put("host", target.host()).put("port", target.port())
            .put("roles", r));
      }
    }
    return done(new ToolResult.Ok(new JsonObject().put("targets", out).put("enabled", signer.enabled())));
  }

  private Duration timeout(JsonObject args, Delivery delivery) {
    Object v = args.getValue("timeout_seconds");
    if (v == null) {
      return execLimit.byDefault(delivery);
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < 1
        || n.doubleValue() > execLimit.longest(delivery).toSeconds()) {
      throw new BadArgument(execLimit.problem(delivery));
    }
    return Duration.ofSeconds(n.longValue());
  }

  private static String command(JsonObject args) {
    String c = string(args, "command", MAX_COMMAND);
    if (c == null || c.isBlank()) {
      throw new BadArgument("command is required");
    }
    if (c.indexOf('\0') >= 0) {
      throw new BadArgument("command must not contain NUL");
    }
    return c;
  }

  private Future<ToolResult> exec(Caller caller, SshCaller who, JsonObject args, Context ctx, CallControl control) {
    only(args, Set.of("target", "role", "command", "timeout_seconds", "session_id"));
    String command = command(args);
    Duration timeout = timeout(args, control.delivery());
    String sessionId = string(args, "session_id", 128);
    String targetName = string(args, "target", 64);
    String roleName = string(args, "role", 64);
    if (sessionId != null) {
      if (targetName != null || roleName != null) {
        throw new BadArgument("with session_id the session's target and role apply; do not pass target or role");
      }
      return forward(who, sessionId, new JsonObject().put("op", "exec").put("command", command)
          .put("timeout_ms", timeout.toMillis()), ctx);
    }
    if (targetName == null) {
      throw new BadArgument("target (or session_id) is required");
    }
    if (!signer.enabled()) {
      return done(disabled(targetName));
    }
    return connect(caller, who, targetName, roleName, ctx).compose(c -> {
      if (c.refusal != null) {
        return done(c.refusal);
      }
      if (control.cancelledFor() != null) {
        c.session.ssh.close(true);
        return done(new ToolResult.Denied("cancelled", "the call was cancelled before the command started",
            control.cancelledFor(), "target:" + c.session.target));
      }
      return runner.run(c.session.ssh, command, timeout, settings.outputLimit(), ctx, control)
          .map(r -> (ToolResult) new ToolResult.Ok(r.put("target", c.session.target).put("role", c.session.role)
              .put("principal", c.session.principal).put("certificate_serial", c.session.serial),
              "target:" + c.session.target))
          .eventually(() -> {
            c.session.ssh.close(true);
            return Future.succeededFuture();
          });
    });
  }

  private static ToolResult.Denied disabled(String target) {
    return new ToolResult.Denied("ssh_disabled", "this node has no SSH signer configured", "ssh.signer-socket unset",
        "target:" + target);
  }

  /** An authenticated connection for a new exec or session, or why not. */
  private static final class Connection {
    final LiveSession session;
    final ToolResult refusal;

    Connection(LiveSession session, ToolResult refusal) {
      this.session = session;
      this.refusal = refusal;
    }
  }

  /**
   * Issues a certificate and opens a connection for {@code who}. Both are asynchronous, so the caller's lineage
   * is checked against the revocation view again once the connection stands, before anything runs on it.
   */
  private Future<Connection> connect(Caller caller, SshCaller who, String targetName, String roleName,
      Context ctx) {
    Verification.Rejected before = caller.revoked();
    if (before != null) {
      return Future.succeededFuture(new Connection(null, new ToolResult.Denied(before.reason().code(),
          "the task or one of its ancestors was revoked", before.auditDetail(), "target:" + targetName)));
    }
    SshAccess.Decision d = SshAccess.check(policy.get(), who.agent(), who.scope(), targetName, roleName);
    if (d instanceof SshAccess.Refused r) {
      return Future.succeededFuture(new Connection(null, new ToolResult.Denied(r.code(), r.message(), r.message(),
          r.resource())));
    }
    SshAccess.Granted g = (SshAccess.Granted) d;
    String resource = "target:" + g.target().name();
    PublicKey pinned = SshConnector.parseKey(g.target().hostKey());
    if (pinned == null) {
      return Future.succeededFuture(new Connection(null, new ToolResult.Denied("host_key_unusable",
          "the pinned host key of target '" + targetName + "' cannot be used", "unparseable host_key", resource)));
    }
    CertIssuer issuer = signer.issuer(); // one signer for this call, even if a reload switches it meanwhile
    if (issuer == null) {
      return Future.succeededFuture(new Connection(null, disabled(targetName)));
    }
    return issuer.issue(who.subject(), g.target(), g.role(), ctx).compose(outcome -> {
      if (outcome instanceof CertIssuer.Refused r) {
        return Future.succeededFuture(new Connection(null, new ToolResult.Denied(r.code(), r.message(), r.message(),
            resource)));
      }
      CertIssuer.Issued cert = ((CertIssuer.Ok) outcome).issued();
      return connector.open(g.target().host(), g.target().port(), g.role().principal(), pinned, cert.identity(), ctx)
          .map(o -> {
            if (o instanceof SshConnector.Failed f) {
              return new Connection(null, new ToolResult.Denied(f.code(), f.message(), f.message(), resource));
            }
            Verification.Rejected gone = caller.revoked();
            if (gone != null) {
              ((SshConnector.Connected) o).session().close(true);
              return new Connection(null, new ToolResult.Denied(gone.reason().code(), "the task or one of its "
                  + "ancestors was revoked while the connection was being opened; nothing ran", gone.auditDetail(),
                  resource));
            }
            long now = clock.millis();
            LiveSession s = new LiveSession(sessions.newId(), who, g.target().name(), g.role().name(),
                g.role().principal(), g.target().host(), g.target().port(), g.target().hostKey(), cert.serial(),
                ((SshConnector.Connected) o).session(), now, sessions.expiryMillis(who.expiresAt()), System.nanoTime());
            return new Connection(s, null);
          });
    }, e -> {
      LOG.warn("node {}: no certificate for task {} on {}: {}", nodeId, who.task(), resource, e.toString());
      return Future.succeededFuture(new Connection(null, new ToolResult.Denied("signer_unavailable",
          "no certificate could be issued right now; try again", String.valueOf(e.getMessage()), resource)));
    });
  }

  private Future<ToolResult> sessionCreate(Caller caller, SshCaller who, JsonObject args, Context ctx) {
    only(args, Set.of("target", "role"));
    String targetName = string(args, "target", 64);
    String roleName = string(args, "role", 64);
    if (targetName == null) {
      throw new BadArgument("target is required");
    }
    if (!signer.enabled()) {
      return done(disabled(targetName));
    }
    String full = sessions.capacityProblem(who.task());
    if (full != null) {
      return done(new ToolResult.Denied("too_many_sessions", full, full, "target:" + targetName));
    }
    return connect(caller, who, targetName, roleName, ctx).compose(c -> {
      if (c.refusal != null) {
        return done(c.refusal);
      }
      String again = sessions.capacityProblem(who.task());
      if (again != null) {
        c.session.ssh.close(true);
        return done(new ToolResult.Denied("too_many_sessions", again, again, "target:" + targetName));
      }
      return sessions.add(c.session).map(v -> (ToolResult) new ToolResult.Ok(c.session.describe(nodeId),
          "target:" + c.session.target));
    });
  }

  private Future<ToolResult> sessionClose(SshCaller who, JsonObject args, Context ctx) {
    only(args, Set.of("session_id"));
    String id = string(args, "session_id", 128);
    if (id == null) {
      throw new BadArgument("session_id is required");
    }
    return forward(who, id, new JsonObject().put("op", "close"), ctx);
  }

  /** Runs a session operation on the owning node (here, or over the clustered event bus). */
  private Future<ToolResult> forward(SshCaller who, String sessionId, JsonObject msg, Context ctx) {
    String owner = SshSessions.ownerOf(sessionId);
    String resource = "session:" + sessionId;
    if (owner == null) {
      return done(new ToolResult.Denied("no_such_session", "'" + sessionId + "' is not a session id", "bad id",
          resource));
    }
    msg.put("session_id", sessionId).put("caller", who.toJson());
    Future<JsonObject> answer;
    if (owner.equals(nodeId)) {
      answer = sessions.handle(msg, ctx);
    } else {
      long wait = msg.getLong("timeout_ms", 0L) + settings.connectTimeout().toMillis() + 5000;
      // Sealed: the owner runs it only if a node of this cluster sent it, and only once; the answer is
      // sealed to this request.
      String address = Addresses.SSH_SESSION_PREFIX + owner;
      JsonObject sealed = bus.seal(address, msg);
      answer = vertx.eventBus().<Object>request(address, sealed, new DeliveryOptions().setSendTimeout(wait))
          .map(m -> bus.openReply(sealed, m.body()) instanceof Opened.Ok ok ? ok.body()
              : SshSessions.denied("bus_refused", "the answer of node '" + owner + "' could not be authenticated"));
    }
    return answer.map(a -> {
      JsonObject ok = a.getJsonObject("ok");
      if (ok != null) {
        String target = ok.getString("target");
        return (ToolResult) new ToolResult.Ok(ok, target != null ? "target:" + target : resource);
      }
      JsonObject d = a.getJsonObject("denied", new JsonObject());
      String code = d.getString("code", "denied");
      return (ToolResult) new ToolResult.Denied(code, d.getString("message", code), d.getString("message", code),
          resource);
    }).recover(e -> {
      if (e instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
        return done(new ToolResult.Denied("session_owner_gone", "node '" + owner + "' that held session "
            + sessionId + " is not in the cluster; the session is gone", e.getMessage(), resource));
      }
      if (e instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT) {
        return done(new ToolResult.Denied("session_timeout", "node '" + owner + "' did not answer in time",
            e.getMessage(), resource));
      }
      return Future.failedFuture(e);
    });
  }

  private Future<ToolResult> listSessions(SshCaller who, JsonObject args) {
    only(args, Set.of());
    return sessions.listForTask(who.task()).map(list -> new ToolResult.Ok(new JsonObject()
        .put("sessions", new JsonArray(list))));
  }

  private Future<ToolResult> listCerts(SshCaller who, JsonObject args) {
    only(args, Set.of());
    long now = clock.instant().getEpochSecond();
    return certs.all().map(all -> {
      List<JsonObject> mine = new ArrayList<>();
      for (JsonObject c : all) {
        if (c.getLong("valid_before", 0L) <= now) {
          continue;
        }
        boolean inSubtree = false;
        for (Object h : c.getJsonArray("lineage", new JsonArray())) {
          if (h instanceof JsonObject hop && who.task().equals(hop.getString("task"))) {
            inSubtree = true;
          }
        }
        if (inSubtree) {
          mine.add(new JsonObject().put("serial", c.getLong("serial")).put("key_id", c.getString("key_id"))
              .put("task", c.getString("task")).put("target", c.getString("target")).put("role", c.getString("role"))
              .put("principal", c.getString("principal")).put("ca", c.getString("ca"))
              .put("valid_after", c.getLong("valid_after")).put("valid_before", c.getLong("valid_before")));
        }
      }
      mine.sort((a, b) -> Long.compare(a.getLong("serial"), b.getLong("serial")));
      return new ToolResult.Ok(new JsonObject().put("certificates", new JsonArray(mine)));
    });
  }
}
