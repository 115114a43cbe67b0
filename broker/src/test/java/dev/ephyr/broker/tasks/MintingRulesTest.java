package dev.ephyr.broker.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.auth.Caller;
import dev.ephyr.broker.policy.AgentPolicy;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Attacks each minting rule without a node: a TTL past the agent's, the node's or the parent's limit, a depth
 * beyond the tree's or the policy's, a cross-agent hop the policy forbids, and every attempt to widen.
 */
class MintingRulesTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final String PARENT = "01JAAAAAAAAAAAAAAAAAAAAAAA";
  private static final TaskService.Limits LIMITS = limits(Duration.ofHours(24));

  private final MintingRules rules = new MintingRules(LIMITS);

  // ------------------------------------------------------------------------------------------------ root

  @Test
  void root_notAnApiKey_refused() {
    MintDecision d = rules.root(new Caller.BindPending("alice", PARENT), policy(), new JsonObject(), NOW);
    assertDenied("task_token_cannot_create", d);
  }

  @Test
  void root_agentGoneFromPolicy_refused() {
    AgentPolicy ghost = new AgentPolicy("ghost", agent("alice").grant(), false, false, null, null, java.util.Set.of(),
        java.util.Set.of());
    assertDenied("agent_not_in_policy", rules.root(new Caller.AgentKey(ghost), policy(), new JsonObject(), NOW));
  }

  @Test
  void root_noTtl_takesTheAgentDefault() {
    Envelope e = mint(rules.root(key("alice"), policy(), new JsonObject(), NOW)).envelope();
    assertEquals(NOW.plus(Duration.ofMinutes(15)).getEpochSecond(), e.expiresAt());
  }

  @Test
  void root_ttlPastTheAgentMaximum_refused() {
    assertDenied("ttl_too_long", rules.root(key("alice"), policy(), new JsonObject().put("ttl", "61m"), NOW));
    assertDenied("ttl_too_long", rules.root(key("alice"), policy(), new JsonObject().put("ttl", 3601), NOW));
    mint(rules.root(key("alice"), policy(), new JsonObject().put("ttl", "1h"), NOW));
  }

  @Test
  void root_ttlPastTheNodeMaximum_refused() {
    MintingRules tight = new MintingRules(limits(Duration.ofMinutes(30)));
    // bob names no maximum of his own: the node's bounds him
    assertDenied("ttl_too_long", tight.root(key("bob"), policy(), new JsonObject().put("ttl", "31m"), NOW));
    // alice's own maximum (1h) does not lift the node's
    assertDenied("ttl_too_long", tight.root(key("alice"), policy(), new JsonObject().put("ttl", "45m"), NOW));
  }

  @Test
  void root_defaultTtlAboveTheMaximum_isClampedToIt() {
    MintingRules tight = new MintingRules(limits(Duration.ofMinutes(5)));
    Envelope e = mint(tight.root(key("alice"), policy(), new JsonObject(), NOW)).envelope();
    assertEquals(NOW.plus(Duration.ofMinutes(5)).getEpochSecond(), e.expiresAt());
  }

  @Test
  void root_depthBeyondThePolicy_refused() {
    assertDenied("depth_exceeded", rules.root(key("alice"), policy(), new JsonObject().put("max_depth", 3), NOW));
    assertEquals(2, mint(rules.root(key("alice"), policy(), new JsonObject().put("max_depth", 2), NOW))
        .envelope().maxDepth());
  }

  @Test
  void root_delegationThePolicyForbids_refused() {
    Policy p = policy(example().replace("    delegate: true\n    max_depth: 5", "    delegate: false\n    max_depth: 0"));
    assertDenied("delegation_not_allowed", rules.root(key(p, "bob"), p, new JsonObject().put("can_delegate", true),
        NOW));
  }

  @Test
  void root_requestedEnvelope_onlyNarrows() {
    JsonObject ask = new JsonObject().put("envelope", new JsonObject()
        .put("targets", new JsonArray().add("web1").add("db1")).put("services", "*").put("tools", "*"));
    Envelope e = mint(rules.root(key("alice"), policy(), ask.put("can_delegate", true).put("max_depth", 2), NOW))
        .envelope();
    assertEquals(List.of("web1"), e.targets().elements(), "db1 is not alice's to ask for");
    assertEquals(List.of("gh"), e.services().elements(), "\"*\" means the policy's services, no more");
    assertTrue(e.isWithin(agent("alice").grant().envelopeUntil(e.expiresAt())));
  }

  @Test
  void root_templateNotGrantedToTheAgent_refused() {
    assertDenied("unknown_template", rules.root(key("bob"), policy(), new JsonObject().put("template", "readonly"), NOW));
    assertDenied("unknown_template", rules.root(key("alice"), policy(), new JsonObject().put("template", "nope"), NOW));
  }

  @Test
  void root_template_narrowsTargetsAndTtl() {
    Envelope e = mint(rules.root(key("alice"), policy(), new JsonObject().put("template", "readonly")
        .put("ttl", "1h"), NOW)).envelope();
    assertEquals(List.of("web1"), e.targets().elements());
    assertEquals(NOW.plus(Duration.ofMinutes(10)).getEpochSecond(), e.expiresAt(), "the template's 10m wins");
  }

  @Test
  void root_malformedArguments_named() {
    assertMalformed("ttl", rules.root(key("alice"), policy(), new JsonObject().put("ttl", "forever"), NOW));
    assertMalformed("unknown argument 'agent'", rules.root(key("alice"), policy(), new JsonObject().put("agent", "bob"),
        NOW));
    assertMalformed("not both", rules.root(key("alice"), policy(), new JsonObject().put("holder_jkt", "x".repeat(43))
        .put("bind_within", 60), NOW));
    assertMalformed("envelope.hosts", rules.root(key("alice"), policy(), new JsonObject().put("envelope",
        new JsonObject().put("hosts", new JsonArray())), NOW));
  }

  @Test
  void root_bindWithin_setsTheDeadlineFromNow() {
    MintDecision.Mint m = mint(rules.root(key("alice"), policy(), new JsonObject().put("bind_within", 60), NOW));
    assertEquals(NOW.getEpochSecond() + 60, m.binding().bindBy());
    assertMalformed("bind_within", rules.root(key("alice"), policy(), new JsonObject().put("bind_within", 601), NOW));
  }

  // ----------------------------------------------------------------------------------------------- child

  @Test
  void child_parentThatMayNotDelegate_refused() {
    Envelope env = grantOf("alice", NOW.plus(Duration.ofHours(1)), false, 2);
    assertDenied("delegation_not_allowed", child(parent(0, env, "alice"), new JsonObject()));
  }

  @Test
  void child_depthBeyondTheTree_refused() {
    Envelope env = grantOf("alice", NOW.plus(Duration.ofHours(1)), true, 2);
    assertEquals(2, mint(child(parent(1, env, "alice"), new JsonObject())).depth());
    MintDecision tooDeep = child(parent(2, env, "alice"), new JsonObject());
    assertDenied("depth_exceeded", tooDeep);
    assertTrue(((MintDecision.Denied) tooDeep).message().contains("this tree allows at most depth 2"),
        "refused by the parent's envelope, before any narrowing");
    Envelope deepest = grantOf("bob", NOW.plus(Duration.ofHours(1)), true, Envelope.MAX_DEPTH);
    assertDenied("depth_exceeded", child(parent(Envelope.MAX_DEPTH, deepest, "bob"), new JsonObject()));
  }

  @Test
  void child_maxDepthBelowItsOwnDepth_malformed() {
    Envelope env = grantOf("alice", NOW.plus(Duration.ofHours(1)), true, 2);
    assertMalformed("below the child's own depth", child(parent(1, env, "alice"), new JsonObject().put("max_depth", 1)));
  }

  @Test
  void child_neverOutlivesItsParent() {
    Envelope env = grantOf("alice", NOW.plus(Duration.ofMinutes(5)), true, 2);
    Envelope e = mint(child(parent(0, env, "alice"), new JsonObject().put("ttl", "1h"))).envelope();
    assertEquals(env.expiresAt(), e.expiresAt());
  }

  @Test
  void child_ttlBoundByPolicyNotByTheParentsClaimedExpiry() {
    // A parent envelope claiming ten hours (more than alice may ever hold) does not stretch the child.
    Envelope env = grantOf("alice", NOW.plus(Duration.ofHours(10)), true, 2);
    Envelope e = mint(child(parent(0, env, "alice"), new JsonObject().put("ttl", "5h"))).envelope();
    assertEquals(NOW.plus(Duration.ofHours(1)).getEpochSecond(), e.expiresAt());
    Envelope dflt = mint(child(parent(0, env, "alice"), new JsonObject())).envelope();
    assertEquals(NOW.plus(LIMITS.delegateDefaultTtl()).getEpochSecond(), dflt.expiresAt());
  }

  @Test
  void child_crossAgentHopThePolicyForbids_refused() {
    Envelope env = grantOf("bob", NOW.plus(Duration.ofHours(1)), true, 5);
    assertDenied("cross_agent_not_allowed", child(parent(0, env, "bob"), new JsonObject().put("agent", "alice")));
  }

  @Test
  void child_crossAgentToAnUnknownAgent_refused() {
    Policy p = policy(example().replace("delegate_to: [bob]", "delegate_to: [\"*\"]"));
    Envelope env = grantOf("alice", NOW.plus(Duration.ofHours(1)), true, 2);
    MintDecision d = rules.child(new MintingRules.ParentTask(PARENT, 0, env, agent(p, "alice")), p,
        Args.of(new JsonObject().put("agent", "zed"), MintingRules.DELEGATE_ARGS), NOW);
    assertDenied("unknown_agent", d);
  }

  @Test
  void child_crossAgent_narrowedToTheChildAgentsPolicy() {
    Envelope env = grantOf("alice", NOW.plus(Duration.ofHours(1)), true, 2);
    MintDecision.Mint m = mint(child(parent(0, env, "alice"), new JsonObject().put("agent", "bob")
        .put("envelope", new JsonObject().put("targets", new JsonArray().add("web1").add("web2").add("db1")))));
    assertEquals("bob", m.agent().name());
    assertEquals(List.of("web2"), m.envelope().targets().elements(), "only what both alice's task and bob hold");
    assertTrue(m.envelope().methods().elements().equals(List.of("GET")), "bob's methods, not alice's POST");
  }

  @Test
  void child_crossAgentToAShallowerPolicy_refusedAtItsDepth() {
    Policy p = policy(example().replace("    delegate: true\n    max_depth: 5",
        "    delegate: true\n    max_depth: 5\n    delegate_to: [alice]"));
    Envelope env = grantOf(p, "bob", NOW.plus(Duration.ofHours(1)), true, 5);
    MintDecision d = rules.child(new MintingRules.ParentTask(PARENT, 2, env, agent(p, "bob")), p,
        Args.of(new JsonObject().put("agent", "alice"), MintingRules.DELEGATE_ARGS), NOW);
    assertDenied("depth_exceeded", d);
  }

  @Test
  void child_askingForMoreThanTheParent_getsNoMore() {
    Envelope env = Envelope.builder().set(dev.ephyr.protocol.caveat.Dimension.TARGETS, IdSet.of("web1"))
        .set(dev.ephyr.protocol.caveat.Dimension.ROLES, IdSet.NONE)
        .set(dev.ephyr.protocol.caveat.Dimension.SERVICES, IdSet.NONE)
        .set(dev.ephyr.protocol.caveat.Dimension.METHODS, IdSet.NONE)
        .set(dev.ephyr.protocol.caveat.Dimension.REMOTES, IdSet.NONE)
        .tools(dev.ephyr.protocol.caveat.ToolGrant.NONE).delegate(true).maxDepth(1)
        .expiresAt(NOW.plus(Duration.ofMinutes(30)).getEpochSecond()).build();
    JsonObject ask = new JsonObject().put("can_delegate", true).put("max_depth", 5).put("ttl", "2h")
        .put("envelope", new JsonObject().put("targets", "*").put("roles", "*").put("services", "*")
            .put("methods", "*").put("remotes", "*").put("tools", "*"));
    Envelope e = mint(child(parent(0, env, "alice"), ask)).envelope();
    assertTrue(e.isWithin(env), "child " + e + " escapes parent " + env);
    assertEquals(List.of("web1"), e.targets().elements());
    assertTrue(e.services().isNone());
    assertEquals(1, e.maxDepth());
    assertEquals(env.expiresAt(), e.expiresAt());
    assertFalse(e.targets().isAll());
  }

  // --------------------------------------------------------------------------------------------- helpers

  private MintDecision child(MintingRules.ParentTask parent, JsonObject args) {
    return rules.child(parent, policy(), Args.of(args, MintingRules.DELEGATE_ARGS), NOW);
  }

  private static MintingRules.ParentTask parent(int depth, Envelope effective, String agent) {
    return new MintingRules.ParentTask(PARENT, depth, effective, agent(agent));
  }

  private static Envelope grantOf(String agent, Instant until, boolean delegate, int maxDepth) {
    return grantOf(policy(), agent, until, delegate, maxDepth);
  }

  private static Envelope grantOf(Policy p, String agent, Instant until, boolean delegate, int maxDepth) {
    Envelope g = agent(p, agent).grant().envelopeUntil(until.getEpochSecond());
    return Envelope.builder().set(dev.ephyr.protocol.caveat.Dimension.TARGETS, g.targets())
        .set(dev.ephyr.protocol.caveat.Dimension.ROLES, g.roles())
        .set(dev.ephyr.protocol.caveat.Dimension.SERVICES, g.services())
        .set(dev.ephyr.protocol.caveat.Dimension.METHODS, g.methods())
        .set(dev.ephyr.protocol.caveat.Dimension.REMOTES, g.remotes())
        .tools(g.tools()).delegate(delegate).maxDepth(maxDepth).expiresAt(g.expiresAt()).build();
  }

  private static MintDecision.Mint mint(MintDecision d) {
    return assertInstanceOf(MintDecision.Mint.class, d, () -> "expected a mint, got " + d);
  }

  private static void assertDenied(String code, MintDecision d) {
    MintDecision.Denied denied = assertInstanceOf(MintDecision.Denied.class, d, () -> "expected " + code + ", got " + d);
    assertEquals(code, denied.code(), denied.message());
  }

  private static void assertMalformed(String fragment, MintDecision d) {
    MintDecision.Malformed bad = assertInstanceOf(MintDecision.Malformed.class, d, () -> "expected malformed, got " + d);
    assertTrue(bad.message().contains(fragment), bad.message());
  }

  private static Caller.AgentKey key(String agent) {
    return new Caller.AgentKey(agent(agent));
  }

  private static Caller.AgentKey key(Policy p, String agent) {
    return new Caller.AgentKey(agent(p, agent));
  }

  private static AgentPolicy agent(String name) {
    return agent(policy(), name);
  }

  private static AgentPolicy agent(Policy p, String name) {
    return p.agent(name).orElseThrow();
  }

  private static TaskService.Limits limits(Duration maxTtl) {
    return new TaskService.Limits(Duration.ofMinutes(30), maxTtl, Duration.ofMinutes(10), Duration.ofMinutes(10), 100,
        "https://broker.test/mcp");
  }

  private static Policy policy() {
    return policy(example());
  }

  private static Policy policy(String yaml) {
    try {
      return Policy.parse(yaml, "policy-example.yaml");
    } catch (dev.ephyr.broker.policy.PolicyException e) {
      throw new AssertionError(e);
    }
  }

  private static String example() {
    try (InputStream in = MintingRulesTest.class.getResourceAsStream("/policy-example.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
