package dev.ephyr.broker.ssh;

import dev.ephyr.protocol.verify.TaskHop;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.session.ClientSession;

/**
 * A persistent SSH connection owned by one task on this node. Its target, role, principal and pinned host
 * key are fixed at creation; every use re-checks them against the current policy.
 */
final class LiveSession {
  final String id;
  final String agent;
  final String task;
  final List<TaskHop> lineage;
  final String target;
  final String role;
  final String principal;
  final String hostKey;
  final String host;
  final int port;
  final long serial;
  final ClientSession ssh;
  final long createdAtMillis;
  final long expiresAtMillis;
  final AtomicInteger running = new AtomicInteger();
  volatile long lastUsedNanos;

  LiveSession(String id, SshCaller owner, String target, String role, String principal, String host, int port,
      String hostKey, long serial, ClientSession ssh, long createdAtMillis, long expiresAtMillis, long nowNanos) {
    this.id = id;
    this.agent = owner.agent();
    this.task = owner.task();
    this.lineage = owner.lineage();
    this.target = target;
    this.role = role;
    this.principal = principal;
    this.host = host;
    this.port = port;
    this.hostKey = hostKey;
    this.serial = serial;
    this.ssh = ssh;
    this.createdAtMillis = createdAtMillis;
    this.expiresAtMillis = expiresAtMillis;
    this.lastUsedNanos = nowNanos;
  }

  /** Whether {@code taskId} is this session's task or one of its ancestors. */
  boolean inSubtreeOf(String taskId) {
    for (TaskHop h : lineage) {
      if (h.task().equals(taskId)) {
        return true;
      }
    }
    return false;
  }

  /** What listings show (no secrets: the certificate's private key never leaves this object's connection). */
  JsonObject describe(String nodeId) {
    return new JsonObject().put("session_id", id).put("task", task).put("agent", agent).put("target", target)
        .put("role", role).put("principal", principal).put("node", nodeId).put("certificate_serial", serial)
        .put("created_at", createdAtMillis / 1000).put("expires_at", expiresAtMillis / 1000);
  }
}
