package dev.ephyr.broker.ssh.signer;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * The hard limits the signer applies to every request, whatever the broker asks: a compromised broker
 * gets short certificates for listed accounts, with listed extensions and options, at a bounded rate.
 *
 * @param maxTtl longest certificate validity (from now; the 30 s backdating is not counted)
 * @param principals accounts a certificate may name; a request must name at least one, all listed
 * @param extensions extensions a certificate may carry
 * @param criticalOptions critical options a certificate may carry ({@code force-command}, {@code source-address})
 * @param ratePerSecond sustained signatures per second
 * @param burst signatures allowed at once
 */
public record SignerLimits(Duration maxTtl, Set<String> principals, Set<String> extensions,
    Set<String> criticalOptions, double ratePerSecond, int burst) {

  /** Every extension OpenSSH defines. */
  public static final Set<String> KNOWN_EXTENSIONS = Set.of("permit-X11-forwarding", "permit-agent-forwarding",
      "permit-port-forwarding", "permit-pty", "permit-user-rc", "no-touch-required");
  /** The critical options the signer can put in a user certificate. */
  public static final Set<String> KNOWN_OPTIONS = Set.of("force-command", "source-address");
  /** Upper bound on {@link #maxTtl} the signer accepts at all. */
  public static final Duration ABSOLUTE_MAX_TTL = Duration.ofHours(24);

  /** Validates and copies. */
  public SignerLimits {
    if (maxTtl.isNegative() || maxTtl.isZero() || maxTtl.compareTo(ABSOLUTE_MAX_TTL) > 0) {
      throw new IllegalArgumentException("max TTL must be between 1s and 24h");
    }
    for (String p : principals) {
      if (!p.matches("[A-Za-z0-9_][A-Za-z0-9._-]{0,31}")) {
        throw new IllegalArgumentException("'" + p + "' is not a Unix account name");
      }
    }
    for (String e : extensions) {
      if (!KNOWN_EXTENSIONS.contains(e)) {
        throw new IllegalArgumentException("unknown extension '" + e + "' (known: "
            + String.join(", ", new TreeSet<>(KNOWN_EXTENSIONS)) + ")");
      }
    }
    for (String o : criticalOptions) {
      if (!KNOWN_OPTIONS.contains(o)) {
        throw new IllegalArgumentException("unknown critical option '" + o + "' (known: force-command, source-address)");
      }
    }
    if (!(ratePerSecond > 0) || ratePerSecond > 10_000) {
      throw new IllegalArgumentException("rate must be between 0 and 10000 per second");
    }
    if (burst < 1 || burst > 100_000) {
      throw new IllegalArgumentException("burst must be between 1 and 100000");
    }
    principals = Set.copyOf(principals);
    extensions = Set.copyOf(extensions);
    criticalOptions = Set.copyOf(criticalOptions);
  }
}
