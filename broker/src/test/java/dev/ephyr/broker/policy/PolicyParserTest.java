package dev.ephyr.broker.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyParserTest {

  private static PolicyException fails(String yaml) {
    return assertThrows(PolicyException.class, () -> Policy.parse(yaml, "p.yaml"));
  }

  /** Asserts that some problem is on {@code line} and contains {@code text}. */
  private static void assertProblem(PolicyException e, int line, String text) {
    for (PolicyProblem p : e.problems()) {
      if (p.line() == line && p.message().contains(text)) {
        return;
      }
    }
    throw new AssertionError("no problem at line " + line + " containing '" + text + "' in " + e.problems());
  }

  @Test
  void parse_example_readsEveryDimension() throws Exception {
    Policy p = Policy.parse(PolicyFixtures.example(), "example.yaml");
    AgentPolicy alice = p.agent("alice").orElseThrow();
    assertEquals(IdSet.of("web1", "web2"), alice.grant().targets());
    assertEquals(IdSet.of("deploy"), alice.grant().roles());
    assertEquals(IdSet.of("GET", "POST"), alice.grant().methods());
    assertTrue(alice.grant().tools().allows("gh.list_repos"));
    assertTrue(alice.grant().delegate());
    assertEquals(2, alice.grant().maxDepth());
    assertEquals(Duration.ofHours(1), alice.maxTaskTtl());
    assertEquals(Duration.ofMinutes(15), alice.defaultTaskTtl());
    assertEquals(Set.of("bob"), alice.delegateTo());
    assertTrue(alice.mayDelegateTo("bob"));
    assertFalse(alice.mayDelegateTo("carol"));
    assertTrue(alice.mayUseTemplate("readonly"));
    AgentPolicy bob = p.agent("bob").orElseThrow();
    assertTrue(bob.grant().services().isAll());
    assertTrue(bob.grant().remotes().isNone());
    assertTrue(bob.grant().tools().isNone());
    assertNull(bob.maxTaskTtl());
    assertEquals(Duration.ofMinutes(10), p.templates().get("readonly").ttl());
    assertEquals("ops-ro", p.roles().get("read").principal());
    assertEquals(2201, p.targets().get("web1").port());
    assertEquals(22, p.targets().get("db1").port());
    ServicePolicy gh = p.services().get("gh");
    assertEquals(URI.create("https://api.github.com"), gh.origin());
    assertEquals(CredentialAuth.Type.BEARER, gh.auth().type());
    assertEquals("GH_TOKEN", gh.auth().secret().env());
    assertEquals(Duration.ofSeconds(30), gh.timeout());
    assertEquals(URI.create("https://mcp.example/mcp"), p.remotes().get("gh").url());
    assertEquals(64, p.hash().length());
  }

  @Test
  void warnings_flagValidButUnintendedPolicies() throws Exception {
    assertEquals(List.of(), Policy.parse(PolicyFixtures.example(), "p.yaml").warnings());
    Policy p = Policy.parse("""
        version: 1
        agents:
          lonely: { targets: [] }
          boss: { delegate_to: [lonely] }
        templates:
          unused: { ttl: 5m }
        roles:
          idle: { principal: nobody }
        services:
          plain: { origin: "http://plain.lan", auth: { type: bearer, secret_env: T } }
        """, "w.yaml");
    assertEquals(List.of(
        "w.yaml:3: agent 'lonely' can never act: it has no API key and no agent may delegate to it",
        "w.yaml:4: agent 'boss' can never act: it has no API key and no agent may delegate to it",
        "w.yaml:4: agents.boss.delegate_to has no effect without 'delegate: true'",
        "w.yaml:6: template 'unused' is not usable by any agent (no agent lists it in 'templates')",
        "w.yaml:8: role 'idle' is not allowed on any target",
        "w.yaml:10: services.plain sends its credential over plain http"),
        p.warnings().stream().map(PolicyProblem::toString).toList());
  }

  @Test
  void parse_omittedDimensions_grantNothing() throws Exception {
    Policy p = Policy.parse(PolicyFixtures.minimal(PolicyFixtures.ALICE_KEY, ""), "p.yaml");
    Grant g = p.agent("a1").orElseThrow().grant();
    assertEquals(Grant.NONE, g);
    Envelope e = g.envelopeUntil(2_000_000_000L);
    assertTrue(e.targets().isNone() && e.services().isNone() && e.tools().isNone());
    assertFalse(e.delegate());
    assertEquals(2_000_000_000L, e.expiresAt());
  }

  @Test
  void envelopeUntil_carriesEveryDimensionAndExpiry() throws Exception {
    Grant g = Policy.parse(PolicyFixtures.example(), "p.yaml").agent("alice").orElseThrow().grant();
    Envelope e = g.envelopeUntil(1_900_000_000L);
    assertEquals(g.targets(), e.targets());
    assertEquals(g.roles(), e.roles());
    assertEquals(g.services(), e.services());
    assertEquals(g.methods(), e.methods());
    assertEquals(g.remotes(), e.remotes());
    assertEquals(g.tools(), e.tools());
    assertTrue(e.delegate());
    assertEquals(2, e.maxDepth());
    assertTrue(e.allowsTool("gh", "anything"));
  }

  @Test
  void delegate_withoutMaxDepth_defaultsToTheProtocolMaximum() throws Exception {
    Policy p = Policy.parse(PolicyFixtures.minimal(PolicyFixtures.ALICE_KEY, "    delegate: true\n"), "p.yaml");
    assertEquals(Envelope.MAX_DEPTH, p.agent("a1").orElseThrow().grant().maxDepth());
  }

  @Test
  void requirePop_impliesRequireTask() throws Exception {
    Policy p = Policy.parse(PolicyFixtures.minimal(PolicyFixtures.ALICE_KEY, "    require_pop: true\n"), "p.yaml");
    AgentPolicy a = p.agent("a1").orElseThrow();
    assertTrue(a.requirePop());
    assertTrue(a.requireTask());
  }

  @Test
  void hash_ignoresCommentsLayoutAndKeyOrder_butNotContent() throws Exception {
    String a = "version: 1\nagents:\n  x: { delegate: true, max_depth: 2 }\n";
    String b = "# comment\nagents:\n  x:\n    max_depth: 2   # why\n    delegate: true\nversion: 1\n";
    String c = "version: 1\nagents:\n  x: { delegate: true, max_depth: 3 }\n";
    assertEquals(Policy.parse(a, "a").hash(), Policy.parse(b, "b").hash());
    assertNotEquals(Policy.parse(a, "a").hash(), Policy.parse(c, "c").hash());
  }

  @Test
  void unknownKey_namesLineAndSuggests() {
    PolicyException e = fails("version: 1\nagents:\n  claude:\n    delegate: true\n    tagets: [web]\n");
    assertEquals("p.yaml:5: unknown key 'tagets' in agents.claude (did you mean 'targets'?)", e.getMessage());
  }

  @Test
  void keysOfTheOriginalSchema_pointAtTheirNewNames() {
    PolicyException e = fails("version: 1\nagents:\n  x:\n    api_key_hash: \"$2a$10$abc\"\n    inherits: [t]\n");
    assertProblem(e, 4, "unknown key 'api_key_hash' in agents.x (this policy format calls it api_keys (a list of sha256: hashes))");
    assertProblem(e, 5, "(this policy format calls it templates)");
  }

  @Test
  void toolsForAnUngrantedRemote_areAnError() {
    PolicyException e = fails("version: 1\nremotes:\n  gh: { url: \"https://gh/mcp\" }\n  gl: { url: \"https://gl/mcp\" }\n"
        + "agents:\n  x:\n    remotes: [gh]\n    tools: [\"gh.a\", \"gl.b\"]\n");
    assertEquals(1, e.problems().size(), e.problems().toString());
    assertProblem(e, 8, "'gl.b' in agents.x.tools is for remote 'gl', which agents.x.remotes does not grant");
  }

  @Test
  void unknownTopLevelKey_isAnError() {
    assertProblem(fails("version: 1\nagent:\n  x: {}\n"), 2, "unknown key 'agent' in the top level (did you mean 'agents'?)");
  }

  @Test
  void duplicateKey_namesBothLines() {
    PolicyException e = fails("version: 1\nagents:\n  x:\n    delegate: true\n    delegate: false\n");
    assertProblem(e, 5, "duplicate key 'delegate' in agents.x (first at line 4)");
  }

  @Test
  void duplicateEntry_namesBothLines() {
    assertProblem(fails("version: 1\nagents:\n  x: {}\n  x: {}\n"), 4, "duplicate agents entry 'x' (first defined at line 3)");
  }

  @Test
  void wrongTypes_areNamed() {
    PolicyException e = fails("""
        version: 1
        agents:
          x:
            delegate: "yes"
            require_task: yes
            max_depth: two
            targets: web
            api_keys: [1]
        """);
    assertProblem(e, 4, "agents.x.delegate must be true or false, got 'yes'");
    assertProblem(e, 5, "agents.x.require_task must be true or false");
    assertProblem(e, 6, "agents.x.max_depth must be a whole number");
    assertProblem(e, 7, "agents.x.targets must be a list or \"*\"");
    assertProblem(e, 8, "elements of agents.x.api_keys must be strings, got the number 1");
  }

  @Test
  void badNames_areRejected() {
    PolicyException e = fails("version: 1\nagents:\n  \"bad name\": {}\nremotes:\n  gh.com: { url: \"https://x/mcp\" }\n");
    assertProblem(e, 3, "bad name 'bad name' in agents");
    assertProblem(e, 5, "bad name 'gh.com' in remotes");
  }

  @Test
  void unknownReferences_nameTheSectionAndLine() {
    PolicyException e = fails("""
        version: 1
        roles:
          read: { principal: ops }
        agents:
          x:
            roles: [reed]
            targets: [web]
            tools: ["gh.list"]
            delegate_to: [nobody]
            templates: [t]
        """);
    assertProblem(e, 6, "unknown role 'reed' referenced in agents.x.roles (did you mean 'read'?)");
    assertProblem(e, 7, "unknown target 'web' referenced in agents.x.targets (no targets are defined)");
    assertProblem(e, 8, "unknown remote 'gh' referenced in agents.x.tools");
    assertProblem(e, 9, "unknown agent 'nobody' referenced in agents.x.delegate_to");
    assertProblem(e, 10, "unknown template 't' referenced in agents.x.templates");
  }

  @Test
  void durations_areValidatedAndBounded() throws Exception {
    PolicyException e = fails("""
        version: 1
        agents:
          x:
            max_task_ttl: 15
            default_task_ttl: 15 minutes
          y:
            max_task_ttl: 30d
          z:
            max_task_ttl: 10m
            default_task_ttl: 1h
        """);
    assertProblem(e, 4, "agents.x.max_task_ttl must be a duration like 30s, 15m, 1h or 1h30m, got the number 15 (add a unit)");
    assertProblem(e, 5, "got '15 minutes'");
    assertProblem(e, 7, "agents.y.max_task_ttl must be between 1s and 7d, got 30d");
    assertProblem(e, 10, "agents.z.default_task_ttl (1h) is longer than max_task_ttl (10m)");
    Policy ok = Policy.parse("version: 1\nagents:\n  x: { max_task_ttl: 1h30m }\n", "p");
    assertEquals(Duration.ofMinutes(90), ok.agent("x").orElseThrow().maxTaskTtl());
  }

  @Test
  void inlineSecrets_areRefused() {
    PolicyException e = fails("""
        version: 1
        agents:
          x:
            api_keys: ["ek_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]
        services:
          s:
            origin: https://s.lan
            auth: { type: bearer, token: hunter2 }
        admins:
          root: { credential: "ek_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" }
        """);
    assertProblem(e, 4, "inline secret in agents.x.api_keys");
    assertProblem(e, 8, "inline secret 'token' in services.s.auth");
    assertProblem(e, 10, "inline secret in admins.root.credential");
    for (PolicyProblem p : e.problems()) {
      assertFalse(p.message().contains("hunter2"), "a secret was echoed: " + p);
    }
  }

  @Test
  void auth_needsExactlyOneReference() {
    PolicyException e = fails("""
        version: 1
        services:
          a: { origin: "https://a.lan", auth: { type: bearer } }
          b: { origin: "https://b.lan", auth: { type: bearer, secret_env: A, secret_file: /x } }
          c: { origin: "https://c.lan", auth: { type: header, secret_env: C } }
          d: { origin: "https://d.lan", auth: { type: oauth, secret_file: relative.txt } }
        """);
    assertProblem(e, 3, "missing secret reference in services.a.auth");
    assertProblem(e, 4, "names both secret_env and secret_file");
    assertProblem(e, 5, "missing 'name' in services.c.auth");
    assertProblem(e, 6, "unknown auth type 'oauth'");
    assertProblem(e, 6, "services.d.auth.secret_file must be an absolute path");
  }

  @Test
  void services_andTargets_areValidated() {
    PolicyException e = fails("""
        version: 1
        services:
          a: { origin: "https://user:pw@a.lan" }
          b: { origin: "https://b.lan/api" }
          c: { origin: "ftp://c.lan" }
          d: { origin: "https://d.lan", methods: [get], paths: ["api/**"] }
        roles:
          r: { principal: ops, extensions: [permit-ptty] }
        targets:
          t: { host: "bad host", host_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGWaf7", roles: [r], port: 70000 }
          u: { host: h.lan, host_key: "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQC7", roles: [r] }
        """);
    assertProblem(e, 3, "must name a host and carry no user info");
    assertProblem(e, 4, "is an origin (scheme://host[:port]) and cannot have a path");
    assertProblem(e, 5, "must start with https:// or http://");
    assertProblem(e, 6, "unknown HTTP method 'get' in services.d.methods (did you mean 'GET'?)");
    assertProblem(e, 6, "bad path glob 'api/**'");
    assertProblem(e, 8, "unknown SSH certificate extension 'permit-ptty' in roles.r.extensions (did you mean 'permit-pty'?)");
    assertProblem(e, 10, "bad host 'bad host'");
    assertProblem(e, 10, "targets.t.port must be between 1 and 65535");
    assertProblem(e, 10, "bad host_key in targets.t");
    assertProblem(e, 11, "bad host_key in targets.u: the key's encoded type does not match 'ssh-ed25519'");
  }

  @Test
  void contradictions_areErrors() {
    PolicyException e = fails("version: 1\nagents:\n  x:\n    max_depth: 2\n    targets: [\"*\", web]\n");
    assertProblem(e, 4, "agents.x.max_depth has no effect without 'delegate: true'");
    assertProblem(e, 5, "\"*\" already means all; do not mix it with names");
  }

  @Test
  void apiKeyHashes_mustBeWellFormedAndUnique() {
    String h = ApiKeys.hash(PolicyFixtures.ALICE_KEY);
    PolicyException e = fails("version: 1\nagents:\n  x: { api_keys: [\"" + h + "\"] }\n  y: { api_keys: [\"" + h
        + "\", \"sha256:ABC\"] }\n");
    assertProblem(e, 4, "duplicate API key hash in agents.y.api_keys (already used by agent 'x')");
    assertProblem(e, 4, "bad API key hash in agents.y.api_keys");
  }

  @Test
  void version_isRequiredAndChecked() {
    assertProblem(fails("agents: {}\n"), 1, "missing 'version: 1'");
    assertProblem(fails("version: 2\n"), 1, "unsupported policy version 2 (this broker reads version 1)");
  }

  @Test
  void yamlSyntaxErrors_nameTheLine() {
    PolicyException e = fails("version: 1\nagents:\n  x: [a, b\n  y: {}\n");
    assertTrue(e.getMessage().startsWith("p.yaml:"), e.getMessage());
    assertTrue(e.getMessage().contains("invalid YAML"), e.getMessage());
    assertEquals(1, e.problems().size());
  }

  @Test
  void anchorsAliasesTagsAndSeveralDocuments_areRefused() {
    assertProblem(fails("version: 1\nroles:\n  r: &x { principal: a }\n  s: *x\n"), 3, "anchors (&name) are not supported");
    assertProblem(fails("version: !!int 1\n"), 1, "explicit YAML tags (tag:yaml.org,2002:int) are not supported");
    PolicyException e = fails("version: 1\n---\nversion: 1\n");
    assertTrue(e.getMessage().contains("expected a single document"), e.getMessage());
  }

  @Test
  void emptyOrScalarFile_isAnError() {
    assertEquals("p.yaml: the file is empty (expected at least 'version: 1')", fails("# nothing\n").getMessage());
    assertProblem(fails("just text\n"), 1, "expected a mapping of sections");
  }

  @Test
  void deepNesting_isBounded() {
    String deep = "version: 1\nx: " + "[".repeat(200) + "]".repeat(200) + "\n";
    assertEquals("p.yaml: invalid YAML: nesting is deeper than 20 levels", fails(deep).getMessage());
  }

  @Test
  void manyProblems_areAllReportedInLineOrder() {
    PolicyException e = fails("version: 1\nagents:\n  x:\n    a1: 1\n    a2: 2\n    a3: 3\n");
    List<PolicyProblem> ps = e.problems();
    assertEquals(3, ps.size());
    assertEquals(List.of(4, 5, 6), ps.stream().map(PolicyProblem::line).toList());
    assertTrue(e.getMessage().endsWith("(and 2 more problems)"), e.getMessage());
  }

  @Test
  void load_boundsFileSize_andNamesMissingFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path big = dir.resolve("big.yaml");
    java.nio.file.Files.writeString(big, "version: 1\n" + "#".repeat(Policy.MAX_FILE_BYTES) + "\n");
    assertEquals("big.yaml: file is larger than 1024 KiB",
        assertThrows(PolicyException.class, () -> Policy.load(big)).getMessage());
    PolicyException missing = assertThrows(PolicyException.class, () -> Policy.load(dir.resolve("nope.yaml")));
    assertTrue(missing.getMessage().startsWith("nope.yaml: no such file"), missing.getMessage());
    java.nio.file.Path bin = dir.resolve("bin.yaml");
    java.nio.file.Files.write(bin, new byte[] {'v', (byte) 0xff, (byte) 0xfe});
    assertEquals("bin.yaml: file is not valid UTF-8", assertThrows(PolicyException.class, () -> Policy.load(bin)).getMessage());
  }
}
