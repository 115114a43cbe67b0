package dev.ephyr.protocol.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.caveat.BrokerFacts;
import dev.ephyr.protocol.caveat.Dimension;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.caveat.ToolGrant;
import dev.ephyr.protocol.internal.Base64Url;
import dev.ephyr.protocol.macaroon.Macaroon;
import dev.ephyr.protocol.testing.TokenKit;
import dev.ephyr.protocol.verify.Principal;
import dev.ephyr.protocol.verify.TaskHop;
import dev.ephyr.protocol.verify.Verification;
import dev.ephyr.protocol.verify.WatermarkLookup;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Security invariants 1 and 2 (DESIGN §10) and revocation, driven by seeded {@link Random}: holder appends
 * never widen, broker facts cannot be forged, moved or copied, lineage and holder come only from tagged
 * facts, and revoking any hop kills the token and every descendant. Each failure names seed and case.
 */
class AttenuationPropertyTest {
  static final String[] TARGETS = {"web", "db", "cache", "ci", "prod"};
  static final String[] ROLES = {"read", "deploy", "admin"};
  static final String[] SERVICES = {"gitea", "grafana", "vault"};
  static final String[] METHODS = {"DELETE", "GET", "POST", "PUT"};
  static final String[] REMOTES = {"gh", "gl", "jira"};
  static final String[] PATTERNS = {"gh.list_*", "gh.get_repo", "gh.*", "gh.get_*", "gl.*", "jira.create_issue", "gl.list_x"};
  static final String[] NEW = {"new-host", "root", "zz", "evil"};
  static final String[] TOOL_QUERIES = {"gh.list_x", "gh.list_repos", "gh.get_repo", "gh.get_x", "gh.delete_repo",
      "gl.list_x", "gl.y", "jira.create_issue", "jira.x"};
  static final long NOW = TokenKit.NOW.getEpochSecond();
  static final Set<Reason> HOLDER_APPEND_REJECTIONS =
      EnumSet.of(Reason.UNKNOWN_CAVEAT, Reason.INVALID_CAVEAT, Reason.FORGED_FACT, Reason.EXPIRED);

  static String[] pool(Dimension d) {
    switch (d) {
      case TARGETS: return TARGETS;
      case ROLES: return ROLES;
      case SERVICES: return SERVICES;
      case METHODS: return METHODS;
      default: return REMOTES;
    }
  }

  static IdSet randomSet(Random r, String[] pool) {
    int k = r.nextInt(8);
    if (k == 0) {
      return IdSet.ALL;
    }
    if (k == 1) {
      return IdSet.NONE;
    }
    TreeSet<String> s = new TreeSet<>();
    for (int i = 0; i < 1 + r.nextInt(pool.length); i++) {
      s.add(pool[r.nextInt(pool.length)]);
    }
    return IdSet.of(s);
  }

  static ToolGrant randomTools(Random r) {
    int k = r.nextInt(6);
    if (k == 0) {
      return ToolGrant.ALL;
    }
    if (k == 1) {
      return ToolGrant.NONE;
    }
    List<String> p = new ArrayList<>();
    for (int i = 0; i < 1 + r.nextInt(3); i++) {
      p.add(PATTERNS[r.nextInt(PATTERNS.length)]);
    }
    return ToolGrant.of(p);
  }

  static Envelope randomEnvelope(Random r, boolean delegate, int maxDepth) {
    Envelope.Builder b = Envelope.builder();
    for (Dimension d : Dimension.values()) {
      b.set(d, randomSet(r, pool(d)));
    }
    return b.tools(randomTools(r)).expiresAt(NOW + 600 + r.nextInt(7200)).delegate(delegate).maxDepth(maxDepth).build();
  }

  /** A random narrowing of {@code parent} that still allows {@code needDelegate} and {@code needDepth}. */
  static Envelope narrow(Random r, Envelope parent, boolean delegate, int minDepth) {
    Envelope e = parent.intersect(randomEnvelope(r, true, Envelope.MAX_DEPTH));
    int depth = minDepth + r.nextInt(parent.maxDepth() - minDepth + 1);
    Envelope.Builder b = Envelope.builder();
    for (Dimension d : Dimension.values()) {
      b.set(d, e.get(d));
    }
    return b.tools(e.tools()).expiresAt(Math.max(NOW + 60, e.expiresAt() - r.nextInt(300)))
        .delegate(delegate && parent.delegate()).maxDepth(depth).build();
  }

  /** A random tree path: a root and depth 0–5 delegations; returns every token from root to leaf. */
  static List<String> randomChain(TokenKit kit, Random r, int depth) {
    List<String> tokens = new ArrayList<>();
    Envelope env = randomEnvelope(r, depth > 0 || r.nextBoolean(), Math.max(depth, r.nextInt(Envelope.MAX_DEPTH + 1)));
    tokens.add(kit.minter.mintRoot(new dev.ephyr.protocol.verify.TaskGrant(kit.newTask(), r.nextInt(3), "claude",
        "urn:ephyr:agent:claude", null, null, env)));
    for (int d = 1; d <= depth; d++) {
      Envelope child = narrow(r, env, d < depth || r.nextBoolean(), depth);
      tokens.add(kit.delegate(tokens.get(d - 1), child, r.nextInt(3), null, null));
      env = kit.accept(tokens.get(d)).envelope();
    }
    return tokens;
  }

  static String sortedList(Random r, String[] pool, String[] extra) {
    TreeSet<String> s = new TreeSet<>();
    for (int i = 0; i < 1 + r.nextInt(3); i++) {
      s.add(pool[r.nextInt(pool.length)]);
    }
    if (extra != null) {
      s.add(extra[r.nextInt(extra.length)]);
    }
    return String.join(",", s);
  }

  static String randomTag(Random r) {
    byte[] t = new byte[16];
    r.nextBytes(t);
    return Base64Url.encode(t);
  }

  static final String JKT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

  /** Caveats a holder might append: narrowing, widening attempts, malformed text, forged facts. */
  static String randomCaveat(Random r, Principal p) {
    Dimension d = Dimension.values()[r.nextInt(Dimension.values().length)];
    switch (r.nextInt(16)) {
      case 0: return d.key() + " = " + sortedList(r, pool(d), null);
      case 1: return d.key() + " = *";
      case 2: return d.key() + " = " + (d == Dimension.METHODS ? "GET,PATCH" : sortedList(r, pool(d), NEW));
      case 3: return d.key() + " = -";
      case 4: return "tools = " + (r.nextBoolean() ? "*" : String.join(",", new TreeSet<>(List.of(
          PATTERNS[r.nextInt(PATTERNS.length)], PATTERNS[r.nextInt(PATTERNS.length)]))));
      case 5: return r.nextBoolean() ? "delegate = true" : "delegate = false";
      case 6: return "depth <= " + (r.nextBoolean() ? 255 : r.nextInt(7));
      case 7: return "expires < " + (r.nextBoolean() ? 99_999_999_999L : NOW + r.nextInt(20_000) - 100);
      case 8: return "task " + p.actingTask().task() + " epoch=0 agent=root by=urn:x holder=- bind-by=- #" + randomTag(r);
      case 9: return "bind " + p.actingTask().task() + " holder=" + JKT + " #" + randomTag(r);
      case 10: return "holder = " + JKT;
      case 11: return "account = " + r.nextInt(1000);
      case 12: return d.key() + " = " + sortedList(r, pool(d), null).replace(",", ", ");
      case 13: {
        String[] bad = {"targets=*", "targets = web,db", "expires < 099", "depth <= 256", "delegate = yes",
            "tools = *.x", "methods = get", "targets = *,web", "Targets = *", "expires < -1", "task", "bind"};
        return bad[r.nextInt(bad.length)];
      }
      case 14: {
        StringBuilder sb = new StringBuilder();
        String chars = " =<,.*-_#abtesrgx019";
        for (int i = 0; i < 1 + r.nextInt(30); i++) {
          sb.append(chars.charAt(r.nextInt(chars.length())));
        }
        return sb.toString();
      }
      default: return "task " + kitlessUlid(r) + " epoch=0 agent=evil by=urn:ephyr:agent:evil holder=" + JKT
          + " bind-by=- #" + randomTag(r);
    }
  }

  static String kitlessUlid(Random r) {
    String a = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    StringBuilder sb = new StringBuilder("01");
    for (int i = 0; i < 24; i++) {
      sb.append(a.charAt(r.nextInt(32)));
    }
    return sb.toString();
  }

  /** Everything {@code narrowed} allows is allowed by {@code original}, checked on sample queries too. */
  static void assertWithin(Envelope narrowed, Envelope original, String c) {
    assertTrue(narrowed.isWithin(original), c + ": " + narrowed + " not within " + original);
    for (Dimension d : Dimension.values()) {
      for (String id : pool(d)) {
        assertTrue(!narrowed.get(d).contains(id) || original.get(d).contains(id), c + " " + d + " " + id);
      }
      for (String id : NEW) {
        assertTrue(!narrowed.get(d).contains(id) || original.get(d).contains(id), c + " " + d + " " + id);
      }
    }
    for (String q : TOOL_QUERIES) {
      String remote = q.substring(0, q.indexOf('.'));
      String tool = q.substring(q.indexOf('.') + 1);
      assertTrue(!narrowed.tools().allows(q) || original.tools().allows(q), c + " tool " + q);
      assertTrue(!narrowed.allowsTool(remote, tool) || original.allowsTool(remote, tool), c + " allowsTool " + q);
    }
    assertTrue(narrowed.expiresAt() <= original.expiresAt(), c);
    assertTrue(!narrowed.delegate() || original.delegate(), c);
    assertTrue(narrowed.maxDepth() <= original.maxDepth(), c);
  }

  // ---- 4a + 4c: holder appends never widen and never change lineage or holder ----

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void holderAppends_neverWiden_andNeverChangeLineageOrHolder(long seed) {
    Random r = new Random(seed);
    TokenKit kit = new TokenKit(seed);
    int accepted = 0;
    int rejected = 0;
    for (int n = 0; n < 60; n++) {
      List<String> chain = randomChain(kit, r, r.nextInt(Envelope.MAX_DEPTH + 1));
      String t = chain.get(chain.size() - 1);
      Principal p = kit.accept(t);
      for (int k = 0; k < 25; k++) {
        String cur = t;
        List<String> appended = new ArrayList<>();
        int count = 1 + r.nextInt(3);
        for (int j = 0; j < count; j++) {
          String c = randomCaveat(r, p);
          appended.add(c);
          cur = TokenKit.append(cur, c);
        }
        String c = "seed " + seed + " case " + n + "/" + k + " appended " + appended;
        Verification v = kit.verify(cur);
        if (v instanceof Verification.Rejected rej) {
          assertTrue(HOLDER_APPEND_REJECTIONS.contains(rej.reason()), c + " -> " + rej);
          rejected++;
          continue;
        }
        accepted++;
        Principal q = ((Verification.Accepted) v).principal();
        assertWithin(q.envelope(), p.envelope(), c);
        assertEquals(p.lineage(), q.lineage(), c);
        assertEquals(p.holder(), q.holder(), c);
        assertEquals(p.agent(), q.agent(), c);
        assertEquals(p.depth(), q.depth(), c);
      }
    }
    assertTrue(accepted > 100 && rejected > 100, "seed " + seed + ": generator too one-sided: " + accepted + "/" + rejected);
  }

  @Test
  void wideningAttempts_leaveTheEnvelopeUnchanged() {
    TokenKit kit = new TokenKit(10);
    String t = kit.mintRoot(TokenKit.wide());
    Envelope before = kit.accept(t).envelope();
    for (String c : new String[] {"targets = *", "roles = *", "services = *", "methods = *", "remotes = *", "tools = *",
        "delegate = true", "depth <= 255", "depth <= 5", "expires < 99999999999"}) {
      assertEquals(before, kit.accept(TokenKit.append(t, c)).envelope(), c);
    }
    Envelope grown = kit.accept(TokenKit.append(t, "targets = db,new-host,web")).envelope();
    assertEquals(IdSet.of("db", "web"), grown.targets());
    Envelope noDelegate = kit.accept(TokenKit.append(TokenKit.append(t, "delegate = false"), "delegate = true")).envelope();
    assertTrue(!noDelegate.delegate());
  }

  @Test
  void manyToolsLists_areRejectedNotThrown() {
    // Five distinct lists of 64 patterns exceed ToolGrant.MAX_PATTERNS (256) when intersected.
    TokenKit kit = new TokenKit(11);
    String t = kit.mintRoot(TokenKit.wide());
    for (int list = 0; list < 5; list++) {
      StringBuilder sb = new StringBuilder("tools = ");
      for (int i = 0; i < 64; i++) {
        sb.append(i == 0 ? "" : ",").append("gh.").append(list).append(String.format("%02d", i));
      }
      t = TokenKit.append(t, sb.toString());
    }
    Verification v = kit.verify(t); // fails the test if the verifier throws
    assertInstanceOf(Verification.Rejected.class, v);
  }

  // ---- 4b: facts cannot be forged, moved or copied ----

  /**
   * A tag is decoded from the token's bytes, and only its one canonical spelling counts: the broker's own
   * tag with non-zero unused bits in its last character (the same 16 bytes, other text) is refused, while
   * the canonical spelling of the same fact at the same position passes.
   */
  @Test
  void factTag_secondSpellingOfTheSameBytes_isForgedFact() {
    TokenKit kit = new TokenKit(24);
    String root = kit.mintRoot(TokenKit.wide());
    String body = BrokerFacts.bindBody(kit.accept(root).actingTask().task(), JKT);
    Macaroon m = TokenKit.parse(root);
    String tag = kit.keyring.hopKey("k1").tag(m.signature(), body.getBytes(StandardCharsets.US_ASCII));
    // The canonical spelling passes every static check: the bound task now only lacks its proof.
    assertEquals(Reason.POP_REQUIRED, kit.reasonOf(TokenKit.append(root, BrokerFacts.withTag(body, tag))));
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int last = alphabet.indexOf(tag.charAt(tag.length() - 1));
    for (int bits = 1; bits < 16; bits++) {
      String respelled = tag.substring(0, tag.length() - 1) + alphabet.charAt(last | bits);
      assertEquals(Reason.FORGED_FACT, kit.reasonOf(TokenKit.append(root, BrokerFacts.withTag(body, respelled))),
          respelled);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {21, 22, 23})
  void forgedFacts_withAnyTag_areForgedFact(long seed) {
    Random r = new Random(seed);
    TokenKit kit = new TokenKit(seed);
    for (int n = 0; n < 40; n++) {
      List<String> chain = randomChain(kit, r, r.nextInt(4));
      String t = chain.get(chain.size() - 1);
      Principal p = kit.accept(t);
      String task = r.nextBoolean() ? p.actingTask().task() : kit.newTask();
      String body = r.nextBoolean()
          ? BrokerFacts.taskBody(task, r.nextInt(3), "evil", "urn:ephyr:agent:evil", r.nextBoolean() ? JKT : null, null)
          : BrokerFacts.bindBody(p.actingTask().task(), JKT);
      // random tags, a tag made with the wrong key, and a tag for the right key but another position
      String[] tags = {randomTag(r), new TokenKit(seed + 1000).keyring.hopKey("k1").tag(TokenKit.parse(t).signature(),
          body.getBytes(StandardCharsets.US_ASCII)), kit.keyring.hopKey("k1").tag(new byte[32], body.getBytes(StandardCharsets.US_ASCII))};
      for (String tag : tags) {
        String forged = TokenKit.append(t, BrokerFacts.withTag(body, tag));
        assertEquals(Reason.FORGED_FACT, kit.reasonOf(forged), "seed " + seed + " case " + n + " body " + body);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {31, 32, 33})
  void movedOrCopiedFacts_areForgedFact(long seed) {
    Random r = new Random(seed);
    TokenKit kit = new TokenKit(seed);
    TokenKit otherTree = new TokenKit(seed); // same keyring, other trees
    TokenKit otherCluster = new TokenKit(seed + 500);
    for (int n = 0; n < 30; n++) {
      List<String> a = randomChain(kit, r, 1 + r.nextInt(4));
      List<String> b = randomChain(kit, r, r.nextInt(3));
      String ta = a.get(a.size() - 1);
      List<String> facts = new ArrayList<>();
      for (String c : TokenKit.caveats(ta)) {
        if (c.startsWith("task ") || c.startsWith("bind ")) {
          facts.add(c);
        }
      }
      String fact = facts.get(r.nextInt(facts.size()));
      String c = "seed " + seed + " case " + n + " fact " + fact;
      // re-appended to its own token (another position)
      assertEquals(Reason.FORGED_FACT, kit.reasonOf(TokenKit.append(ta, fact)), c);
      // appended after a holder restriction on its own token
      assertEquals(Reason.FORGED_FACT, kit.reasonOf(TokenKit.append(TokenKit.append(ta, "targets = web"), fact)), c);
      // copied into another token of another tree, same keyring
      assertEquals(Reason.FORGED_FACT, kit.reasonOf(TokenKit.append(b.get(b.size() - 1), fact)), c);
      String foreign = otherTree.mintRoot(TokenKit.wide());
      assertEquals(Reason.FORGED_FACT, otherTree.reasonOf(TokenKit.append(foreign, fact)), c);
      String alien = otherCluster.mintRoot(TokenKit.wide());
      assertEquals(Reason.FORGED_FACT, otherCluster.reasonOf(TokenKit.append(alien, fact)), c);
    }
  }

  /**
   * Finding (invariant 1/2): a child's task fact is tagged against the parent's final signature, and the
   * child's narrowing restrictions come after it. Whoever holds the parent token and sees the child token
   * can append just the child's fact to the parent: the tag verifies (same position), and the result acts
   * as the child task with the parent's wider envelope — the child's narrowing is dropped, and at use time
   * the envelope is intersected with the child agent's policy instead of the parent's.
   */
  @Test
  void childFactDetachedFromItsRestrictions_doesNotActAsTheChildWithTheParentsEnvelope() {
    TokenKit kit = new TokenKit(40);
    String parent = kit.mintRoot(TokenKit.wide());
    Envelope narrow = Envelope.builder().set(Dimension.TARGETS, IdSet.of("web"))
        .expiresAt(TokenKit.NOW.getEpochSecond() + 60).maxDepth(1).build();
    String child = kit.delegate(parent, narrow);
    Principal legit = kit.accept(child);
    String childFact = null;
    for (String c : TokenKit.caveats(child)) {
      if (c.startsWith("task " + legit.actingTask().task())) {
        childFact = c;
      }
    }
    String detached = TokenKit.append(parent, childFact);
    // The child's fact is tagged after the child's own restrictions, so it does not fit onto the parent.
    assertEquals(Reason.FORGED_FACT, kit.reasonOf(detached));
    Verification v = kit.verify(detached);
    if (v instanceof Verification.Accepted a) {
      assertWithin(a.principal().envelope(), legit.envelope(),
          "parent + child's fact acts as the child with envelope " + a.principal().envelope());
    }
  }

  // ---- 4c: holder and bind deadlines come only from tagged facts; truncation fails the signature ----

  @Test
  void truncatingAnyCaveat_failsTheSignature_includingBindFacts() {
    TokenKit kit = new TokenKit(50);
    String parent = kit.mintRoot(TokenKit.wide());
    String child = kit.delegate(parent, TokenKit.wide().intersect(TokenKit.wide()), 0, null,
        TokenKit.NOW.getEpochSecond() + 30);
    assertEquals(Reason.BIND_REQUIRED, kit.reasonOf(child));
    // The test plays the broker's bind step (the DPoP verifier is out of scope here).
    Macaroon m = TokenKit.parse(child);
    String task = TokenKit.caveats(child).stream().filter(c -> c.startsWith("task ")).reduce((x, y) -> y).orElseThrow()
        .substring(5, 31);
    String bound = kit.appendFact(child, BrokerFacts.bindBody(task, JKT));
    assertEquals(Reason.POP_REQUIRED, kit.reasonOf(bound));
    String bearerRestricted = TokenKit.append(bound, "targets = web");
    assertEquals(Reason.POP_REQUIRED, kit.reasonOf(bearerRestricted));
    for (String t : new String[] {bound, bearerRestricted, child, parent}) {
      Macaroon full = TokenKit.parse(t);
      for (int keep = 0; keep < full.caveatCount(); keep++) {
        List<byte[]> prefix = new ArrayList<>();
        for (int i = 0; i < keep; i++) {
          prefix.add(full.caveat(i));
        }
        String truncated = Macaroon.of(full.location(), full.identifier(), prefix, full.signature()).toText();
        assertEquals(Reason.BAD_SIGNATURE, kit.reasonOf(truncated), "kept " + keep + " of " + full.caveatCount());
      }
    }
    assertTrue(m.caveatCount() > 0);
  }

  @ParameterizedTest
  @ValueSource(longs = {61, 62})
  void bindPendingTokens_stayBindRequired_underAnyHolderAppend(long seed) {
    Random r = new Random(seed);
    TokenKit kit = new TokenKit(seed);
    String parent = kit.mintRoot(TokenKit.wide());
    Principal pp = kit.accept(parent);
    String child = kit.delegate(parent, TokenKit.wide(), 0, null, TokenKit.NOW.getEpochSecond() + 30);
    for (int n = 0; n < 300; n++) {
      String t = TokenKit.append(child, randomCaveat(r, pp));
      Verification v = kit.verify(t);
      assertInstanceOf(Verification.Rejected.class, v, "seed " + seed + " case " + n);
    }
  }

  // ---- 4d: revocation of any hop kills the token and every descendant ----

  @ParameterizedTest
  @ValueSource(longs = {71, 72, 73, 74})
  void revokingAnyHop_rejectsTheTokenAndEveryDescendant(long seed) {
    Random r = new Random(seed);
    for (int n = 0; n < 25; n++) {
      TokenKit kit = new TokenKit(seed * 100 + n);
      int depth = 1 + r.nextInt(Envelope.MAX_DEPTH);
      List<String> chain = randomChain(kit, r, depth);
      List<String> attenuated = new ArrayList<>();
      for (String t : chain) {
        kit.accept(t); // warm the verifier's chain cache: revocation must still be seen
        String a = TokenKit.append(t, "targets = -");
        kit.accept(a);
        attenuated.add(a);
      }
      List<TaskHop> lineage = kit.accept(chain.get(depth)).lineage();
      int h = r.nextInt(lineage.size());
      TaskHop hop = lineage.get(h);
      String c = "seed " + seed + " case " + n + " revoke hop " + h + " of depth " + depth;
      // watermark equal to the epoch keeps the hop valid (boundary)
      kit.watermarks.marks.put(hop.task(), hop.epoch());
      for (String t : chain) {
        kit.accept(t);
      }
      kit.watermarks.marks.put(hop.task(), r.nextBoolean() ? WatermarkLookup.REVOKED : hop.epoch() + 1);
      for (int i = 0; i <= depth; i++) {
        Reason expected = i >= h ? Reason.REVOKED : null;
        assertEquals(expected, kit.reasonOf(chain.get(i)), c + " token " + i);
        assertEquals(expected, kit.reasonOf(attenuated.get(i)), c + " attenuated " + i);
      }
    }
  }

  @Test
  void reissue_killsOldCopiesAndTheirDescendants_andKeepsTheEnvelope() {
    TokenKit kit = new TokenKit(80);
    Random r = new Random(80);
    List<String> chain = randomChain(kit, r, 3);
    String mid = chain.get(1);
    Principal p = kit.accept(mid);
    String fresh = kit.minter.reissue(p, p.actingTask().epoch() + 1);
    Principal q = kit.accept(fresh);
    assertEquals(p.envelope(), q.envelope());
    assertEquals(p.actingTask().task(), q.actingTask().task());
    assertEquals(p.actingTask().epoch() + 1, q.actingTask().epoch());
    assertEquals(p.lineage().subList(0, p.depth()), q.lineage().subList(0, q.depth()));
    kit.watermarks.marks.put(p.actingTask().task(), p.actingTask().epoch() + 1);
    assertEquals(Reason.REVOKED, kit.reasonOf(mid));
    assertEquals(Reason.REVOKED, kit.reasonOf(chain.get(2)));
    assertEquals(Reason.REVOKED, kit.reasonOf(chain.get(3)));
    assertEquals(null, kit.reasonOf(chain.get(0)));
    kit.accept(fresh);
    kit.accept(TokenKit.append(fresh, "targets = -"));
    String grandchild = kit.delegate(fresh, q.envelope());
    kit.accept(grandchild);
  }
}
