package dev.ephyr.broker;

/** Every event-bus address of the broker, named {@code ephyr.<capability>.<op>}. */
public final class Addresses {
  /** Local: one audit event (JSON) to be written by the audit verticle. */
  public static final String AUDIT_RECORD = "ephyr.audit.record";
  /** Cluster-wide publish: a task (and so its subtree) was revoked; payload {@code {"task_id": ...}}. */
  public static final String TASKS_REVOKED = "ephyr.tasks.revoked";

  /** Local: trade an admin credential for a dashboard session (the admin verticle checks and audits). */
  public static final String ADMIN_SESSION = "ephyr.admin.session";

  private Addresses() {}
}
