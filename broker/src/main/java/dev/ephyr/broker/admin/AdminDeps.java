package dev.ephyr.broker.admin;

import dev.ephyr.broker.audit.AuditBacklog;
import dev.ephyr.broker.audit.AuditSink;
import dev.ephyr.broker.audit.AuditStats;
import dev.ephyr.broker.bus.BusSeal;
import dev.ephyr.broker.config.LiveConfig;
import dev.ephyr.broker.policy.PolicyStore;
import dev.ephyr.broker.tasks.TaskService;
import dev.ephyr.cluster.ClusterNode;
import java.time.Clock;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * What the admin verticle works with (all thread-safe).
 *
 * @param nodeId this node
 * @param policy the policy store (admins, reloads, the hash in force)
 * @param config the node configuration in force, and its reload
 * @param cluster the cluster member (members, quorum, readiness, watermark mirror)
 * @param tasks task operations (revoke, reissue, task views)
 * @param audit where admin actions are recorded
 * @param auditStats the audit writer's state
 * @param auditBacklog the audit queue
 * @param keyringFingerprint this node's keyring fingerprint (public)
 * @param blockedThreads blocked-thread warnings of this node
 * @param clock time source
 * @param fanOutTimeout how long to wait for each node's answer
 * @param sessions dashboard sessions (minted at sign-in, accepted like credentials)
 * @param views read-only views of services, remotes and certificates
 * @param bus seals fan-out requests to other nodes and opens theirs
 */
public record AdminDeps(String nodeId, PolicyStore policy, LiveConfig config, ClusterNode cluster, TaskService tasks, AuditSink audit,
    AuditStats auditStats, AuditBacklog auditBacklog, String keyringFingerprint, LongSupplier blockedThreads,
    Clock clock, Duration fanOutTimeout, AdminSessions sessions, CapabilityViews views, BusSeal bus) {}
