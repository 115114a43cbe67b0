package dev.ephyr.protocol.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.nitram509.jmacaroons.Macaroon;
import com.github.nitram509.jmacaroons.MacaroonsBuilder;
import com.github.nitram509.jmacaroons.MacaroonsSerializer;
import com.github.nitram509.jmacaroons.MacaroonsVerifier;
import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.testing.TokenKit;
import dev.ephyr.protocol.verify.Principal;
import dev.ephyr.protocol.verify.Verification;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * jmacaroons 0.5.0 as a third-party oracle (DESIGN §3.1): it parses, inspects and verifies our tokens
 * with the tree's root key, and what it appends we verify — narrowing accepted, everything else refused.
 */
class JmacaroonsInteropTest {
  final TokenKit kit = new TokenKit(7);
  final String token = kit.mintRoot(TokenKit.wide());

  static Macaroon jm(String ourText) {
    return Macaroon.deserialize(ourText.substring("mac_".length()), MacaroonsSerializer.V2);
  }

  static String ours(Macaroon m) {
    return "mac_" + m.serialize(MacaroonsSerializer.V2);
  }

  byte[] rootKey(String text) {
    dev.ephyr.protocol.macaroon.Macaroon m = TokenKit.parse(text);
    String kid = m.identifierText().split("/")[1];
    return kit.keyring.rootKey(kid, m.identifier()).toBytes(InsecureSecretAccess.get());
  }

  @Test
  void readmeVector_jmacaroonsEmitsOurExactText() {
    Macaroon m = Macaroon.create("http://www.example.org", "this is our super secret key; only we should know it",
        "we used our secret key");
    assertEquals("AgEWaHR0cDovL3d3dy5leGFtcGxlLm9yZwIWd2UgdXNlZCBvdXIgc2VjcmV0IGtleQAABiDj2eApCFJsTAA5rhURQRXZf91ovyujebNCqvD2F9BVLw",
        m.serialize(MacaroonsSerializer.V2));
    Macaroon m1 = MacaroonsBuilder.modify(m).addCaveat("account = 3735928559").getMacaroon();
    assertEquals("1efe4763f290dbce0c1d08477367e11f4eee456a64933cf662d79772dbb82128", m1.signature);
    dev.ephyr.protocol.macaroon.Macaroon back = TokenKit.parse(ours(m1));
    assertEquals("account = 3735928559", back.caveatText(0));
    assertEquals(m1.signature, HexFormat.of().formatHex(back.signature()));
    assertEquals(ours(m1), back.toText());
  }

  @Test
  void jmacaroons_parsesInspectsAndVerifiesOurToken() {
    Macaroon m = jm(token);
    dev.ephyr.protocol.macaroon.Macaroon mine = TokenKit.parse(token);
    assertEquals("ephyr", m.location);
    assertEquals(mine.identifierText(), m.identifier);
    assertEquals(mine.caveatCount(), m.caveatPackets.length);
    for (int i = 0; i < mine.caveatCount(); i++) {
      assertEquals(mine.caveatText(i), m.caveatPackets[i].getValueAsText(), "caveat " + i);
    }
    assertEquals(HexFormat.of().formatHex(mine.signature()), m.signature);
    MacaroonsVerifier v = new MacaroonsVerifier(m).satisfyGeneral(c -> true);
    assertTrue(v.isValid(rootKey(token)));
    // jmacaroons really checks: a caveat left unsatisfied, or another key, fails.
    assertFalse(new MacaroonsVerifier(m).isValid(rootKey(token)));
    byte[] wrong = rootKey(token);
    wrong[0] ^= 1;
    assertFalse(new MacaroonsVerifier(m).satisfyGeneral(c -> true).isValid(wrong));
    // And re-serializes it byte for byte.
    assertEquals(token, ours(m));
  }

  @Test
  void jmacaroons_verifiesDelegatedAndAttenuatedTokens() {
    String child = kit.delegate(token, TokenKit.wide().intersect(Envelope.builder()
        .set(dev.ephyr.protocol.caveat.Dimension.TARGETS, IdSet.of("web"))
        .set(dev.ephyr.protocol.caveat.Dimension.ROLES, IdSet.ALL).set(dev.ephyr.protocol.caveat.Dimension.SERVICES, IdSet.ALL)
        .set(dev.ephyr.protocol.caveat.Dimension.METHODS, IdSet.ALL).set(dev.ephyr.protocol.caveat.Dimension.REMOTES, IdSet.ALL)
        .tools(dev.ephyr.protocol.caveat.ToolGrant.ALL).expiresAt(TokenKit.NOW.getEpochSecond() + 600).delegate(true).maxDepth(5).build()));
    String attenuated = TokenKit.append(child, "methods = GET");
    for (String t : List.of(child, attenuated)) {
      assertTrue(new MacaroonsVerifier(jm(t)).satisfyGeneral(c -> true).isValid(rootKey(t)), t);
    }
  }

  @Test
  void jmacaroonsNarrowingCaveat_isAcceptedWithTheNarrowedEnvelope() {
    Principal before = kit.accept(token);
    String t = ours(MacaroonsBuilder.modify(jm(token)).addCaveat("targets = web").getMacaroon());
    Principal after = kit.accept(t);
    assertEquals(IdSet.of("web"), after.envelope().targets());
    assertEquals(before.envelope().roles(), after.envelope().roles());
    assertEquals(before.lineage(), after.lineage());
    String two = ours(MacaroonsBuilder.modify(jm(t)).addCaveat("expires < " + (TokenKit.NOW.getEpochSecond() + 5))
        .addCaveat("tools = gh.list_*").getMacaroon());
    Envelope e = kit.accept(two).envelope();
    assertEquals(TokenKit.NOW.getEpochSecond() + 5, e.expiresAt());
    assertTrue(e.allowsTool("gh", "list_x"));
    assertFalse(e.allowsTool("gh", "get_repo"));
  }

  @Test
  void jmacaroonsUnknownCaveat_isUnknownCaveat() {
    String t = ours(MacaroonsBuilder.modify(jm(token)).addCaveat("account = 42").getMacaroon());
    assertEquals(Reason.UNKNOWN_CAVEAT, kit.reasonOf(t));
    assertEquals(Reason.UNKNOWN_CAVEAT, kit.reasonOf(ours(MacaroonsBuilder.modify(jm(token)).addCaveat("holder = x").getMacaroon())));
  }

  @Test
  void jmacaroonsWideningAttempts_doNotWiden() {
    Envelope before = kit.accept(token).envelope();
    for (String c : new String[] {"targets = *", "tools = *", "delegate = true", "depth <= 255", "expires < 99999999999"}) {
      String t = ours(MacaroonsBuilder.modify(jm(token)).addCaveat(c).getMacaroon());
      assertEquals(before, kit.accept(t).envelope(), c);
    }
    String root = TokenKit.parse(token).identifierText().substring(6);
    String fakeTask = "task " + root + " epoch=0 agent=root by=urn:ephyr:agent:root holder=- bind-by=- #AAAAAAAAAAAAAAAAAAAAAA";
    assertEquals(Reason.FORGED_FACT, kit.reasonOf(ours(MacaroonsBuilder.modify(jm(token)).addCaveat(fakeTask).getMacaroon())));
    String fakeBind = "bind " + root + " holder=NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs #AAAAAAAAAAAAAAAAAAAAAA";
    assertEquals(Reason.FORGED_FACT, kit.reasonOf(ours(MacaroonsBuilder.modify(jm(token)).addCaveat(fakeBind).getMacaroon())));
    assertEquals(Reason.INVALID_CAVEAT, kit.reasonOf(ours(MacaroonsBuilder.modify(jm(token)).addCaveat("task " + root).getMacaroon())));
  }

  @Test
  void jmacaroonsThirdPartyCaveat_isUnsupported() {
    Macaroon m = MacaroonsBuilder.modify(jm(token))
        .addCaveat("https://auth.example", "a third-party caveat key of 32 B", "caveat-id").getMacaroon();
    assertEquals(Reason.UNSUPPORTED, kit.reasonOf(ours(m)));
  }

  @Test
  void paddedStandardBase64FromOtherLibraries_isAccepted() {
    byte[] bin = Base64.getUrlDecoder().decode(jm(token).serialize(MacaroonsSerializer.V2));
    assertArrayEquals(TokenKit.binary(token), bin);
    assertInstanceOf(Verification.Accepted.class, kit.verify("mac_" + Base64.getEncoder().encodeToString(bin)));
    assertEquals(new String(TokenKit.parse(token).identifier(), StandardCharsets.US_ASCII), jm(token).identifier);
  }
}
