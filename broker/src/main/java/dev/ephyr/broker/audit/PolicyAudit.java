package dev.ephyr.broker.audit;

import dev.ephyr.broker.policy.PolicyStore;
import java.time.Clock;

/** Records every policy reload — from a file change or on demand, good or refused — as {@code policy.reload}. */
public final class PolicyAudit {
  private PolicyAudit() {}

  /** Subscribes to {@code store}'s changes and failures. */
  public static void install(PolicyStore store, AuditSink audit, String node, Clock clock) {
    store.onChange(p -> audit.record(AuditEvent.builder(clock.instant(), node, "policy.reload").allow()
        .detail("policy hash " + p.hash() + " from " + store.file().getFileName()).resource("policy").build()));
    store.onReloadFailed(e -> audit.record(AuditEvent.builder(clock.instant(), node, "policy.reload")
        .deny("policy_invalid", "kept the old policy: " + e.getMessage()).resource("policy").build()));
  }
}
