package dev.ephyr.broker.ssh;

import dev.ephyr.broker.ConfigException;
import dev.ephyr.broker.NodeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The node settings of the SSH capability ({@code ssh.*} keys of the node config).
 *
 * @param signerSocket the signer's Unix socket, or null when SSH is off on this node
 * @param signerTimeout deadline of one signer call
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
public record SshSettings(Path signerSocket, Duration signerTimeout, Duration defaultCertTtl, Duration maxCertTtl,
    Duration connectTimeout, Duration execTimeout, Duration maxExecTimeout, int outputLimit, Duration sessionIdle,
    Duration sessionMaxLifetime, int maxSessionsPerTask, int maxSessions, String sourceAddress) {

  /** Reads and checks the {@code ssh.*} settings. */
  public static SshSettings from(NodeConfig config) throws ConfigException {
    Map<String, String> v = config.asMap();
    try {
      String socket = v.getOrDefault("ssh.signer-socket", "");
      String source = v.getOrDefault("ssh.source-address", "").trim();
      if (!source.isEmpty() && !source.matches("[0-9A-Fa-f.:/,]{1,512}")) {
        throw new ConfigException("ssh.source-address must be a comma-separated list of addresses or CIDR blocks");
      }
      SshSettings s = new SshSettings(socket.isBlank() ? null : config.dataDir().resolve(socket.trim()),
          duration(v, "ssh.signer-timeout"), duration(v, "ssh.default-cert-ttl"), duration(v, "ssh.max-cert-ttl"),
          duration(v, "ssh.connect-timeout"), duration(v, "ssh.exec-timeout"), duration(v, "ssh.max-exec-timeout"),
          integer(v, "ssh.output-limit", 1024, 16 << 20), duration(v, "ssh.session-idle"),
          duration(v, "ssh.session-max-lifetime"), integer(v, "ssh.max-sessions-per-task", 1, 1000),
          integer(v, "ssh.max-sessions", 1, 100_000), source.isEmpty() ? null : source);
      if (s.maxCertTtl.compareTo(Duration.ofHours(24)) > 0) {
        throw new ConfigException("ssh.max-cert-ttl must be at most 24h");
      }
      if (s.execTimeout.compareTo(s.maxExecTimeout) > 0) {
        throw new ConfigException("ssh.exec-timeout must not exceed ssh.max-exec-timeout");
      }
      return s;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  /** Whether this node offers SSH (a signer socket is configured). */
  public boolean enabled() {
    return signerSocket != null;
  }

  private static Duration duration(Map<String, String> v, String key) {
    String raw = v.get(key);
    String s = raw == null ? "" : raw.trim().toLowerCase(Locale.ROOT);
    Duration d = null;
    try {
      if (s.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      } else if (s.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
      } else if (s.endsWith("m")) {
        d = Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
      } else if (s.endsWith("h")) {
        d = Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1)));
      }
    } catch (NumberFormatException e) {
      d = null;
    }
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be a positive duration like 500ms, 10s, 5m or 1h, got '" + raw + "'");
    }
    return d;
  }

  private static int integer(Map<String, String> v, String key, int min, int max) {
    String raw = v.get(key);
    try {
      int n = Integer.parseInt(raw == null ? "" : raw.trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(key + " must be an integer between " + min + " and " + max + ", got '" + raw + "'");
  }
}
