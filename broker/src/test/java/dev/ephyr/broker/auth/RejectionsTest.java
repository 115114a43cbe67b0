package dev.ephyr.broker.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.Reason;
import org.junit.jupiter.api.Test;

class RejectionsTest {
  @Test
  void everyReason_hasAStatus_andNoDetailLeaks() {
    for (Reason r : Reason.values()) {
      Rejection x = Rejections.of(r, "Bearer", "internal detail 01ABC", () -> "nonce");
      assertEquals(r.code(), x.code());
      assertFalse(x.message().contains("01ABC"));
      switch (r) {
        case BIND_REQUIRED: assertEquals(423, x.status()); break;
        case CLUSTER_UNAVAILABLE: case REPLAY_UNAVAILABLE: assertEquals(503, x.status()); break;
        default: assertEquals(401, x.status(), r.code());
      }
    }
  }

  @Test
  void wwwAuthenticate_distinguishesTokenProofAndNonce() {
    assertTrue(Rejections.of(Reason.EXPIRED, "Bearer", "", null).headers().get("WWW-Authenticate")
        .startsWith("Bearer realm=\"ephyr\", error=\"invalid_token\""));
    assertTrue(Rejections.of(Reason.REVOKED, "DPoP", "", null).headers().get("WWW-Authenticate")
        .startsWith("DPoP realm=\"ephyr\", error=\"invalid_token\""));
    assertTrue(Rejections.of(Reason.REPLAYED, "DPoP", "", null).headers().get("WWW-Authenticate")
        .contains("invalid_dpop_proof"));
    Rejection nonce = Rejections.of(Reason.POP_NONCE_REQUIRED, "DPoP", "", () -> "n-1");
    assertTrue(nonce.headers().get("WWW-Authenticate").contains("use_dpop_nonce"));
    assertEquals("n-1", nonce.headers().get("DPoP-Nonce"));
    assertNull(Rejections.of(Reason.BIND_REQUIRED, "Bearer", "", null).headers().get("WWW-Authenticate"));
  }

  @Test
  void credentials_parseSchemes_andRedact() {
    Credentials c = Credentials.parse("dpop mac_abc", "proof");
    assertEquals("DPoP", c.scheme());
    assertTrue(c.isTaskToken());
    assertFalse(c.toString().contains("mac_abc") || c.toString().contains("proof\""));
    assertNull(Credentials.parse("Basic abc", null));
    assertNull(Credentials.parse("Bearer ", null));
    assertNull(Credentials.parse("Bearer " + "x".repeat(Credentials.MAX_CHARS + 1), null));
  }

  @Test
  void challenges_areWellFormed_andNameTheResourceMetadata() {
    assertEquals("Bearer realm=\"ephyr\", DPoP realm=\"ephyr\", algs=\"EdDSA\"",
        Rejections.unauthenticated().headers().get("WWW-Authenticate"));
    String url = "https://b.example/.well-known/oauth-protected-resource/mcp";
    assertEquals("Bearer realm=\"ephyr\", resource_metadata=\"" + url + "\", DPoP realm=\"ephyr\", algs=\"EdDSA\", "
        + "resource_metadata=\"" + url + "\"",
        Rejections.withResourceMetadata(Rejections.unauthenticated().headers().get("WWW-Authenticate"), url));
    assertEquals("DPoP realm=\"ephyr\", error=\"invalid_dpop_proof\", algs=\"EdDSA\", resource_metadata=\"" + url
        + "\"", Rejections.withResourceMetadata(Rejections.of(Reason.REPLAYED, "DPoP", "", null).headers()
        .get("WWW-Authenticate"), url));
    assertTrue(Rejections.unauthenticated().message().contains("ephyr agent-key"));
    assertTrue(Rejections.unauthenticated().message().contains("task token"));
  }
}
