package dev.ephyr.broker;

/** Every event-bus address of the broker, named {@code ephyr.<capability>.<op>}. */
public final class Addresses {
  /** Local: one audit event (JSON) to be written by the audit verticle. */
  public static final String AUDIT_RECORD = "ephyr.audit.record";
  /** Cluster-wide publish: a task (and so its subtree) was revoked; payload {@code {"task_id": ...}}. */
  public static final String TASKS_REVOKED = "ephyr.tasks.revoked";
  /** Point-to-point prefix: {@code ephyr.ssh.session.<nodeId>} reaches the node owning a persistent SSH session. */
  public static final String SSH_SESSION_PREFIX = "ephyr.ssh.session.";

  private Addresses() {}
}
