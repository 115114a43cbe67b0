package dev.ephyr.broker.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

  @Test
  void generate_isPrefixedBase64urlOf32Bytes_andUnique() {
    SecureRandom rnd = new SecureRandom();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      String k = ApiKeys.generate(rnd);
      assertTrue(k.matches("ek_[A-Za-z0-9_-]{43}"), k);
      assertTrue(ApiKeys.isWellFormedKey(k));
      assertTrue(seen.add(k));
    }
  }

  @Test
  void hash_isSha256HexOfTheKeyText() {
    // sha256("ek_" + 43 × 'A'), computed independently with sha256sum.
    assertEquals("sha256:3bfd89ef6013383c12e83d4310d4dc3603990dc79d9e335f1dd3b42459393e80",
        ApiKeys.hash(PolicyFixtures.ALICE_KEY));
    assertTrue(ApiKeys.isWellFormedHash(ApiKeys.hash("anything")));
    assertFalse(ApiKeys.isWellFormedHash("sha256:" + "A".repeat(64)));
    assertFalse(ApiKeys.isWellFormedHash("md5:abc"));
  }

  @Test
  void agentForApiKey_findsTheOwner_andNothingElse() throws Exception {
    Policy p = Policy.parse(PolicyFixtures.example(), "p.yaml");
    assertEquals("alice", p.agentForApiKey(PolicyFixtures.ALICE_KEY).orElseThrow().name());
    assertEquals("bob", p.agentForApiKey(PolicyFixtures.BOB_KEY).orElseThrow().name());
    assertTrue(p.agentForApiKey("ek_" + "C".repeat(43)).isEmpty());
    assertTrue(p.agentForApiKey(ApiKeys.hash(PolicyFixtures.ALICE_KEY)).isEmpty(), "the stored hash is not a key");
    assertTrue(p.agentForApiKey("").isEmpty());
    assertTrue(p.agentForApiKey(null).isEmpty());
    assertTrue(p.agentForApiKey(PolicyFixtures.ALICE_KEY + "x").isEmpty());
  }

  @Test
  void severalKeysPerAgent_allWork() throws Exception {
    SecureRandom rnd = new SecureRandom();
    String k1 = ApiKeys.generate(rnd);
    String k2 = ApiKeys.generate(rnd);
    assertNotEquals(k1, k2);
    Policy p = Policy.parse("version: 1\nagents:\n  x: { api_keys: [\"" + ApiKeys.hash(k1) + "\", \""
        + ApiKeys.hash(k2) + "\"] }\n", "p");
    assertEquals("x", p.agentForApiKey(k1).orElseThrow().name());
    assertEquals("x", p.agentForApiKey(k2).orElseThrow().name());
  }

  @Test
  void adminForCredential_usesTheSameHashing() throws Exception {
    String cred = ApiKeys.generate(new SecureRandom());
    Policy p = Policy.parse("version: 1\nadmins:\n  alice: { credential: \"" + ApiKeys.hash(cred) + "\" }\n", "p");
    assertEquals("alice", p.adminForCredential(cred).orElseThrow().name());
    assertTrue(p.agentForApiKey(cred).isEmpty());
    assertFalse(p.admins().get("alice").toString().contains("sha256"));
  }
}
