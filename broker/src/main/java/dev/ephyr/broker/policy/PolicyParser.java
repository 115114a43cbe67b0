package dev.ephyr.broker.policy;

import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.caveat.ToolGrant;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a policy document strictly: every key is known, every value has the right type and range, every
 * reference resolves, and no secret is written inline. Collects all problems (up to a bound) with lines.
 */
final class PolicyParser {

  static final int SUPPORTED_VERSION = 1;
  private static final int MAX_PROBLEMS = 50;
  private static final int MAX_LIST = 256;
  private static final int MAX_ENTRIES = 10_000;

  static final List<String> TOP_KEYS =
      List.of("version", "agents", "templates", "roles", "targets", "services", "remotes", "admins");
  static final List<String> AGENT_KEYS = List.of("description", "api_keys", "targets", "roles", "services",
      "methods", "remotes", "tools", "delegate", "max_depth", "delegate_to", "max_task_ttl", "default_task_ttl",
      "require_task", "require_pop", "templates");
  static final List<String> TEMPLATE_KEYS = List.of("description", "targets", "roles", "services", "methods",
      "remotes", "tools", "delegate", "max_depth", "ttl");
  static final List<String> ROLE_KEYS = List.of("description", "principal", "extensions", "force_command", "cert_ttl");
  static final List<String> TARGET_KEYS = List.of("description", "host", "port", "host_key", "roles", "cert_ttl");
  static final List<String> SERVICE_KEYS = List.of("description", "origin", "methods", "paths", "auth", "timeout",
      "max_response_bytes", "allow_private");
  static final List<String> REMOTE_KEYS = List.of("description", "url", "auth", "timeout", "refresh",
      "max_response_bytes", "allow_private");
  static final List<String> AUTH_KEYS = List.of("type", "secret_env", "secret_file", "name", "username");
  static final List<String> ADMIN_KEYS = List.of("description", "credential");

  /** Spellings from the original system's schema, pointed at ours. */
  private static final Map<String, String> RENAMED = Map.of("api_key_hash", "api_keys (a list of sha256: hashes)",
      "inherits", "templates", "allowed_roles", "roles", "max_ttl", "max_task_ttl or cert_ttl",
      "ssh", "targets and roles");

  /** Keys that look like a secret written inline where only a reference is allowed. */
  private static final Set<String> INLINE_SECRET_KEYS =
      Set.of("secret", "token", "password", "value", "key", "api_key", "credential", "bearer");

  static final Set<String> HTTP_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
  static final Set<String> SSH_EXTENSIONS = Set.of("permit-X11-forwarding", "permit-agent-forwarding",
      "permit-port-forwarding", "permit-pty", "permit-user-rc", "no-touch-required");
  private static final Set<String> HOST_KEY_TYPES = Set.of("ssh-ed25519", "ecdsa-sha2-nistp256",
      "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa", "sk-ssh-ed25519@openssh.com",
      "sk-ecdsa-sha2-nistp256@openssh.com");

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern REMOTE_NAME = Pattern.compile("(?=.{1,64}$)[A-Za-z0-9](?:_?[A-Za-z0-9-])*");
  // No "__" and no trailing "_" in remote names: "__" separates the remote from the tool in federated names.
  private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,31}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}");
  private static final Pattern HOST = Pattern.compile(
      "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
  private static final Pattern DURATION =
      Pattern.compile("(?:(\\d{1,6})d)?(?:(\\d{1,6})h)?(?:(\\d{1,6})m)?(?:(\\d{1,8})s)?");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(B|KiB|MiB)?");

  static final Duration TASK_TTL_MIN = Duration.ofSeconds(1);
  static final Duration TASK_TTL_MAX = Duration.ofDays(7);
  static final Duration CERT_TTL_MIN = Duration.ofSeconds(10);
  static final Duration CERT_TTL_MAX = Duration.ofHours(1);
  static final Duration TIMEOUT_MIN = Duration.ofSeconds(1);
  static final Duration TIMEOUT_MAX = Duration.ofMinutes(10);
  static final Duration REFRESH_MIN = Duration.ofSeconds(10);
  static final Duration REFRESH_MAX = Duration.ofHours(24);
  static final long MAX_RESPONSE_BYTES = 256L << 20;

  private final String source;
  private final List<PolicyProblem> problems = new ArrayList<>();
  /** Names declared per section (even when their entry had problems), so references do not cascade. */
  private final Map<String, Set<String>> declared = new HashMap<>();
  private final List<Reference> references = new ArrayList<>();

  PolicyParser(String source) {
    this.source = source;
  }

  /** A name used in one section that must be declared in another. */
  private record Reference(String section, String name, Node node, String where) {}

  Policy parse(String text) throws PolicyException {
    Node root = YamlTree.compose(text, source);
    if (root == null) {
      throw PolicyException.of(source, 0, "the file is empty (expected at least 'version: 1')");
    }
    if (!(root instanceof MappingNode)) {
      throw PolicyException.of(source, YamlTree.line(root), "expected a mapping of sections (version, agents, ...)");
    }
    Section top = new Section((MappingNode) root, "the top level", TOP_KEYS);
    Node version = top.value("version");
    if (version == null) {
      problem(root, "missing 'version: " + SUPPORTED_VERSION + "' at the top level");
    } else {
      Integer v = integer(version, "version", 0, Integer.MAX_VALUE);
      if (v != null && v != SUPPORTED_VERSION) {
        problem(version, "unsupported policy version " + v + " (this broker reads version " + SUPPORTED_VERSION + ")");
      }
    }
    // Declare every name first so that references can be checked whatever the section order.
    Map<String, Map<String, NodeTuple>> sections = new LinkedHashMap<>();
    for (String s : List.of("roles", "targets", "services", "remotes", "templates", "agents", "admins")) {
      Map<String, NodeTuple> entries = named(top.value(s), s);
      sections.put(s, entries);
      declared.put(s, entries.keySet());
    }
    Map<String, RolePolicy> roles = new LinkedHashMap<>();
    sections.get("roles").forEach((name, t) -> put(roles, name, role(name, t.getValueNode())));
    Map<String, TargetPolicy> targets = new LinkedHashMap<>();
    sections.get("targets").forEach((name, t) -> put(targets, name, target(name, t.getValueNode())));
    Map<String, ServicePolicy> services = new LinkedHashMap<>();
    sections.get("services").forEach((name, t) -> put(services, name, service(name, t.getValueNode())));
    Map<String, RemotePolicy> remotes = new LinkedHashMap<>();
    sections.get("remotes").forEach((name, t) -> put(remotes, name, remote(name, t.getValueNode())));
    Map<String, Template> templates = new LinkedHashMap<>();
    sections.get("templates").forEach((name, t) -> put(templates, name, template(name, t.getValueNode())));
    Map<String, AgentPolicy> agents = new LinkedHashMap<>();
    Map<String, Policy.Hashed<AgentPolicy>> byKey = new HashMap<>();
    Map<String, String> keyOwner = new HashMap<>();
    sections.get("agents").forEach((name, t) -> put(agents, name, agent(name, t.getValueNode(), keyOwner)));
    keyOwner.forEach((hash, owner) -> {
      AgentPolicy a = agents.get(owner);
      if (a != null) {
        byKey.put(hash, new Policy.Hashed<>(hash, a));
      }
    });
    Map<String, AdminPolicy> admins = new LinkedHashMap<>();
    Map<String, Policy.Hashed<AdminPolicy>> byCredential = new HashMap<>();
    sections.get("admins").forEach((name, t) -> {
      AdminPolicy a = admin(name, t.getValueNode());
      if (a != null) {
        admins.put(name, a);
        if (keyOwner.containsKey(a.credentialHash()) || byCredential.containsKey(a.credentialHash())) {
          problem(t.getValueNode(), "admins." + name + ": this credential is already used by "
              + (keyOwner.containsKey(a.credentialHash()) ? "agent '" + keyOwner.get(a.credentialHash()) + "'"
              : "another admin") + "; every credential must be distinct");
        } else {
          byCredential.put(a.credentialHash(), new Policy.Hashed<>(a.credentialHash(), a));
        }
      }
    });
    checkReferences();
    if (!problems.isEmpty()) {
      problems.sort((a, b) -> Integer.compare(a.line(), b.line()));
      throw new PolicyException(problems);
    }
    List<PolicyProblem> warnings = warnings(sections, agents, templates, roles, targets, services, keyOwner);
    return new Policy(source, YamlTree.canonicalHash(root), agents, templates, roles, targets, services, remotes,
        admins, byKey, byCredential, warnings);
  }

  /** What is valid but almost certainly not meant: unreachable agents, unused entries, plain-text credentials. */
  private List<PolicyProblem> warnings(Map<String, Map<String, NodeTuple>> sections, Map<String, AgentPolicy> agents,
      Map<String, Template> templates, Map<String, RolePolicy> roles, Map<String, TargetPolicy> targets,
      Map<String, ServicePolicy> services, Map<String, String> keyOwner) {
    List<PolicyProblem> out = new ArrayList<>();
    boolean anyDelegatesToAll = agents.values().stream().anyMatch(a -> a.delegateTo().contains("*"));
    boolean anyUsesAllTemplates = agents.values().stream().anyMatch(a -> a.templates().contains("*"));
    for (AgentPolicy a : agents.values()) {
      int line = YamlTree.line(sections.get("agents").get(a.name()).getKeyNode());
      boolean hasKey = keyOwner.containsValue(a.name());
      boolean reachable = anyDelegatesToAll || agents.values().stream()
          .anyMatch(o -> o != a && o.grant().delegate() && o.delegateTo().contains(a.name()));
      if (!hasKey && !reachable) {
        out.add(new PolicyProblem(source, line, "agent '" + a.name()
            + "' can never act: it has no API key and no agent may delegate to it"));
      }
      if (!a.delegateTo().isEmpty() && !a.grant().delegate()) {
        out.add(new PolicyProblem(source, line,
            "agents." + a.name() + ".delegate_to has no effect without 'delegate: true'"));
      }
    }
    for (String t : templates.keySet()) {
      boolean used = anyUsesAllTemplates || agents.values().stream().anyMatch(a -> a.templates().contains(t));
      if (!used) {
        out.add(new PolicyProblem(source, YamlTree.line(sections.get("templates").get(t).getKeyNode()),
            "template '" + t + "' is not usable by any agent (no agent lists it in 'templates')"));
      }
    }
    for (String r : roles.keySet()) {
      if (targets.values().stream().noneMatch(t -> t.roles().contains(r))) {
        out.add(new PolicyProblem(source, YamlTree.line(sections.get("roles").get(r).getKeyNode()),
            "role '" + r + "' is not allowed on any target"));
      }
    }
    for (ServicePolicy svc : services.values()) {
      if (svc.auth() != null && svc.origin().getScheme().equals("http")) {
        out.add(new PolicyProblem(source, YamlTree.line(sections.get("services").get(svc.name()).getKeyNode()),
            "services." + svc.name() + " sends its credential over plain http"));
      }
    }
    out.sort((x, y) -> Integer.compare(x.line(), y.line()));
    return out;
  }

  private static <T> void put(Map<String, T> map, String name, T value) {
    if (value != null) {
      map.put(name, value);
    }
  }

  // ---- sections -------------------------------------------------------------------------------------------

  private AgentPolicy agent(String name, Node node, Map<String, String> keyOwner) {
    String where = "agents." + name;
    Section s = section(node, where, AGENT_KEYS);
    if (s == null) {
      return null;
    }
    Node keys = s.value("api_keys");
    if (keys != null) {
      for (ScalarNode k : strings(keys, where + ".api_keys")) {
        String v = k.getValue();
        if (ApiKeys.isWellFormedKey(v) || v.startsWith(ApiKeys.KEY_PREFIX)) {
          problem(k, "inline secret in " + where + ".api_keys: store the key's hash, never the key "
              + "(`ephyr agent-key --hash -` prints it)");
        } else if (!ApiKeys.isWellFormedHash(v)) {
          problem(k, "bad API key hash in " + where + ".api_keys: expected sha256: and 64 lowercase hex digits");
        } else if (keyOwner.containsKey(v)) {
          problem(k, "duplicate API key hash in " + where + ".api_keys (already used by agent '"
              + keyOwner.get(v) + "')");
        } else {
          keyOwner.put(v, name);
        }
      }
    }
    Grant grant = grant(s, where);
    boolean requireTask = bool(s, "require_task", false, where);
    boolean requirePop = bool(s, "require_pop", false, where);
    Duration maxTtl = duration(s.value("max_task_ttl"), where + ".max_task_ttl", TASK_TTL_MIN, TASK_TTL_MAX);
    Duration defTtl = duration(s.value("default_task_ttl"), where + ".default_task_ttl", TASK_TTL_MIN, TASK_TTL_MAX);
    if (maxTtl != null && defTtl != null && defTtl.compareTo(maxTtl) > 0) {
      problem(s.value("default_task_ttl"), where + ".default_task_ttl (" + format(defTtl)
          + ") is longer than max_task_ttl (" + format(maxTtl) + ")");
    }
    Set<String> delegateTo = nameList(s.value("delegate_to"), where + ".delegate_to", "agents");
    Set<String> templates = nameList(s.value("templates"), where + ".templates", "templates");
    if (grant == null) {
      return null;
    }
    // require_pop demands bound tasks; an API key acting directly has no holder key, so it implies require_task.
    return new AgentPolicy(name, grant, requireTask || requirePop, requirePop, maxTtl, defTtl, delegateTo, templates);
  }

  private Template template(String name, Node node) {
    String where = "templates." + name;
    Section s = section(node, where, TEMPLATE_KEYS);
    if (s == null) {
      return null;
    }
    Grant grant = grant(s, where);
    Duration ttl = duration(s.value("ttl"), where + ".ttl", TASK_TTL_MIN, TASK_TTL_MAX);
    return grant == null ? null : new Template(name, grant, ttl);
  }

  /** The envelope keys shared by agents and templates; an omitted dimension grants nothing. */
  private Grant grant(Section s, String where) {
    int before = problems.size();
    IdSet targets = idSet(s.value("targets"), where + ".targets", "targets");
    IdSet roles = idSet(s.value("roles"), where + ".roles", "roles");
    IdSet services = idSet(s.value("services"), where + ".services", "services");
    IdSet methods = methods(s.value("methods"), where + ".methods", IdSet.NONE);
    IdSet remotes = idSet(s.value("remotes"), where + ".remotes", "remotes");
    ToolGrant tools = tools(s.value("tools"), where + ".tools");
    Node toolsNode = s.value("tools");
    if (toolsNode instanceof SequenceNode seq && !remotes.isAll()) {
      // A tool is usable only when its remote is granted too; a pattern for an ungranted remote is a mistake.
      for (Node item : seq.getValue()) {
        if (item instanceof ScalarNode sc && ToolGrant.isPattern(sc.getValue()) && !sc.getValue().equals("*")) {
          String remote = ToolGrant.remoteOf(sc.getValue());
          if (!remotes.contains(remote)) {
            problem(item, "'" + sc.getValue() + "' in " + where + ".tools is for remote '" + remote + "', which "
                + where + ".remotes does not grant");
          }
        }
      }
    }
    boolean delegate = bool(s, "delegate", false, where);
    int maxDepth = delegate ? Envelope.MAX_DEPTH : 0;
    Node depthNode = s.value("max_depth");
    if (depthNode != null) {
      Integer d = integer(depthNode, where + ".max_depth", 0, Envelope.MAX_DEPTH);
      if (d != null) {
        if (!delegate && d > 0) {
          problem(depthNode, where + ".max_depth has no effect without 'delegate: true'");
        }
        maxDepth = d;
      }
    }
    if (problems.size() > before) {
      return null;
    }
    return new Grant(targets, roles, services, methods, remotes, tools, delegate, maxDepth);
  }

  private RolePolicy role(String name, Node node) {
    String where = "roles." + name;
    Section s = section(node, where, ROLE_KEYS);
    if (s == null) {
      return null;
    }
    int before = problems.size();
    String principal = requiredString(s, "principal", where);
    if (principal != null && !PRINCIPAL.matcher(principal).matches()) {
      problem(s.value("principal"), "bad principal '" + principal + "' in " + where
          + ": expected a Unix account name (letters, digits, . _ -; at most 32)");
    }
    Set<String> extensions = new TreeSet<>();
    Node extNode = s.value("extensions");
    if (extNode != null) {
      for (ScalarNode e : strings(extNode, where + ".extensions")) {
        if (!SSH_EXTENSIONS.contains(e.getValue())) {
          problem(e, "unknown SSH certificate extension '" + e.getValue() + "' in " + where + ".extensions"
              + hint(e.getValue(), SSH_EXTENSIONS) + " (known: " + String.join(", ", new TreeSet<>(SSH_EXTENSIONS))
              + ")");
        } else if (!extensions.add(e.getValue())) {
          problem(e, "'" + e.getValue() + "' is listed twice in " + where + ".extensions");
        }
      }
    }
    String force = optionalString(s, "force_command", where);
    if (force != null && (force.isBlank() || force.length() > 1024 || force.indexOf('\n') >= 0)) {
      problem(s.value("force_command"), where + ".force_command must be one non-empty line of at most 1024 characters");
    }
    Duration ttl = duration(s.value("cert_ttl"), where + ".cert_ttl", CERT_TTL_MIN, CERT_TTL_MAX);
    return problems.size() > before ? null : new RolePolicy(name, principal, extensions, force, ttl);
  }

  private TargetPolicy target(String name, Node node) {
    String where = "targets." + name;
    Section s = section(node, where, TARGET_KEYS);
    if (s == null) {
      return null;
    }
    int before = problems.size();
    String host = requiredString(s, "host", where);
    if (host != null && !(HOST.matcher(host).matches() && host.length() <= 253)
        && !(host.indexOf(':') >= 0 && IPV6.matcher(host).matches())) {
      problem(s.value("host"), "bad host '" + host + "' in " + where + ": expected a host name or IP address");
    }
    int port = 22;
    if (s.value("port") != null) {
      Integer p = integer(s.value("port"), where + ".port", 1, 65535);
      port = p == null ? port : p;
    }
    String hostKey = requiredString(s, "host_key", where);
    if (hostKey != null) {
      String bad = checkHostKey(hostKey);
      if (bad != null) {
        problem(s.value("host_key"), "bad host_key in " + where + ": " + bad);
      }
    }
    Set<String> roles = Set.of();
    if (s.value("roles") == null) {
      problem(s.node, "missing 'roles' in " + where + " (the roles that may be used on this target)");
    } else {
      roles = nameList(s.value("roles"), where + ".roles", "roles");
      if (roles.contains("*")) {
        problem(s.value("roles"), where + ".roles must name roles; '*' is not allowed here");
      }
    }
    Duration ttl = duration(s.value("cert_ttl"), where + ".cert_ttl", CERT_TTL_MIN, CERT_TTL_MAX);
    return problems.size() > before ? null : new TargetPolicy(name, host, port, hostKey, roles, ttl);
  }

  private ServicePolicy service(String name, Node node) {
    String where = "services." + name;
    Section s = section(node, where, SERVICE_KEYS);
    if (s == null) {
      return null;
    }
    int before = problems.size();
    URI origin = null;
    String text = requiredString(s, "origin", where);
    if (text != null) {
      origin = httpUri(s.value("origin"), text, where + ".origin", true);
    }
    IdSet methods = methods(s.value("methods"), where + ".methods", IdSet.of("GET", "HEAD"));
    if (methods.isAll()) {
      problem(s.value("methods"), where + ".methods must list methods; '*' is not allowed here");
    }
    List<String> paths = List.of("/**");
    if (s.value("paths") != null) {
      List<String> ps = new ArrayList<>();
      for (ScalarNode p : strings(s.value("paths"), where + ".paths")) {
        String v = p.getValue();
        if (!v.startsWith("/") || v.length() > 256 || v.contains("..") || v.contains("//")
            || v.chars().anyMatch(c -> c <= ' ' || c == '?' || c == '#' || c == '\\' || c == 0x7f)) {
          problem(p, "bad path glob '" + v + "' in " + where + ".paths: starts with /, no spaces, ?, #, \\, // or ..");
        } else {
          ps.add(v);
        }
      }
      paths = ps;
    }
    CredentialAuth auth = s.value("auth") == null ? null : auth(s.value("auth"), where + ".auth");
    Duration timeout = orDefault(duration(s.value("timeout"), where + ".timeout", TIMEOUT_MIN, TIMEOUT_MAX),
        Duration.ofSeconds(30));
    long maxBytes = size(s.value("max_response_bytes"), where + ".max_response_bytes", 10L << 20);
    boolean allowPrivate = bool(s, "allow_private", false, where);
    return problems.size() > before ? null
        : new ServicePolicy(name, origin, new TreeSet<>(methods.elements()), paths, auth, timeout, maxBytes,
            allowPrivate);
  }

  private RemotePolicy remote(String name, Node node) {
    String where = "remotes." + name;
    Section s = section(node, where, REMOTE_KEYS);
    if (s == null) {
      return null;
    }
    int before = problems.size();
    URI url = null;
    String text = requiredString(s, "url", where);
    if (text != null) {
      url = httpUri(s.value("url"), text, where + ".url", false);
    }
    CredentialAuth auth = s.value("auth") == null ? null : auth(s.value("auth"), where + ".auth");
    Duration timeout = orDefault(duration(s.value("timeout"), where + ".timeout", TIMEOUT_MIN, TIMEOUT_MAX),
        Duration.ofSeconds(30));
    Duration refresh = orDefault(duration(s.value("refresh"), where + ".refresh", REFRESH_MIN, REFRESH_MAX),
        Duration.ofMinutes(5));
    long maxBytes = size(s.value("max_response_bytes"), where + ".max_response_bytes", 4L << 20);
    boolean allowPrivate = bool(s, "allow_private", false, where);
    return problems.size() > before ? null
        : new RemotePolicy(name, url, auth, timeout, refresh, maxBytes, allowPrivate);
  }

  private CredentialAuth auth(Node node, String where) {
    Section s = section(node, where, AUTH_KEYS);
    if (s == null) {
      return null;
    }
    int before = problems.size();
    String typeText = requiredString(s, "type", where);
    CredentialAuth.Type type = null;
    if (typeText != null) {
      type = CredentialAuth.Type.ofKey(typeText);
      if (type == null) {
        List<String> keys = new ArrayList<>();
        for (CredentialAuth.Type t : CredentialAuth.Type.values()) {
          keys.add(t.key());
        }
        problem(s.value("type"), "unknown auth type '" + typeText + "' in " + where + hint(typeText, keys)
            + " (known: " + String.join(", ", keys) + ")");
      }
    }
    String env = optionalString(s, "secret_env", where);
    String file = optionalString(s, "secret_file", where);
    SecretRef ref = null;
    if (env == null && file == null) {
      problem(s.node, "missing secret reference in " + where + ": write secret_env: VAR or secret_file: /path");
    } else if (env != null && file != null) {
      problem(s.value("secret_file"), where + " names both secret_env and secret_file; keep one");
    } else if (env != null) {
      if (!ENV_NAME.matcher(env).matches()) {
        problem(s.value("secret_env"), "bad environment variable name '" + env + "' in " + where + ".secret_env");
      } else {
        ref = new SecretRef(env, null);
      }
    } else {
      Path p = file.isEmpty() || file.indexOf('\0') >= 0 ? Path.of(".") : Path.of(file);
      if (!p.isAbsolute()) {
        problem(s.value("secret_file"), where + ".secret_file must be an absolute path");
      } else {
        ref = new SecretRef(null, p.normalize());
      }
    }
    String name = optionalString(s, "name", where);
    String username = optionalString(s, "username", where);
    if (type == CredentialAuth.Type.HEADER || type == CredentialAuth.Type.QUERY) {
      if (name == null) {
        problem(s.node, "missing 'name' in " + where + " (the " + type.key() + " " + (type == CredentialAuth.Type.HEADER
            ? "header" : "parameter") + " that carries the secret)");
      } else if (!HEADER_NAME.matcher(name).matches()) {
        problem(s.value("name"), "bad name '" + name + "' in " + where + ".name");
      } else if (type == CredentialAuth.Type.HEADER && (name.equalsIgnoreCase("host")
          || name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding"))) {
        problem(s.value("name"), where + ".name cannot be the " + name + " header");
      }
    } else if (name != null) {
      problem(s.value("name"), where + ".name only applies to type header or query");
    }
    if (type == CredentialAuth.Type.BASIC) {
      if (username == null) {
        problem(s.node, "missing 'username' in " + where + " (type basic)");
      } else if (username.isEmpty() || username.indexOf(':') >= 0 || username.length() > 256) {
        problem(s.value("username"), where + ".username must be non-empty and contain no ':'");
      }
    } else if (username != null) {
      problem(s.value("username"), where + ".username only applies to type basic");
    }
    return problems.size() > before || type == null || ref == null ? null
        : new CredentialAuth(type, name, username, ref);
  }

  private AdminPolicy admin(String name, Node node) {
    String where = "admins." + name;
    Section s = section(node, where, ADMIN_KEYS);
    if (s == null) {
      return null;
    }
    String credential = requiredString(s, "credential", where);
    if (credential == null) {
      return null;
    }
    if (ApiKeys.isWellFormedKey(credential) || credential.startsWith(ApiKeys.KEY_PREFIX)) {
      problem(s.value("credential"), "inline secret in " + where + ".credential: store the credential's hash "
          + "(`ephyr agent-key --hash -` prints it)");
      return null;
    }
    if (!ApiKeys.isWellFormedHash(credential)) {
      problem(s.value("credential"), "bad credential hash in " + where
          + ".credential: expected sha256: and 64 lowercase hex digits");
      return null;
    }
    return new AdminPolicy(name, credential);
  }

  private void checkReferences() {
    for (Reference r : references) {
      Set<String> names = declared.getOrDefault(r.section(), Set.of());
      if (!names.contains(r.name())) {
        String kind = r.section().substring(0, r.section().length() - 1);
        problem(r.node(), "unknown " + kind + " '" + r.name() + "' referenced in " + r.where()
            + hint(r.name(), names) + (names.isEmpty() ? " (no " + r.section() + " are defined)" : ""));
      }
    }
  }

  // ---- values ---------------------------------------------------------------------------------------------

  /** A section's entries by name: validated names, no duplicates. Absent or empty gives no entries. */
  private Map<String, NodeTuple> named(Node node, String section) {
    Map<String, NodeTuple> out = new LinkedHashMap<>();
    if (node == null || isNull(node)) {
      return out;
    }
    if (!(node instanceof MappingNode m)) {
      problem(node, "'" + section + "' must be a mapping of names to entries, got " + describe(node));
      return out;
    }
    if (m.getValue().size() > MAX_ENTRIES) {
      problem(node, "'" + section + "' has more than " + MAX_ENTRIES + " entries");
      return out;
    }
    Pattern pattern = section.equals("remotes") ? REMOTE_NAME : NAME;
    Map<String, Integer> firstLine = new HashMap<>();
    for (NodeTuple t : m.getValue()) {
      String name = keyText(t.getKeyNode(), section);
      if (name == null) {
        continue;
      }
      if (firstLine.containsKey(name)) {
        problem(t.getKeyNode(), "duplicate " + section + " entry '" + name + "' (first defined at line "
            + firstLine.get(name) + ")");
        continue;
      }
      firstLine.put(name, YamlTree.line(t.getKeyNode()));
      if (!pattern.matcher(name).matches()) {
        problem(t.getKeyNode(), "bad name '" + name + "' in " + section
            + ": expected a letter or digit, then up to 63 of "
            + (section.equals("remotes") ? "A-Z a-z 0-9 _ - (no dots, no '__', not ending in '_': remote names prefix tool names)"
            : "A-Z a-z 0-9 . _ -"));
        continue;
      }
      out.put(name, t);
    }
    return out;
  }

  private Section section(Node node, String where, List<String> allowed) {
    if (!(node instanceof MappingNode m)) {
      problem(node, where + " must be a mapping of keys (" + String.join(", ", allowed) + "), got " + describe(node));
      return null;
    }
    return new Section(m, where, allowed);
  }

  /** A mapping with a fixed set of keys; unknown and duplicate keys are reported as it is read. */
  private final class Section {
    final MappingNode node;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

    Section(MappingNode node, String where, List<String> allowed) {
      this.node = node;
      for (NodeTuple t : node.getValue()) {
        String key = keyText(t.getKeyNode(), where);
        if (key == null) {
          continue;
        }
        NodeTuple first = entries.get(key);
        if (first != null) {
          problem(t.getKeyNode(), "duplicate key '" + key + "' in " + where + " (first at line "
              + YamlTree.line(first.getKeyNode()) + ")");
        } else if (!allowed.contains(key)) {
          if (INLINE_SECRET_KEYS.contains(key) && allowed.contains("secret_env")) {
            problem(t.getKeyNode(), "inline secret '" + key + "' in " + where
                + ": policy files hold references only; write secret_env: VAR or secret_file: /path");
          } else {
            String renamed = RENAMED.get(key);
            String firstWord = renamed == null ? null : renamed.split(" ")[0];
            problem(t.getKeyNode(), "unknown key '" + key + "' in " + where
                + (renamed != null && allowed.contains(firstWord) ? " (this policy format calls it " + renamed + ")"
                : hint(key, allowed)));
          }
          entries.put(key, null); // remembered so a repeat is reported as a duplicate, not twice as unknown
        } else {
          entries.put(key, t);
        }
      }
    }

    Node value(String key) {
      NodeTuple t = entries.get(key);
      return t == null ? null : t.getValueNode();
    }
  }

  private String keyText(Node key, String where) {
    if (key instanceof ScalarNode s && !isNull(s)) {
      return s.getValue();
    }
    problem(key, "keys in " + where + " must be plain names, got " + describe(key));
    return null;
  }

  private boolean bool(Section s, String key, boolean dflt, String where) {
    Node n = s.value(key);
    if (n == null) {
      return dflt;
    }
    if (n instanceof ScalarNode sc && sc.getTag().equals(Tag.BOOL)
        && (sc.getValue().equals("true") || sc.getValue().equals("false"))) {
      return sc.getValue().equals("true");
    }
    problem(n, where + "." + key + " must be true or false, got " + describe(n));
    return dflt;
  }

  private Integer integer(Node n, String where, int min, int max) {
    if (n instanceof ScalarNode sc && sc.getTag().equals(Tag.INT) && sc.getValue().matches("[0-9]{1,9}")) {
      int v = Integer.parseInt(sc.getValue());
      if (v < min || v > max) {
        problem(n, where + " must be between " + min + " and " + max + ", got " + v);
        return null;
      }
      return v;
    }
    problem(n, where + " must be a whole number, got " + describe(n));
    return null;
  }

  private String requiredString(Section s, String key, String where) {
    if (s.value(key) == null) {
      problem(s.node, "missing '" + key + "' in " + where);
      return null;
    }
    return optionalString(s, key, where);
  }

  private String optionalString(Section s, String key, String where) {
    Node n = s.value(key);
    if (n == null) {
      return null;
    }
    if (n instanceof ScalarNode sc && sc.getTag().equals(Tag.STR)) {
      if (sc.getValue().length() > 4096) {
        problem(n, where + "." + key + " is longer than 4096 characters");
        return null;
      }
      return sc.getValue();
    }
    problem(n, where + "." + key + " must be a string, got " + describe(n)
        + (n instanceof ScalarNode && !isNull(n) ? " (quote it if you mean the text)" : ""));
    return null;
  }

  /** A list of string scalars (a single string is not accepted: lists are always written as lists). */
  private List<ScalarNode> strings(Node n, String where) {
    List<ScalarNode> out = new ArrayList<>();
    if (!(n instanceof SequenceNode seq)) {
      problem(n, where + " must be a list, got " + describe(n));
      return out;
    }
    if (seq.getValue().size() > MAX_LIST) {
      problem(n, where + " has more than " + MAX_LIST + " elements");
      return out;
    }
    for (Node e : seq.getValue()) {
      if (e instanceof ScalarNode sc && sc.getTag().equals(Tag.STR)) {
        out.add(sc);
      } else {
        problem(e, "elements of " + where + " must be strings, got " + describe(e));
      }
    }
    return out;
  }

  /** Either {@code "*"} or a list; a list holding only {@code "*"} also means all. */
  private List<ScalarNode> starOrList(Node n, String where) {
    if (n instanceof ScalarNode sc && sc.getTag().equals(Tag.STR) && sc.getValue().equals("*")) {
      return null;
    }
    if (n instanceof ScalarNode && !isNull(n)) {
      problem(n, where + " must be a list or \"*\", got " + describe(n));
      return List.of();
    }
    List<ScalarNode> items = strings(n, where);
    boolean star = false;
    for (ScalarNode i : items) {
      if (i.getValue().equals("*")) {
        star = true;
        if (items.size() > 1) {
          problem(i, where + ": \"*\" already means all; do not mix it with names");
          return List.of();
        }
      }
    }
    return star ? null : items;
  }

  /** A set of names, each checked against {@code section} once all sections are known; absent is none. */
  private IdSet idSet(Node n, String where, String section) {
    if (n == null) {
      return IdSet.NONE;
    }
    List<ScalarNode> items = starOrList(n, where);
    if (items == null) {
      return IdSet.ALL;
    }
    Set<String> names = new LinkedHashSet<>();
    for (ScalarNode i : items) {
      if (!(section.equals("remotes") ? REMOTE_NAME : NAME).matcher(i.getValue()).matches()) {
        problem(i, "bad name '" + i.getValue() + "' in " + where);
      } else if (names.add(i.getValue())) {
        references.add(new Reference(section, i.getValue(), i, where));
      } else {
        problem(i, "'" + i.getValue() + "' is listed twice in " + where);
      }
    }
    if (names.size() > IdSet.MAX_ELEMENTS) {
      problem(n, where + " names more than " + IdSet.MAX_ELEMENTS + " " + section + "; use \"*\" or fewer names");
      return IdSet.NONE;
    }
    return names.isEmpty() ? IdSet.NONE : IdSet.of(names);
  }

  /** Like {@link #idSet} but keeps {@code "*"} as an element (for delegate_to, templates, target roles). */
  private Set<String> nameList(Node n, String where, String section) {
    if (n == null) {
      return Set.of();
    }
    List<ScalarNode> items = starOrList(n, where);
    if (items == null) {
      return Set.of("*");
    }
    Set<String> names = new TreeSet<>();
    for (ScalarNode i : items) {
      if (!NAME.matcher(i.getValue()).matches()) {
        problem(i, "bad name '" + i.getValue() + "' in " + where);
      } else if (names.add(i.getValue())) {
        references.add(new Reference(section, i.getValue(), i, where));
      } else {
        problem(i, "'" + i.getValue() + "' is listed twice in " + where);
      }
    }
    return names;
  }

  private IdSet methods(Node n, String where, IdSet dflt) {
    if (n == null) {
      return dflt;
    }
    List<ScalarNode> items = starOrList(n, where);
    if (items == null) {
      return IdSet.ALL;
    }
    Set<String> out = new TreeSet<>();
    for (ScalarNode i : items) {
      String m = i.getValue();
      if (!HTTP_METHODS.contains(m)) {
        String upper = m.toUpperCase(Locale.ROOT);
        problem(i, "unknown HTTP method '" + m + "' in " + where
            + (HTTP_METHODS.contains(upper) ? " (did you mean '" + upper + "'?)" : hint(m, HTTP_METHODS)));
      } else if (!out.add(m)) {
        problem(i, "'" + m + "' is listed twice in " + where);
      }
    }
    return out.isEmpty() ? IdSet.NONE : IdSet.of(out);
  }

  private ToolGrant tools(Node n, String where) {
    if (n == null) {
      return ToolGrant.NONE;
    }
    List<ScalarNode> items = starOrList(n, where);
    if (items == null) {
      return ToolGrant.ALL;
    }
    Set<String> out = new TreeSet<>();
    for (ScalarNode i : items) {
      String p = i.getValue();
      if (!ToolGrant.isPattern(p)) {
        problem(i, "bad tool pattern '" + p + "' in " + where + ": expected remote__tool, remote__prefix_*, remote.tool or \"*\"");
      } else if (!out.add(p)) {
        problem(i, "'" + p + "' is listed twice in " + where);
      } else {
        references.add(new Reference("remotes", ToolGrant.remoteOf(p), i, where));
      }
    }
    if (out.size() > IdSet.MAX_ELEMENTS) {
      problem(n, where + " has more than " + IdSet.MAX_ELEMENTS + " patterns; use globs or \"*\"");
      return ToolGrant.NONE;
    }
    return out.isEmpty() ? ToolGrant.NONE : ToolGrant.of(out);
  }

  private Duration duration(Node n, String where, Duration min, Duration max) {
    if (n == null) {
      return null;
    }
    if (!(n instanceof ScalarNode sc) || !sc.getTag().equals(Tag.STR)) {
      problem(n, where + " must be a duration like 30s, 15m, 1h or 1h30m, got " + describe(n)
          + (n instanceof ScalarNode sc2 && sc2.getTag().equals(Tag.INT) ? " (add a unit)" : ""));
      return null;
    }
    Matcher m = DURATION.matcher(sc.getValue());
    if (sc.getValue().isEmpty() || !m.matches()) {
      problem(n, where + " must be a duration like 30s, 15m, 1h or 1h30m (units d, h, m, s), got '"
          + sc.getValue() + "'");
      return null;
    }
    Duration d = Duration.ZERO;
    long[] unit = {86_400, 3_600, 60, 1};
    for (int g = 1; g <= 4; g++) {
      if (m.group(g) != null) {
        d = d.plusSeconds(Long.parseLong(m.group(g)) * unit[g - 1]);
      }
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      problem(n, where + " must be between " + format(min) + " and " + format(max) + ", got " + sc.getValue());
      return null;
    }
    return d;
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
          problem(n, where + " must be between 1 B and 256 MiB, got " + sc.getValue());
          return dflt;
        }
        return v;
      }
    }
    problem(n, where + " must be a size in bytes, or like 512KiB or 10MiB, got " + describe(n));
    return dflt;
  }

  /** An http(s) URL; an origin has no path, a remote URL may. Neither has user info, query or fragment. */
  private URI httpUri(Node n, String text, String where, boolean originOnly) {
    URI u;
    try {
      u = new URI(text);
    } catch (URISyntaxException e) {
      problem(n, where + " is not a valid URL: " + e.getReason());
      return null;
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      problem(n, where + " must start with https:// or http://, got '" + text + "'");
      return null;
    }
    if (u.getHost() == null || u.getRawUserInfo() != null) {
      problem(n, where + " must name a host and carry no user info (credentials belong in auth)");
      return null;
    }
    if (u.getRawQuery() != null || u.getRawFragment() != null) {
      problem(n, where + " must not carry a query or fragment");
      return null;
    }
    String path = u.getRawPath() == null ? "" : u.getRawPath();
    if (originOnly && !path.isEmpty() && !path.equals("/")) {
      problem(n, where + " is an origin (scheme://host[:port]) and cannot have a path; limit paths with 'paths'");
      return null;
    }
    if (u.getPort() > 65535) {
      problem(n, where + " has a bad port");
      return null;
    }
    String host = u.getHost().toLowerCase(Locale.ROOT);
    String port = u.getPort() < 0 ? "" : ":" + u.getPort();
    try {
      return new URI(scheme + "://" + host + port + (originOnly ? "" : path));
    } catch (URISyntaxException e) {
      problem(n, where + " is not a valid URL: " + e.getReason());
      return null;
    }
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

  // ---- helpers --------------------------------------------------------------------------------------------

  private void problem(Node at, String message) {
    if (problems.size() < MAX_PROBLEMS) {
      problems.add(new PolicyProblem(source, at == null ? 0 : YamlTree.line(at), message));
    }
  }

  private static boolean isNull(Node n) {
    return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
  }

  private static String describe(Node n) {
    if (n == null) {
      return "nothing";
    }
    if (n instanceof MappingNode) {
      return "a mapping";
    }
    if (n instanceof SequenceNode) {
      return "a list";
    }
    ScalarNode s = (ScalarNode) n;
    Tag t = s.getTag();
    String v = s.getValue().length() > 40 ? s.getValue().substring(0, 40) + "…" : s.getValue();
    if (t.equals(Tag.NULL)) {
      return "nothing";
    }
    if (t.equals(Tag.BOOL)) {
      return "the boolean " + v;
    }
    if (t.equals(Tag.INT) || t.equals(Tag.FLOAT)) {
      return "the number " + v;
    }
    return "'" + v + "'";
  }

  private static <T> T orDefault(T value, T dflt) {
    return value == null ? dflt : value;
  }

  static String format(Duration d) {
    long s = d.getSeconds();
    StringBuilder b = new StringBuilder();
    if (s >= 86_400) {
      b.append(s / 86_400).append('d');
      s %= 86_400;
    }
    if (s >= 3_600) {
      b.append(s / 3_600).append('h');
      s %= 3_600;
    }
    if (s >= 60) {
      b.append(s / 60).append('m');
      s %= 60;
    }
    if (s > 0 || b.length() == 0) {
      b.append(s).append('s');
    }
    return b.toString();
  }

  /** {@code " (did you mean 'x'?)"} when one candidate is close, else empty. */
  static String hint(String word, java.util.Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = EditDistance.of(word.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    int limit = word.length() <= 4 ? 1 : 2;
    return best != null && bestDistance <= limit ? " (did you mean '" + best + "'?)" : "";
  }
}
