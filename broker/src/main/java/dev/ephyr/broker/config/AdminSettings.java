package dev.ephyr.broker.config;

import java.time.Duration;

/**
 * The admin API's settings ({@code admin.*}).
 *
 * @param timeout bound on an admin operation's cluster fan-out (per-node answers)
 */
public record AdminSettings(Duration timeout) {

  static AdminSettings read(Values v) {
    return new AdminSettings(v.duration(Settings.ADMIN_TIMEOUT));
  }
}
