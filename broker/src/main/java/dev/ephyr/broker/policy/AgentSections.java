package dev.ephyr.broker.policy;

import dev.ephyr.broker.yaml.ProblemReader.Section;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.caveat.ToolGrant;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Reads the sections about who may act: {@code agents}, {@code templates} (their grants) and {@code admins}. */
final class AgentSections {
  static final Duration TASK_TTL_MIN = Duration.ofSeconds(1);
  static final Duration TASK_TTL_MAX = Duration.ofDays(7);

  private final PolicyValues values;

  AgentSections(PolicyValues values) {
    this.values = values;
  }

  /** One agent; its API key hashes are recorded in {@code keyOwner} (hash → agent name). */
  AgentPolicy agent(String name, Node node, Map<String, String> keyOwner) {
    return values.entry(node, "agents." + name, PolicyParser.AGENT_KEYS, (s, where) -> {
      Node keys = s.value("api_keys");
      if (keys != null) {
        for (ScalarNode k : values.reader.strings(keys, where + ".api_keys")) {
          String v = k.getValue();
          if (ApiKeys.isWellFormedKey(v) || v.startsWith(ApiKeys.KEY_PREFIX)) {
            values.problem(k, "inline secret in " + where + ".api_keys: store the key's hash, never the key "
                + "(`ephyr agent-key --hash -` prints it)");
          } else if (!ApiKeys.isWellFormedHash(v)) {
            values.problem(k, "bad API key hash in " + where + ".api_keys: expected sha256: and 64 lowercase hex digits");
          } else if (keyOwner.containsKey(v)) {
            values.problem(k, "duplicate API key hash in " + where + ".api_keys (already used by agent '"
                + keyOwner.get(v) + "')");
          } else {
            keyOwner.put(v, name);
          }
        }
      }
      Grant grant = grant(s, where);
      boolean requireTask = values.reader.bool(s, "require_task", false, where);
      boolean requirePop = values.reader.bool(s, "require_pop", false, where);
      Duration maxTtl = values.duration(s.value("max_task_ttl"), where + ".max_task_ttl", TASK_TTL_MIN, TASK_TTL_MAX);
      Duration defTtl = values.duration(s.value("default_task_ttl"), where + ".default_task_ttl", TASK_TTL_MIN,
          TASK_TTL_MAX);
      if (maxTtl != null && defTtl != null && defTtl.compareTo(maxTtl) > 0) {
        values.problem(s.value("default_task_ttl"), where + ".default_task_ttl (" + PolicyValues.format(defTtl)
            + ") is longer than max_task_ttl (" + PolicyValues.format(maxTtl) + ")");
      }
      Set<String> delegateTo = values.nameList(s.value("delegate_to"), where + ".delegate_to", "agents");
      Set<String> templates = values.nameList(s.value("templates"), where + ".templates", "templates");
      if (grant == null) {
        return null;
      }
      // require_pop demands bound tasks; an API key acting directly has no holder key, so it implies require_task.
      return new AgentPolicy(name, grant, requireTask || requirePop, requirePop, maxTtl, defTtl, delegateTo,
          templates);
    });
  }

  Template template(String name, Node node) {
    return values.entry(node, "templates." + name, PolicyParser.TEMPLATE_KEYS, (s, where) -> {
      Grant grant = grant(s, where);
      Duration ttl = values.duration(s.value("ttl"), where + ".ttl", TASK_TTL_MIN, TASK_TTL_MAX);
      return grant == null ? null : new Template(name, grant, ttl);
    });
  }

  /** The envelope keys shared by agents and templates; an omitted dimension grants nothing. */
  private Grant grant(Section s, String where) {
    int before = values.reader.count();
    IdSet targets = values.idSet(s.value("targets"), where + ".targets", "targets");
    IdSet roles = values.idSet(s.value("roles"), where + ".roles", "roles");
    IdSet services = values.idSet(s.value("services"), where + ".services", "services");
    IdSet methods = values.methods(s.value("methods"), where + ".methods", IdSet.NONE);
    IdSet remotes = values.idSet(s.value("remotes"), where + ".remotes", "remotes");
    ToolGrant tools = values.tools(s.value("tools"), where + ".tools");
    Node toolsNode = s.value("tools");
    if (toolsNode instanceof SequenceNode seq && !remotes.isAll()) {
      // A tool is usable only when its remote is granted too; a pattern for an ungranted remote is a mistake.
      for (Node item : seq.getValue()) {
        if (item instanceof ScalarNode sc && ToolGrant.isPattern(sc.getValue()) && !sc.getValue().equals("*")) {
          String remote = ToolGrant.remoteOf(sc.getValue());
          if (!remotes.contains(remote)) {
            values.problem(item, "'" + sc.getValue() + "' in " + where + ".tools is for remote '" + remote + "', which "
                + where + ".remotes does not grant");
          }
        }
      }
    }
    boolean delegate = values.reader.bool(s, "delegate", false, where);
    int maxDepth = delegate ? Envelope.MAX_DEPTH : 0;
    Node depthNode = s.value("max_depth");
    if (depthNode != null) {
      Integer d = values.reader.integer(depthNode, where + ".max_depth", 0, Envelope.MAX_DEPTH);
      if (d != null) {
        if (!delegate && d > 0) {
          values.problem(depthNode, where + ".max_depth has no effect without 'delegate: true'");
        }
        maxDepth = d;
      }
    }
    if (values.reader.count() > before) {
      return null;
    }
    return new Grant(targets, roles, services, methods, remotes, tools, delegate, maxDepth);
  }

  AdminPolicy admin(String name, Node node) {
    return values.entry(node, "admins." + name, PolicyParser.ADMIN_KEYS, (s, where) -> {
      String credential = values.reader.requiredString(s, "credential", where);
      if (credential == null) {
        return null;
      }
      if (ApiKeys.isWellFormedKey(credential) || credential.startsWith(ApiKeys.KEY_PREFIX)) {
        values.problem(s.value("credential"), "inline secret in " + where + ".credential: store the credential's hash "
            + "(`ephyr agent-key --hash -` prints it)");
        return null;
      }
      if (!ApiKeys.isWellFormedHash(credential)) {
        values.problem(s.value("credential"), "bad credential hash in " + where
            + ".credential: expected sha256: and 64 lowercase hex digits");
        return null;
      }
      return new AdminPolicy(name, credential);
    });
  }
}
