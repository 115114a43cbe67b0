package dev.ephyr.broker.ssh;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.ephyr.broker.config.SshSettings;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.protocol.verify.TaskHop;
import dev.ephyr.protocol.verify.WatermarkLookup;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent SSH sessions living on this node, and the owner's side of every operation on them
 * (whether the call arrived here or was forwarded from another node): each use checks that the caller's
 * task is the session's task, that no task of its lineage is revoked (this node's watermark mirror), that
 * it has not expired, and that target and role are still allowed by the envelope and current policy.
 * Sessions close when idle, at their maximum lifetime (never later than the task's expiry) and when their
 * task or an ancestor is revoked.
 */
final class SshSessions {
  private static final Logger LOG = LoggerFactory.getLogger(SshSessions.class);
  static final String INDEX_MAP = "ephyr.ssh.sessions";
  /** Commands running at once on one session. */
  static final int MAX_RUNNING = 4;

  private final Vertx vertx;
  private final String nodeId;
  private final SshSettings settings;
  private final WatermarkLookup watermarks;
  private final Supplier<Policy> policy;
  private final ExecRunner runner;
  private final IMap<String, String> index;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, LiveSession> live = new ConcurrentHashMap<>();

  SshSessions(Vertx vertx, String nodeId, SshSettings settings, WatermarkLookup watermarks, Supplier<Policy> policy,
      ExecRunner runner, HazelcastInstance hz, Clock clock) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.settings = settings;
    this.watermarks = watermarks;
    this.policy = policy;
    this.runner = runner;
    this.index = hz.getMap(INDEX_MAP);
    this.clock = clock;
  }

  /** A new session id: this node's id, {@code ~}, 128 random bits. */
  String newId() {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return nodeId + "~" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** The node that owns session {@code id}, or null if it is not a session id. */
  static String ownerOf(String id) {
    int i = id == null ? -1 : id.lastIndexOf('~');
    return i <= 0 || id.length() > 128 ? null : id.substring(0, i);
  }

  /** Why a new session for {@code task} cannot be opened here now, or null. */
  String capacityProblem(String task) {
    if (live.size() >= settings.maxSessions()) {
      return "this node already holds its maximum of " + settings.maxSessions() + " sessions";
    }
    long mine = live.values().stream().filter(s -> s.task.equals(task)).count();
    if (mine >= settings.maxSessionsPerTask()) {
      return "this task already holds its maximum of " + settings.maxSessionsPerTask() + " sessions";
    }
    return null;
  }

  /** When a session created now for a task expiring at {@code taskExpiresAt} must close. */
  long expiryMillis(long taskExpiresAt) {
    return Math.min(clock.millis() + settings.sessionMaxLifetime().toMillis(), taskExpiresAt * 1000);
  }

  /** Registers a connected session (and closes it if the connection drops by itself). */
  Future<Void> add(LiveSession s) {
    live.put(s.id, s);
    s.ssh.addCloseFutureListener(f -> {
      if (live.remove(s.id) != null) {
        index.removeAsync(s.id);
      }
    });
    long ttl = Math.max(1, s.expiresAtMillis - clock.millis());
    return Future.fromCompletionStage(index.setAsync(s.id, s.describe(nodeId).encode(), ttl, TimeUnit.MILLISECONDS))
        .mapEmpty();
  }

  int size() {
    return live.size();
  }

  /**
   * Runs {@code op} ({@code exec} or {@code close}) of a message {@code {op, session_id, caller, command,
   * timeout_ms}}; answers {@code {"ok": {...}}} or {@code {"denied": {code, message}}}.
   */
  Future<JsonObject> handle(JsonObject msg, Context ctx) {
    SshCaller caller;
    String id;
    String op;
    try {
      caller = SshCaller.fromJson(msg.getJsonObject("caller"));
      id = msg.getString("session_id");
      op = msg.getString("op");
    } catch (RuntimeException e) {
      return Future.succeededFuture(denied("bad_request", "malformed session request"));
    }
    LiveSession s = id == null ? null : live.get(id);
    if (s == null) {
      return Future.succeededFuture(denied("no_such_session", "no session " + id + " on node " + nodeId
          + " (closed, expired, or never existed)"));
    }
    JsonObject refusal = authorize(s, caller);
    if (refusal != null) {
      return Future.succeededFuture(refusal);
    }
    if ("close".equals(op)) {
      close(s, "closed by its task");
      return Future.succeededFuture(ok(new JsonObject().put("session_id", id).put("closed", true)));
    }
    if (!"exec".equals(op)) {
      return Future.succeededFuture(denied("bad_request", "unknown session operation"));
    }
    String command = msg.getString("command");
    long timeoutMs = msg.getLong("timeout_ms", settings.execTimeout().toMillis());
    if (command == null || timeoutMs <= 0 || timeoutMs > settings.maxExecTimeout().toMillis()) {
      return Future.succeededFuture(denied("bad_request", "malformed exec request"));
    }
    if (s.running.incrementAndGet() > MAX_RUNNING) {
      s.running.decrementAndGet();
      return Future.succeededFuture(denied("session_busy", "session " + id + " already runs " + MAX_RUNNING
          + " commands"));
    }
    s.lastUsedNanos = System.nanoTime();
    return runner.run(s.ssh, command, Duration.ofMillis(timeoutMs), settings.outputLimit(), ctx)
        .map(r -> ok(r.put("session_id", id).put("target", s.target).put("role", s.role)
            .put("principal", s.principal).put("certificate_serial", s.serial)))
        .eventually(() -> {
          s.running.decrementAndGet();
          s.lastUsedNanos = System.nanoTime();
          return Future.succeededFuture();
        });
  }

  /** Null if {@code caller} may use {@code s} now; otherwise the refusal (closing the session if it is dead). */
  private JsonObject authorize(LiveSession s, SshCaller caller) {
    if (!s.task.equals(caller.task())) {
      return denied("not_your_session", "session " + s.id + " belongs to another task");
    }
    if (revoked(caller.lineage()) || revoked(s.lineage)) {
      close(s, "task revoked");
      return denied("revoked", "the task or one of its ancestors was revoked; its sessions are closed");
    }
    if (caller.expiresAt() * 1000 <= clock.millis() || s.expiresAtMillis <= clock.millis()) {
      close(s, "expired");
      return denied("expired", "the session or its task has expired");
    }
    SshAccess.Decision d = SshAccess.check(policy.get(), caller.agent(), caller.scope(), s.target, s.role);
    if (d instanceof SshAccess.Refused r) {
      return denied(r.code(), r.message());
    }
    SshAccess.Granted g = (SshAccess.Granted) d;
    if (!g.role().principal().equals(s.principal) || !g.target().hostKey().equals(s.hostKey)
        || !g.target().host().equals(s.host) || g.target().port() != s.port) {
      close(s, "policy changed");
      return denied("policy_changed", "the policy for target '" + s.target + "' changed; the session was closed, "
          + "open a new one");
    }
    return null;
  }

  private boolean revoked(List<TaskHop> lineage) {
    for (TaskHop h : lineage) {
      if (watermarks.watermark(h.task()) > h.epoch()) {
        return true;
      }
    }
    return false;
  }

  /** Closes every session of {@code taskId}'s subtree on this node; returns how many. */
  int closeSubtree(String taskId, String reason) {
    int n = 0;
    for (LiveSession s : new ArrayList<>(live.values())) {
      if (s.inSubtreeOf(taskId)) {
        close(s, reason);
        n++;
      }
    }
    return n;
  }

  /** Closes what is idle, past its lifetime, or revoked (catches revocations whose broadcast was missed). */
  void sweep() {
    long now = clock.millis();
    long idleBefore = System.nanoTime() - settings.sessionIdle().toNanos();
    for (LiveSession s : new ArrayList<>(live.values())) {
      if (s.expiresAtMillis <= now) {
        close(s, "maximum lifetime or task expiry reached");
      } else if (s.running.get() == 0 && s.lastUsedNanos - idleBefore < 0) {
        close(s, "idle");
      } else if (revoked(s.lineage)) {
        close(s, "task revoked");
      }
    }
  }

  void close(LiveSession s, String reason) {
    if (live.remove(s.id) != null) {
      LOG.info("node {}: ssh session {} of task {} closed: {}", nodeId, s.id, s.task, reason);
      index.removeAsync(s.id);
      s.ssh.close(true);
    }
  }

  /** Closes everything (node shutdown). */
  void closeAll() {
    for (LiveSession s : new ArrayList<>(live.values())) {
      close(s, "node stopping");
    }
  }

  /** The index entries of {@code task}'s sessions across the cluster, read off the event loop. */
  Future<List<JsonObject>> listForTask(String task) {
    return vertx.executeBlocking(() -> {
      List<JsonObject> out = new ArrayList<>();
      for (String v : index.values()) {
        JsonObject j = new JsonObject(v);
        if (task.equals(j.getString("task"))) {
          out.add(j);
        }
      }
      out.sort((a, b) -> Long.compare(a.getLong("created_at"), b.getLong("created_at")));
      return out;
    }, false);
  }

  static JsonObject ok(JsonObject value) {
    return new JsonObject().put("ok", value);
  }

  static JsonObject denied(String code, String message) {
    return new JsonObject().put("denied", new JsonObject().put("code", code).put("message", message));
  }
}
