package dev.ephyr.broker.audit;

import dev.ephyr.broker.config.ConfigChanges;
import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.broker.config.LiveConfig;
import java.time.Clock;

/**
 * Records every node configuration reload, whoever asked for it (an operator through the admin API, or a SIGHUP to
 * the process), applied or refused, as {@code config.reload}: the changed keys, never their values.
 */
public final class ConfigAudit {
  private ConfigAudit() {}

  /** Subscribes to {@code live}'s reloads. */
  public static void install(LiveConfig live, AuditSink audit, String node, Clock clock) {
    live.onOutcome(new LiveConfig.Listener() {
      @Override
      public void reloaded(ConfigChanges changes) {
        audit.record(AuditEvent.builder(clock.instant(), node, "config.reload").allow().detail(changes.summary())
            .resource("config").build());
      }

      @Override
      public void refused(ConfigException why) {
        audit.record(AuditEvent.builder(clock.instant(), node, "config.reload")
            .deny("config_invalid", "nothing changed: " + why.getMessage()).resource("config").build());
      }
    });
  }
}
