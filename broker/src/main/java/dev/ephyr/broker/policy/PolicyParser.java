package dev.ephyr.broker.policy;

import dev.ephyr.broker.yaml.ProblemReader;
import dev.ephyr.broker.yaml.ProblemReader.Section;
import dev.ephyr.broker.yaml.YamlProblems;
import dev.ephyr.broker.yaml.YamlTree;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * Reads a policy document strictly: every key is known, every value has the right type and range, every
 * reference resolves, and no secret is written inline. Collects all problems (up to a bound) with lines.
 * The sections are read by {@link AgentSections}, {@link SshSections} and {@link UpstreamSections}; what is
 * valid but suspicious is {@link PolicyLint}'s.
 */
final class PolicyParser {

  static final int SUPPORTED_VERSION = 1;
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

  private final String source;
  private final ProblemReader reader;
  private final PolicyValues values;
  private final AgentSections agentSections;
  private final SshSections sshSections;
  private final UpstreamSections upstreamSections;
  /** Names declared per section (even when their entry had problems), so references do not cascade. */
  private final Map<String, Set<String>> declared = new HashMap<>();

  PolicyParser(String source) {
    this.source = source;
    this.reader = new ProblemReader(source);
    this.values = new PolicyValues(reader);
    this.agentSections = new AgentSections(values);
    this.sshSections = new SshSections(values);
    this.upstreamSections = new UpstreamSections(values);
  }

  Policy parse(String text) throws PolicyException {
    Node root;
    try {
      root = YamlTree.compose(text, source, "policy files");
    } catch (YamlProblems e) {
      throw new PolicyException(e.problems().stream().map(PolicyParser::toPolicyProblem).toList());
    }
    if (root == null) {
      throw PolicyException.of(source, 0, "the file is empty (expected at least 'version: 1')");
    }
    if (!(root instanceof MappingNode)) {
      throw PolicyException.of(source, YamlTree.line(root), "expected a mapping of sections (version, agents, ...)");
    }
    Section top = values.section(root, "the top level", TOP_KEYS);
    Node version = top.value("version");
    if (version == null) {
      reader.problem(root, "missing 'version: " + SUPPORTED_VERSION + "' at the top level");
    } else {
      Integer v = reader.integer(version, "version", 0, Integer.MAX_VALUE);
      if (v != null && v != SUPPORTED_VERSION) {
        reader.problem(version, "unsupported policy version " + v + " (this broker reads version "
            + SUPPORTED_VERSION + ")");
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
    sections.get("roles").forEach((name, t) -> put(roles, name, sshSections.role(name, t.getValueNode())));
    Map<String, TargetPolicy> targets = new LinkedHashMap<>();
    sections.get("targets").forEach((name, t) -> put(targets, name, sshSections.target(name, t.getValueNode())));
    Map<String, ServicePolicy> services = new LinkedHashMap<>();
    sections.get("services").forEach((name, t) ->
        put(services, name, upstreamSections.service(name, t.getValueNode())));
    Map<String, RemotePolicy> remotes = new LinkedHashMap<>();
    sections.get("remotes").forEach((name, t) -> put(remotes, name, upstreamSections.remote(name, t.getValueNode())));
    Map<String, Template> templates = new LinkedHashMap<>();
    sections.get("templates").forEach((name, t) ->
        put(templates, name, agentSections.template(name, t.getValueNode())));
    Map<String, AgentPolicy> agents = new LinkedHashMap<>();
    Map<String, Policy.Hashed<AgentPolicy>> byKey = new HashMap<>();
    Map<String, String> keyOwner = new HashMap<>();
    sections.get("agents").forEach((name, t) ->
        put(agents, name, agentSections.agent(name, t.getValueNode(), keyOwner)));
    keyOwner.forEach((hash, owner) -> {
      AgentPolicy a = agents.get(owner);
      if (a != null) {
        byKey.put(hash, new Policy.Hashed<>(hash, a));
      }
    });
    Map<String, AdminPolicy> admins = new LinkedHashMap<>();
    Map<String, Policy.Hashed<AdminPolicy>> byCredential = new HashMap<>();
    sections.get("admins").forEach((name, t) -> {
      AdminPolicy a = agentSections.admin(name, t.getValueNode());
      if (a != null) {
        admins.put(name, a);
        if (keyOwner.containsKey(a.credentialHash()) || byCredential.containsKey(a.credentialHash())) {
          reader.problem(t.getValueNode(), "admins." + name + ": this credential is already used by "
              + (keyOwner.containsKey(a.credentialHash()) ? "agent '" + keyOwner.get(a.credentialHash()) + "'"
              : "another admin") + "; every credential must be distinct");
        } else {
          byCredential.put(a.credentialHash(), new Policy.Hashed<>(a.credentialHash(), a));
        }
      }
    });
    checkReferences();
    if (reader.count() > 0) {
      throw new PolicyException(reader.problems().stream().map(PolicyParser::toPolicyProblem).toList());
    }
    List<PolicyProblem> warnings =
        PolicyLint.warnings(source, sections, agents, templates, roles, targets, services, keyOwner);
    return new Policy(source, YamlTree.canonicalHash(root), agents, templates, roles, targets, services, remotes,
        admins, byKey, byCredential, warnings);
  }

  private static PolicyProblem toPolicyProblem(dev.ephyr.broker.yaml.Problem p) {
    return new PolicyProblem(p.source(), p.line(), p.message());
  }

  private static <T> void put(Map<String, T> map, String name, T value) {
    if (value != null) {
      map.put(name, value);
    }
  }

  private void checkReferences() {
    for (PolicyValues.Reference r : values.references) {
      Set<String> names = declared.getOrDefault(r.section(), Set.of());
      if (!names.contains(r.name())) {
        String kind = r.section().substring(0, r.section().length() - 1);
        reader.problem(r.node(), "unknown " + kind + " '" + r.name() + "' referenced in " + r.where()
            + ProblemReader.hint(r.name(), names) + (names.isEmpty() ? " (no " + r.section() + " are defined)" : ""));
      }
    }
  }

  /** A section's entries by name: validated names, no duplicates. Absent or empty gives no entries. */
  private Map<String, NodeTuple> named(Node node, String section) {
    Map<String, NodeTuple> out = new LinkedHashMap<>();
    if (node == null || ProblemReader.isNull(node)) {
      return out;
    }
    if (!(node instanceof MappingNode m)) {
      reader.problem(node, "'" + section + "' must be a mapping of names to entries, got "
          + ProblemReader.describe(node));
      return out;
    }
    if (m.getValue().size() > MAX_ENTRIES) {
      reader.problem(node, "'" + section + "' has more than " + MAX_ENTRIES + " entries");
      return out;
    }
    Pattern pattern = section.equals("remotes") ? PolicyValues.REMOTE_NAME : PolicyValues.NAME;
    Map<String, Integer> firstLine = new HashMap<>();
    for (NodeTuple t : m.getValue()) {
      String name = reader.keyText(t.getKeyNode(), section);
      if (name == null) {
        continue;
      }
      if (firstLine.containsKey(name)) {
        reader.problem(t.getKeyNode(), "duplicate " + section + " entry '" + name + "' (first defined at line "
            + firstLine.get(name) + ")");
        continue;
      }
      firstLine.put(name, YamlTree.line(t.getKeyNode()));
      if (!pattern.matcher(name).matches()) {
        reader.problem(t.getKeyNode(), "bad name '" + name + "' in " + section
            + ": expected a letter or digit, then up to 63 of "
            + (section.equals("remotes") ? "A-Z a-z 0-9 _ - (no dots, no '__', not ending in '_': remote names prefix tool names)"
            : "A-Z a-z 0-9 . _ -"));
        continue;
      }
      out.put(name, t);
    }
    return out;
  }
}
