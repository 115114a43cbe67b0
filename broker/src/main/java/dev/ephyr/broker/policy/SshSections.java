package dev.ephyr.broker.policy;

import dev.ephyr.broker.yaml.ProblemReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/** Reads the SSH sections: {@code roles} (what a certificate says) and {@code targets} (where it may be used). */
final class SshSections {
  static final Duration CERT_TTL_MIN = Duration.ofSeconds(10);
  static final Duration CERT_TTL_MAX = Duration.ofHours(1);
  static final Set<String> SSH_EXTENSIONS = Set.of("permit-X11-forwarding", "permit-agent-forwarding",
      "permit-port-forwarding", "permit-pty", "permit-user-rc", "no-touch-required");
  private static final Set<String> HOST_KEY_TYPES = Set.of("ssh-ed25519", "ecdsa-sha2-nistp256",
      "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa", "sk-ssh-ed25519@openssh.com",
      "sk-ecdsa-sha2-nistp256@openssh.com");
  private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,31}");
  private static final Pattern HOST = Pattern.compile(
      "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  private final PolicyValues values;

  SshSections(PolicyValues values) {
    this.values = values;
  }

  RolePolicy role(String name, Node node) {
    return values.entry(node, "roles." + name, PolicyParser.ROLE_KEYS, (s, where) -> {
      String principal = values.reader.requiredString(s, "principal", where);
      if (principal != null && !PRINCIPAL.matcher(principal).matches()) {
        values.problem(s.value("principal"), "bad principal '" + principal + "' in " + where
            + ": expected a Unix account name (letters, digits, . _ -; at most 32)");
      }
      Set<String> extensions = new TreeSet<>();
      Node extNode = s.value("extensions");
      if (extNode != null) {
        for (ScalarNode e : values.reader.strings(extNode, where + ".extensions")) {
          if (!SSH_EXTENSIONS.contains(e.getValue())) {
            values.problem(e, "unknown SSH certificate extension '" + e.getValue() + "' in " + where + ".extensions"
                + ProblemReader.hint(e.getValue(), SSH_EXTENSIONS) + " (known: " + String.join(", ", new TreeSet<>(SSH_EXTENSIONS))
                + ")");
          } else if (!extensions.add(e.getValue())) {
            values.problem(e, "'" + e.getValue() + "' is listed twice in " + where + ".extensions");
          }
        }
      }
      String force = values.reader.optionalString(s, "force_command", where);
      if (force != null && (force.isBlank() || force.length() > 1024 || force.indexOf('\n') >= 0)) {
        values.problem(s.value("force_command"), where + ".force_command must be one non-empty line of at most 1024 characters");
      }
      Duration ttl = values.duration(s.value("cert_ttl"), where + ".cert_ttl", CERT_TTL_MIN, CERT_TTL_MAX);
      return new RolePolicy(name, principal, extensions, force, ttl);
    });
  }

  TargetPolicy target(String name, Node node) {
    return values.entry(node, "targets." + name, PolicyParser.TARGET_KEYS, (s, where) -> {
      String host = values.reader.requiredString(s, "host", where);
      if (host != null && !(HOST.matcher(host).matches() && host.length() <= 253)
          && !(host.indexOf(':') >= 0 && IPV6.matcher(host).matches())) {
        values.problem(s.value("host"), "bad host '" + host + "' in " + where + ": expected a host name or IP address");
      }
      int port = 22;
      if (s.value("port") != null) {
        Integer p = values.reader.integer(s.value("port"), where + ".port", 1, 65535);
        port = p == null ? port : p;
      }
      String hostKey = values.reader.requiredString(s, "host_key", where);
      if (hostKey != null) {
        String bad = checkHostKey(hostKey);
        if (bad != null) {
          values.problem(s.value("host_key"), "bad host_key in " + where + ": " + bad);
        }
      }
      Set<String> roles = Set.of();
      if (s.value("roles") == null) {
        values.problem(s.node(), "missing 'roles' in " + where + " (the roles that may be used on this target)");
      } else {
        roles = values.nameList(s.value("roles"), where + ".roles", "roles");
        if (roles.contains("*")) {
          values.problem(s.value("roles"), where + ".roles must name roles; '*' is not allowed here");
        }
      }
      Duration ttl = values.duration(s.value("cert_ttl"), where + ".cert_ttl", CERT_TTL_MIN, CERT_TTL_MAX);
      return new TargetPolicy(name, host, port, hostKey, roles, ttl);
    });
  }

  /** Why an OpenSSH public key line is unacceptable, or {@code null}. */
  static String checkHostKey(String line) {
    String[] parts = line.trim().split(" +", 3);
    if (parts.length < 2) {
      return "expected '<type> <base64>' as in a known_hosts or .pub file";
    }
    if (!HOST_KEY_TYPES.contains(parts[0])) {
      return "unknown key type '" + parts[0] + "'";
    }
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(parts[1]);
    } catch (IllegalArgumentException e) {
      return "the key is not valid base64";
    }
    byte[] type = parts[0].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    if (blob.length < 4 + type.length || blob[0] != 0 || blob[1] != 0 || blob[2] != 0 || blob[3] != type.length
        || !java.util.Arrays.equals(blob, 4, 4 + type.length, type, 0, type.length)) {
      return "the key's encoded type does not match '" + parts[0] + "'";
    }
    // The blob is a sequence of uint32-length-prefixed fields, the first being the type again.
    List<int[]> fields = new ArrayList<>();
    int pos = 0;
    while (pos < blob.length) {
      if (blob.length - pos < 4) {
        return "the key is truncated";
      }
      long len = ((blob[pos] & 0xffL) << 24) | ((blob[pos + 1] & 0xff) << 16) | ((blob[pos + 2] & 0xff) << 8)
          | (blob[pos + 3] & 0xff);
      if (len > blob.length - pos - 4) {
        return "the key is truncated";
      }
      fields.add(new int[] {pos + 4, (int) len});
      pos += 4 + (int) len;
    }
    if (fields.size() < 2) {
      return "the key is truncated";
    }
    if (parts[0].equals("ssh-ed25519") && (fields.size() != 2 || fields.get(1)[1] != 32)) {
      return "an ssh-ed25519 key holds exactly 32 bytes";
    }
    return null;
  }
}
