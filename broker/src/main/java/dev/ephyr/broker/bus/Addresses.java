package dev.ephyr.broker.bus;

/** Every event-bus address of the broker, named {@code ephyr.<capability>.<op>}. */
public final class Addresses {
  /** Local: one audit event (JSON) to be written by the audit verticle. */
  public static final String AUDIT_RECORD = "ephyr.audit.record";
  /** Cluster-wide publish: a task (and so its subtree) was revoked; payload the task id (a string). */
  public static final String TASKS_REVOKED = "ephyr.tasks.revoked";
  /** Cluster-wide publish: the audit records of one write, {@code {"records": [...]}} (seq and MAC), for live views. */
  public static final String AUDIT_LIVE = "ephyr.audit.live";
  /** Local: search this node's audit files (the admin verticle forwards checked queries here). */
  public static final String AUDIT_QUERY = "ephyr.audit.query";
  /** Local: the audit writer names the files and head of its trail at a record boundary, for a backup. */
  public static final String AUDIT_SNAPSHOT = "ephyr.audit.snapshot";
  /** Local: writes a backup of this node's durable state and audit trail (admin API, {@code state.BackupVerticle}). */
  public static final String STATE_BACKUP = "ephyr.state.backup";
  /** Admin API: back up the state and audit trail of the node that answers. */
  public static final String ADMIN_STATE_BACKUP = "ephyr.admin.state.backup";
  /** Admin API: cluster status (members, quorum, per-node readiness, keyring and policy hashes, watermarks). */
  public static final String ADMIN_STATUS = "ephyr.admin.status";
  /** Admin API: revoke a task and its subtree ({@code task_id}). */
  public static final String ADMIN_REVOKE = "ephyr.admin.revoke";
  /** Admin API: reissue a task's token at a new epoch ({@code token}). */
  public static final String ADMIN_REISSUE = "ephyr.admin.reissue";
  /** Admin API: one task ({@code task_id}). */
  public static final String ADMIN_TASK_GET = "ephyr.admin.task.get";
  /** Admin API: the tree of a task ({@code task_id}). */
  public static final String ADMIN_TASK_TREE = "ephyr.admin.task.tree";
  /** Admin API: tasks by agent or root, active or revoked. */
  public static final String ADMIN_TASK_LIST = "ephyr.admin.task.list";
  /** Admin API: audit records from every node, merged. */
  public static final String ADMIN_AUDIT_QUERY = "ephyr.admin.audit.query";
  /** Admin API: reload the policy on one node or all. */
  public static final String ADMIN_POLICY_RELOAD = "ephyr.admin.policy.reload";
  /** Admin API: re-read the node configuration on one node or all, applying the settings that may change live. */
  public static final String ADMIN_CONFIG_RELOAD = "ephyr.admin.config.reload";
  /**
   * Admin API, one node: prefix of {@code ephyr.admin.node.<nodeId>.<op>} (status, audit-query, policy-reload,
   * config-reload).
   */
  public static final String ADMIN_NODE_PREFIX = "ephyr.admin.node.";

  /** Local: trade an admin credential for a dashboard session (the admin verticle checks and audits). */
  public static final String ADMIN_SESSION = "ephyr.admin.session";
  /** Local: the policy's HTTP services as operators see them. */
  public static final String ADMIN_SERVICES = "ephyr.admin.services";
  /** Local: every federated remote with its status. */
  public static final String ADMIN_REMOTES = "ephyr.admin.remotes";
  /** Local: SSH certificates issued recently, cluster-wide. */
  public static final String ADMIN_CERTS = "ephyr.admin.certs";
  /** Local: authorise (and audit) one subscriber of the live audit stream; answers the admin's name. */
  public static final String ADMIN_AUDIT_LIVE = "ephyr.admin.audit.live";
  /** Local: sign a dashboard session out, cluster-wide (the admin verticle ends it and audits). */
  public static final String ADMIN_SESSION_END = "ephyr.admin.session.end";
  /** Local: whether a live audit stream's credential still names an admin (audited only when refused). */
  public static final String ADMIN_AUDIT_LIVE_CHECK = "ephyr.admin.audit.live.check";
  /** Local publish: this node's policy changed (live streams re-check their admin at once). */
  public static final String ADMIN_POLICY_CHANGED = "ephyr.admin.policy.changed";
  /** Point-to-point prefix: {@code ephyr.ssh.session.<nodeId>} reaches the node owning a persistent SSH session. */
  public static final String SSH_SESSION_PREFIX = "ephyr.ssh.session.";

  private Addresses() {}
}
