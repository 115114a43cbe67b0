package dev.ephyr.broker.ssh.signer;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

/**
 * Checks one signing request against the {@link SignerLimits} and, if it passes, signs an OpenSSH user
 * certificate with the CA key. Holds the only reference to the private key; never renders it.
 */
final class CertificateAuthority {
  /** Certificates are backdated this much so a host whose clock lags a little still accepts them. */
  static final long BACKDATE_SECONDS = 30;

  private static final Pattern KEY_ID = Pattern.compile("ephyr:[A-Za-z0-9._@-]{1,64}:[A-Za-z0-9]{1,32}:([0-9]{1,19})");
  private static final Pattern SOURCE_ADDRESS = Pattern.compile("[0-9A-Fa-f.:/,]{1,512}");
  private static final Set<String> SIGN_FIELDS = Set.of("op", "public_key", "key_id", "serial", "principals",
      "ttl_seconds", "extensions", "critical_options");

  private final KeyPair ca;
  private final SignerLimits limits;
  private final RateLimiter rate;
  private final Clock clock;
  private final String publicKeyLine;

  CertificateAuthority(KeyPair ca, SignerLimits limits, RateLimiter rate, Clock clock) {
    this.ca = ca;
    this.limits = limits;
    this.rate = rate;
    this.clock = clock;
    this.publicKeyLine = PublicKeyEntry.toString(ca.getPublic());
  }

  /** The CA public key, {@code ssh-ed25519 AAAA...} (what hosts put in {@code TrustedUserCAKeys}). */
  String publicKeyLine() {
    return publicKeyLine;
  }

  /** What came of one request. */
  sealed interface Outcome {}

  /** Signed; the fields are what the signer logs. */
  record Signed(String certificate, long serial, String keyId, List<String> principals, Instant validAfter,
      Instant validBefore, List<String> extensions, List<String> criticalOptions) implements Outcome {}

  /** Refused with a stable code and a reason. */
  record Refused(String code, String message) implements Outcome {}

  /** Validates a {@code sign} request and signs it, or says why not. */
  Outcome sign(JsonNode req) {
    for (Iterator<String> it = req.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!SIGN_FIELDS.contains(f)) {
        return bad("unknown field '" + f + "'");
      }
    }
    String keyLine = text(req, "public_key", 256);
    if (keyLine == null) {
      return bad("public_key must be an ssh-ed25519 public key line");
    }
    PublicKey subject;
    try {
      subject = PublicKeyEntry.parsePublicKeyEntry(keyLine).resolvePublicKey(null, null, null);
    } catch (Exception e) {
      return bad("public_key is not a readable public key");
    }
    if (subject == null || subject instanceof OpenSshCertificate || !"ssh-ed25519".equals(KeyUtils.getKeyType(subject))) {
      return bad("public_key must be a plain ssh-ed25519 key");
    }
    JsonNode serialNode = req.get("serial");
    if (serialNode == null || !serialNode.canConvertToExactIntegral() || !serialNode.canConvertToLong()
        || serialNode.asLong() <= 0) {
      return bad("serial must be a positive 64-bit integer");
    }
    long serial = serialNode.asLong();
    String keyId = text(req, "key_id", 200);
    var m = keyId == null ? null : KEY_ID.matcher(keyId);
    if (m == null || !m.matches()) {
      return bad("key_id must look like ephyr:<agent>:<task>:<serial>");
    }
    if (!m.group(1).equals(Long.toString(serial))) {
      return bad("key_id must end with the certificate's serial");
    }
    JsonNode ps = req.get("principals");
    if (ps == null || !ps.isArray() || ps.isEmpty()) {
      return new Refused("principal_required", "a certificate must name at least one principal");
    }
    if (ps.size() > 8) {
      return bad("at most 8 principals");
    }
    List<String> principals = new ArrayList<>();
    for (JsonNode p : ps) {
      if (!p.isTextual() || !limits.principals().contains(p.asText())) {
        return new Refused("principal_not_allowed", "principal '" + (p.isTextual() ? p.asText() : "?")
            + "' is not on the signer's allow-list");
      }
      if (!principals.contains(p.asText())) {
        principals.add(p.asText());
      }
    }
    JsonNode ttlNode = req.get("ttl_seconds");
    if (ttlNode == null || !ttlNode.canConvertToExactIntegral() || !ttlNode.canConvertToLong() || ttlNode.asLong() <= 0) {
      return bad("ttl_seconds must be a positive integer");
    }
    long ttl = ttlNode.asLong();
    if (ttl > limits.maxTtl().toSeconds()) {
      return new Refused("ttl_too_long", "ttl_seconds " + ttl + " exceeds the signer's maximum of "
          + limits.maxTtl().toSeconds());
    }
    Set<String> extensions = new TreeSet<>();
    JsonNode ext = req.get("extensions");
    if (ext != null) {
      if (!ext.isArray() || ext.size() > SignerLimits.KNOWN_EXTENSIONS.size()) {
        return bad("extensions must be a list of extension names");
      }
      for (JsonNode e : ext) {
        if (!e.isTextual() || !limits.extensions().contains(e.asText())) {
          return new Refused("extension_not_allowed", "extension '" + (e.isTextual() ? e.asText() : "?")
              + "' is not allowed by the signer");
        }
        extensions.add(e.asText());
      }
    }
    Map<String, String> options = new LinkedHashMap<>();
    JsonNode opts = req.get("critical_options");
    if (opts != null) {
      if (!opts.isObject() || opts.size() > SignerLimits.KNOWN_OPTIONS.size()) {
        return bad("critical_options must be an object of option name to value");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = opts.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> o = it.next();
        if (!limits.criticalOptions().contains(o.getKey())) {
          return new Refused("option_not_allowed", "critical option '" + o.getKey() + "' is not allowed by the signer");
        }
        String v = o.getValue().isTextual() ? o.getValue().asText() : null;
        if (v == null || v.isEmpty() || v.length() > 1024 || v.indexOf('\n') >= 0 || v.indexOf('\0') >= 0) {
          return bad(o.getKey() + " must be one non-empty line of at most 1024 characters");
        }
        if (o.getKey().equals("source-address") && !SOURCE_ADDRESS.matcher(v).matches()) {
          return bad("source-address must be a comma-separated list of addresses or CIDR blocks");
        }
        options.put(o.getKey(), v);
      }
    }
    if (!rate.tryAcquire()) {
      return new Refused("rate_limited", "the signer's rate limit is exhausted; retry shortly");
    }
    Instant now = clock.instant();
    Instant after = now.minusSeconds(BACKDATE_SECONDS);
    Instant before = now.plusSeconds(ttl);
    try {
      OpenSshCertificateBuilder b = OpenSshCertificateBuilder.userCertificate()
          .serial(serial).id(keyId).publicKey(subject).principals(principals)
          .validAfter(after).validBefore(before);
      for (String e : extensions) {
        b.extension(e, "");
      }
      options.forEach(b::criticalOption);
      OpenSshCertificate cert = b.sign(ca, "ssh-ed25519");
      return new Signed(PublicKeyEntry.toString(cert), serial, keyId, List.copyOf(principals), after, before,
          List.copyOf(extensions), List.copyOf(options.keySet()));
    } catch (Exception e) {
      return new Refused("sign_failed", "signing failed (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static Refused bad(String message) {
    return new Refused("bad_request", message);
  }

  private static String text(JsonNode req, String field, int max) {
    JsonNode n = req.get(field);
    if (n == null || !n.isTextual() || n.asText().isEmpty() || n.asText().length() > max) {
      return null;
    }
    return n.asText();
  }
}
