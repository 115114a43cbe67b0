package dev.ephyr.broker.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The node settings of the SSH capability ({@code ssh.*}).
 *
 * @param signerSocket the signer's Unix socket, or null when SSH is off on this node
 * @param signerTimeout deadline of one signer call
 * @param signerProbeInterval how often the node asks its signer for its CA key
 * @param defaultCertTtl certificate lifetime when neither role nor target names one
 * @param maxCertTtl global cap on certificate lifetime
 * @param connectTimeout TCP connect, key exchange and authentication, together
 * @param execTimeout default time one command may run
 * @param maxExecTimeout the most an agent may ask for
 * @param outputLimit bytes kept of stdout and of stderr each; the rest is counted and dropped
 * @param sessionIdle a persistent session unused this long is closed
 * @param sessionMaxLifetime a persistent session is closed after this, used or not
 * @param maxSessionsPerTask open sessions one task may hold
 * @param maxSessions open sessions on this node
 * @param sourceAddress {@code source-address} written into every certificate (the broker's egress), or null
 */
public record SshSettings(Path signerSocket, Duration signerTimeout, Duration signerProbeInterval,
    Duration defaultCertTtl, Duration maxCertTtl,
    Duration connectTimeout, Duration execTimeout, Duration maxExecTimeout, int outputLimit, Duration sessionIdle,
    Duration sessionMaxLifetime, int maxSessionsPerTask, int maxSessions, String sourceAddress) {

  /** Whether this node offers SSH (a signer socket is configured). */
  public boolean enabled() {
    return signerSocket != null;
  }

  static SshSettings read(Values v) {
    SshSettings s = new SshSettings(v.file(Settings.SSH_SIGNER_SOCKET).map(Path::normalize).orElse(null),
        v.duration(Settings.SSH_SIGNER_TIMEOUT), v.duration(Settings.SSH_SIGNER_PROBE_INTERVAL),
        v.duration(Settings.SSH_DEFAULT_CERT_TTL),
        v.duration(Settings.SSH_MAX_CERT_TTL), v.duration(Settings.SSH_CONNECT_TIMEOUT),
        v.duration(Settings.SSH_EXEC_TIMEOUT), v.duration(Settings.SSH_MAX_EXEC_TIMEOUT),
        v.integer(Settings.SSH_OUTPUT_LIMIT), v.duration(Settings.SSH_SESSION_IDLE),
        v.duration(Settings.SSH_SESSION_MAX_LIFETIME), v.integer(Settings.SSH_MAX_SESSIONS_PER_TASK),
        v.integer(Settings.SSH_MAX_SESSIONS), v.optionalText(Settings.SSH_SOURCE_ADDRESS).orElse(null));
    if (s.execTimeout.compareTo(s.maxExecTimeout) > 0) {
      v.problem(v.isSet(Settings.SSH_EXEC_TIMEOUT) ? Settings.SSH_EXEC_TIMEOUT : Settings.SSH_MAX_EXEC_TIMEOUT,
          "ssh.exec-timeout must not exceed ssh.max-exec-timeout");
    }
    return s;
  }
}
