package dev.ephyr.broker.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Immutable snapshot of the policy file: agents, templates, roles, targets, services, remotes and admins.
 */
public final class Policy {

  /** Largest policy file read; anything bigger is a mistake or an attack. */
  public static final int MAX_FILE_BYTES = 1 << 20;

  private final String source;
  private final String hash;
  private final Map<String, AgentPolicy> agents;
  private final Map<String, Template> templates;
  private final Map<String, RolePolicy> roles;
  private final Map<String, TargetPolicy> targets;
  private final Map<String, ServicePolicy> services;
  private final Map<String, RemotePolicy> remotes;
  private final Map<String, AdminPolicy> admins;
  private final Map<String, Hashed<AgentPolicy>> agentsByKeyHash;
  private final Map<String, Hashed<AdminPolicy>> adminsByCredentialHash;
  private final List<PolicyProblem> warnings;

  Policy(String source, String hash, Map<String, AgentPolicy> agents, Map<String, Template> templates,
      Map<String, RolePolicy> roles, Map<String, TargetPolicy> targets, Map<String, ServicePolicy> services,
      Map<String, RemotePolicy> remotes, Map<String, AdminPolicy> admins,
      Map<String, Hashed<AgentPolicy>> agentsByKeyHash,
      Map<String, Hashed<AdminPolicy>> adminsByCredentialHash, List<PolicyProblem> warnings) {
    this.source = source;
    this.warnings = List.copyOf(warnings);
    this.hash = hash;
    this.agents = Map.copyOf(agents);
    this.templates = Map.copyOf(templates);
    this.roles = Map.copyOf(roles);
    this.targets = Map.copyOf(targets);
    this.services = Map.copyOf(services);
    this.remotes = Map.copyOf(remotes);
    this.admins = Map.copyOf(admins);
    this.agentsByKeyHash = Map.copyOf(agentsByKeyHash);
    this.adminsByCredentialHash = Map.copyOf(adminsByCredentialHash);
  }

  /**
   * Parses and validates policy text strictly: an unknown key, a wrong type, a dangling reference or an
   * inline secret is an error naming {@code sourceName} and the line.
   */
  public static Policy parse(String yamlText, String sourceName) throws PolicyException {
    return new PolicyParser(sourceName).parse(yamlText);
  }

  /** Reads (at most {@link #MAX_FILE_BYTES}, UTF-8) and parses a policy file. Blocking. */
  public static Policy load(Path file) throws PolicyException {
    return parse(read(file), file.getFileName() == null ? file.toString() : file.getFileName().toString());
  }

  /** Reads a policy file's text with the size bound and strict UTF-8, or fails with a located message. */
  static String read(Path file) throws PolicyException {
    String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_FILE_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw PolicyException.of(name, 0, "no such file: " + file);
    } catch (IOException e) {
      throw PolicyException.of(name, 0, "cannot read " + file + ": " + e.getMessage());
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw PolicyException.of(name, 0, "file is larger than " + (MAX_FILE_BYTES >> 10) + " KiB");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw PolicyException.of(name, 0, "file is not valid UTF-8");
    }
  }

  /** The agent named {@code name}. */
  public Optional<AgentPolicy> agent(String name) {
    return Optional.ofNullable(agents.get(name));
  }

  /** The agent whose API key this is (keys are stored hashed; lookup by hash, constant-time confirm). */
  public Optional<AgentPolicy> agentForApiKey(String presentedKey) {
    return Optional.ofNullable(lookup(agentsByKeyHash, presentedKey));
  }

  /** The admin whose credential this is (stored hashed, like agent keys). */
  public Optional<AdminPolicy> adminForCredential(String presentedCredential) {
    return Optional.ofNullable(lookup(adminsByCredentialHash, presentedCredential));
  }

  private static <T> T lookup(Map<String, Hashed<T>> byHash, String presented) {
    if (!ApiKeys.isWellFormedKey(presented)) {
      return null; // also keeps arbitrary junk from being hashed on every bad request
    }
    String hash = ApiKeys.hash(presented);
    Hashed<T> found = byHash.get(hash);
    // The map matched with String.equals, which exits early; the confirmation does not rest on it.
    return found != null && ApiKeys.sameHash(found.storedHash(), hash) ? found.value() : null;
  }

  /** A value indexed by a stored hash, keeping the hash for the constant-time confirmation. */
  record Hashed<T>(String storedHash, T value) {}

  /** Every agent by name. */
  public Map<String, AgentPolicy> agents() {
    return agents;
  }

  /** Every template by name. */
  public Map<String, Template> templates() {
    return templates;
  }

  /** Every SSH role by name. */
  public Map<String, RolePolicy> roles() {
    return roles;
  }

  /** Every SSH target by name. */
  public Map<String, TargetPolicy> targets() {
    return targets;
  }

  /** Every HTTP service by name. */
  public Map<String, ServicePolicy> services() {
    return services;
  }

  /** Every federated MCP server by name. */
  public Map<String, RemotePolicy> remotes() {
    return remotes;
  }

  /** Every admin by name. */
  public Map<String, AdminPolicy> admins() {
    return admins;
  }

  /**
   * Stable SHA-256 hex of the canonical content (mapping keys sorted, comments and layout ignored), so two
   * nodes with the same policy report the same hash however the files are formatted.
   */
  public String hash() {
    return hash;
  }

  /**
   * Things that are valid but probably not meant (an agent nothing can reach, an unused template or role, a
   * credential sent over plain http); a node logs them, {@code ephyr policy validate} prints them.
   */
  public List<PolicyProblem> warnings() {
    return warnings;
  }

  /** The name the policy was parsed under (for messages). */
  public String source() {
    return source;
  }

  @Override
  public String toString() {
    return "Policy[" + source + ", " + agents.size() + " agents, hash=" + hash.substring(0, 12) + "]";
  }
}
