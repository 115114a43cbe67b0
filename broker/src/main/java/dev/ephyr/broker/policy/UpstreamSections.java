package dev.ephyr.broker.policy;

import dev.ephyr.broker.yaml.ProblemReader;
import dev.ephyr.broker.yaml.ProblemReader.Section;
import dev.ephyr.protocol.caveat.IdSet;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/** Reads the sections about upstreams the broker calls for agents: {@code services} and {@code remotes}, with their {@code auth}. */
final class UpstreamSections {
  static final Duration TIMEOUT_MIN = Duration.ofSeconds(1);
  static final Duration TIMEOUT_MAX = Duration.ofMinutes(10);
  static final Duration REFRESH_MIN = Duration.ofSeconds(10);
  static final Duration REFRESH_MAX = Duration.ofHours(24);
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(B|KiB|MiB)?");
  static final long MAX_RESPONSE_BYTES = 256L << 20;
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}");

  private final PolicyValues values;

  UpstreamSections(PolicyValues values) {
    this.values = values;
  }

  ServicePolicy service(String name, Node node) {
    return values.entry(node, "services." + name, PolicyParser.SERVICE_KEYS, (s, where) -> {
      URI origin = url(s, "origin", where, true);
      IdSet methods = values.methods(s.value("methods"), where + ".methods", IdSet.of("GET", "HEAD"));
      if (methods.isAll()) {
        values.problem(s.value("methods"), where + ".methods must list methods; '*' is not allowed here");
      }
      List<String> paths = List.of("/**");
      if (s.value("paths") != null) {
        List<String> ps = new ArrayList<>();
        for (ScalarNode p : values.reader.strings(s.value("paths"), where + ".paths")) {
          String v = p.getValue();
          if (!v.startsWith("/") || v.length() > 256 || v.contains("..") || v.contains("//")
              || v.chars().anyMatch(c -> c <= ' ' || c == '?' || c == '#' || c == '\\' || c == 0x7f)) {
            values.problem(p, "bad path glob '" + v + "' in " + where + ".paths: starts with /, no spaces, ?, #, \\, // or ..");
          } else {
            ps.add(v);
          }
        }
        paths = ps;
      }
      CredentialAuth auth = s.value("auth") == null ? null : auth(s.value("auth"), where + ".auth");
      Duration timeout = PolicyValues.orDefault(values.duration(s.value("timeout"), where + ".timeout", TIMEOUT_MIN, TIMEOUT_MAX),
          Duration.ofSeconds(30));
      long maxBytes = size(s.value("max_response_bytes"), where + ".max_response_bytes", 10L << 20);
      boolean allowPrivate = values.reader.bool(s, "allow_private", false, where);
      return new ServicePolicy(name, origin, new TreeSet<>(methods.elements()), paths, auth, timeout, maxBytes,
              allowPrivate);
    });
  }

  RemotePolicy remote(String name, Node node) {
    return values.entry(node, "remotes." + name, PolicyParser.REMOTE_KEYS, (s, where) -> {
      URI url = url(s, "url", where, false);
      CredentialAuth auth = s.value("auth") == null ? null : auth(s.value("auth"), where + ".auth");
      Duration timeout = PolicyValues.orDefault(values.duration(s.value("timeout"), where + ".timeout", TIMEOUT_MIN, TIMEOUT_MAX),
          Duration.ofSeconds(30));
      Duration refresh = PolicyValues.orDefault(values.duration(s.value("refresh"), where + ".refresh", REFRESH_MIN, REFRESH_MAX),
          Duration.ofMinutes(5));
      long maxBytes = size(s.value("max_response_bytes"), where + ".max_response_bytes", 4L << 20);
      boolean allowPrivate = values.reader.bool(s, "allow_private", false, where);
      return new RemotePolicy(name, url, auth, timeout, refresh, maxBytes, allowPrivate);
    });
  }

  private CredentialAuth auth(Node node, String at) {
    return values.entry(node, at, PolicyParser.AUTH_KEYS, (s, where) -> {
      String typeText = values.reader.requiredString(s, "type", where);
      CredentialAuth.Type type = null;
      if (typeText != null) {
        type = CredentialAuth.Type.ofKey(typeText);
        if (type == null) {
          List<String> keys = new ArrayList<>();
          for (CredentialAuth.Type t : CredentialAuth.Type.values()) {
            keys.add(t.key());
          }
          values.problem(s.value("type"), "unknown auth type '" + typeText + "' in " + where + ProblemReader.hint(typeText, keys)
              + " (known: " + String.join(", ", keys) + ")");
        }
      }
      String env = values.reader.optionalString(s, "secret_env", where);
      String file = values.reader.optionalString(s, "secret_file", where);
      SecretRef ref = null;
      if (env == null && file == null) {
        values.problem(s.node(), "missing secret reference in " + where + ": write secret_env: VAR or secret_file: /path");
      } else if (env != null && file != null) {
        values.problem(s.value("secret_file"), where + " names both secret_env and secret_file; keep one");
      } else if (env != null) {
        if (!ENV_NAME.matcher(env).matches()) {
          values.problem(s.value("secret_env"), "bad environment variable name '" + env + "' in " + where + ".secret_env");
        } else {
          ref = new SecretRef(env, null);
        }
      } else {
        Path p = file.isEmpty() || file.indexOf('\0') >= 0 ? Path.of(".") : Path.of(file);
        if (!p.isAbsolute()) {
          values.problem(s.value("secret_file"), where + ".secret_file must be an absolute path");
        } else {
          ref = new SecretRef(null, p.normalize());
        }
      }
      String name = values.reader.optionalString(s, "name", where);
      String username = values.reader.optionalString(s, "username", where);
      if (type == CredentialAuth.Type.HEADER || type == CredentialAuth.Type.QUERY) {
        if (name == null) {
          values.problem(s.node(), "missing 'name' in " + where + " (the " + type.key() + " " + (type == CredentialAuth.Type.HEADER
              ? "header" : "parameter") + " that carries the secret)");
        } else if (!HEADER_NAME.matcher(name).matches()) {
          values.problem(s.value("name"), "bad name '" + name + "' in " + where + ".name");
        } else if (type == CredentialAuth.Type.HEADER && (name.equalsIgnoreCase("host")
            || name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding"))) {
          values.problem(s.value("name"), where + ".name cannot be the " + name + " header");
        }
      } else if (name != null) {
        values.problem(s.value("name"), where + ".name only applies to type header or query");
      }
      if (type == CredentialAuth.Type.BASIC) {
        if (username == null) {
          values.problem(s.node(), "missing 'username' in " + where + " (type basic)");
        } else if (username.isEmpty() || username.indexOf(':') >= 0 || username.length() > 256) {
          values.problem(s.value("username"), where + ".username must be non-empty and contain no ':'");
        }
      } else if (username != null) {
        values.problem(s.value("username"), where + ".username only applies to type basic");
      }
      return type == null || ref == null ? null : new CredentialAuth(type, name, username, ref);
    });
  }

  private long size(Node n, String where, long dflt) {
    if (n == null) {
      return dflt;
    }
    if (n instanceof ScalarNode sc && (sc.getTag().equals(Tag.INT) || sc.getTag().equals(Tag.STR))) {
      Matcher m = SIZE.matcher(sc.getValue());
      if (m.matches()) {
        long v = Long.parseLong(m.group(1));
        String unit = m.group(2);
        v = unit == null || unit.equals("B") ? v : unit.equals("KiB") ? v << 10 : v << 20;
        if (v < 1 || v > MAX_RESPONSE_BYTES || Long.parseLong(m.group(1)) > MAX_RESPONSE_BYTES) {
          values.problem(n, where + " must be between 1 B and 256 MiB, got " + sc.getValue());
          return dflt;
        }
        return v;
      }
    }
    values.problem(n, where + " must be a size in bytes, or like 512KiB or 10MiB, got " + ProblemReader.describe(n));
    return dflt;
  }

  /** The required URL under {@code key}, or {@code null} (recorded). */
  private URI url(Section s, String key, String where, boolean originOnly) {
    String text = values.reader.requiredString(s, key, where);
    return text == null ? null : httpUri(s.value(key), text, where + "." + key, originOnly);
  }

  /** An http(s) URL; an origin has no path, a remote URL may. Neither has user info, query or fragment. */
  private URI httpUri(Node n, String text, String where, boolean originOnly) {
    URI u;
    try {
      u = new URI(text);
    } catch (URISyntaxException e) {
      values.problem(n, where + " is not a valid URL: " + e.getReason());
      return null;
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      values.problem(n, where + " must start with https:// or http://, got '" + text + "'");
      return null;
    }
    if (u.getHost() == null || u.getRawUserInfo() != null) {
      values.problem(n, where + " must name a host and carry no user info (credentials belong in auth)");
      return null;
    }
    if (u.getRawQuery() != null || u.getRawFragment() != null) {
      values.problem(n, where + " must not carry a query or fragment");
      return null;
    }
    String path = u.getRawPath() == null ? "" : u.getRawPath();
    if (originOnly && !path.isEmpty() && !path.equals("/")) {
      values.problem(n, where + " is an origin (scheme://host[:port]) and cannot have a path; limit paths with 'paths'");
      return null;
    }
    if (u.getPort() > 65535) {
      values.problem(n, where + " has a bad port");
      return null;
    }
    String host = u.getHost().toLowerCase(Locale.ROOT);
    String port = u.getPort() < 0 ? "" : ":" + u.getPort();
    try {
      return new URI(scheme + "://" + host + port + (originOnly ? "" : path));
    } catch (URISyntaxException e) {
      values.problem(n, where + " is not a valid URL: " + e.getReason());
      return null;
    }
  }
}
