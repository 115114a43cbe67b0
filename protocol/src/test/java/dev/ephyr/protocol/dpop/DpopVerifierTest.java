package dev.ephyr.protocol.dpop;

import static dev.ephyr.protocol.dpop.Fixtures.BODY;
import static dev.ephyr.protocol.dpop.Fixtures.CLOCK;
import static dev.ephyr.protocol.dpop.Fixtures.NOW;
import static dev.ephyr.protocol.dpop.Fixtures.TOKEN;
import static dev.ephyr.protocol.dpop.Fixtures.URL;
import static dev.ephyr.protocol.dpop.Fixtures.claims;
import static dev.ephyr.protocol.dpop.Fixtures.header;
import static dev.ephyr.protocol.dpop.Fixtures.key;
import static dev.ephyr.protocol.dpop.Fixtures.proof;
import static dev.ephyr.protocol.dpop.Fixtures.request;
import static dev.ephyr.protocol.dpop.Fixtures.sha256;
import static dev.ephyr.protocol.dpop.Fixtures.signRaw;
import static dev.ephyr.protocol.dpop.Fixtures.verifier;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class DpopVerifierTest {
  private final HolderKeyPair key = key(1);
  private final DpopVerifier verifier = verifier();

  private static Reason reasonOf(DpopCheck check) {
    return assertInstanceOf(DpopCheck.Invalid.class, check).reason();
  }

  @Test
  void verify_proofFromBuilder_isValid() {
    String proof = proof(key).jti("proof-1").build();

    DpopCheck.Valid valid = assertInstanceOf(DpopCheck.Valid.class, verifier.verify(proof, request(key)));

    assertEquals(key.jkt(), valid.jkt());
    assertEquals("proof-1", valid.jti());
    assertEquals(NOW, valid.issuedAt());
    assertEquals(NOW.plusSeconds(61), valid.rememberUntil());
    assertEquals(key.jkt() + ":proof-1", valid.replayKey());
  }

  @Test
  void verify_proofWithoutBody_forRequestWithoutBody_isValid() {
    String proof = proof(key).body(null).build();

    DpopCheck check = verifier.verify(proof, DpopRequest.withoutBody("POST", URL, TOKEN, key.jkt()));

    assertInstanceOf(DpopCheck.Valid.class, check);
  }

  @Test
  void verify_proofWithEmptyBodyHash_forRequestWithoutBody_isValid() {
    String proof = proof(key).body(new byte[0]).build();

    assertInstanceOf(DpopCheck.Valid.class,
        verifier.verify(proof, DpopRequest.withoutBody("POST", URL, TOKEN, key.jkt())));
    assertInstanceOf(DpopCheck.Valid.class,
        verifier.verify(proof, new DpopRequest("POST", URL, TOKEN, new byte[0], key.jkt())));
  }

  @Test
  void verify_proofForAnotherBody_isRejectedWithBodyMismatch() {
    String proof = proof(key).body("{\"other\":true}".getBytes(StandardCharsets.UTF_8)).build();

    assertEquals(Reason.POP_BODY_MISMATCH, reasonOf(verifier.verify(proof, request(key))));
  }

  @Test
  void verify_proofWithoutBodyHash_forRequestWithBody_isRejectedWithBodyMismatch() {
    String proof = proof(key).body(null).build();

    DpopCheck check = verifier.verify(proof, request(key));

    assertEquals(DpopRejections.BH_REQUIRED, check);
  }

  @Test
  void verify_proofWithBodyHash_forRequestWithoutBody_isRejectedWithBodyMismatch() {
    String proof = proof(key).build();

    DpopCheck check = verifier.verify(proof, DpopRequest.withoutBody("POST", URL, TOKEN, key.jkt()));

    assertEquals(Reason.POP_BODY_MISMATCH, reasonOf(check));
  }

  @Test
  void verify_proofForAnotherToken_isRejectedWithTokenMismatch() {
    String proof = proof(key).accessToken(TOKEN + "x").build();

    assertEquals(Reason.POP_TOKEN_MISMATCH, reasonOf(verifier.verify(proof, request(key))));
  }

  @Test
  void verify_proofWithMalformedAth_isRejectedWithTokenMismatch() {
    String payload = claims("").replace(sha256(TOKEN), "not-a-hash");

    DpopCheck check = verifier.verify(signRaw(key, header(key), payload), request(key));

    assertEquals(Reason.POP_TOKEN_MISMATCH, reasonOf(check));
  }

  @Test
  void verify_proofForAnotherMethod_isRejectedWithMethodMismatch() {
    assertEquals(Reason.POP_METHOD_MISMATCH, reasonOf(verifier.verify(proof(key).method("GET").build(), request(key))));
    // Methods are case-sensitive (RFC 9110 §9.1).
    assertEquals(Reason.POP_METHOD_MISMATCH, reasonOf(verifier.verify(proof(key).method("post").build(), request(key))));
  }

  @Test
  void verify_proofForAnotherUrl_isRejectedWithUrlMismatch() {
    for (String other : List.of("https://broker.example/mcp/", "https://broker.example/MCP", "http://broker.example/mcp",
        "https://evil.example/mcp", "https://broker.example:8443/mcp", "https://broker.example.evil/mcp",
        "https://broker.example/mcp%2F", "https://broker.example/other")) {
      String proof = proof(key).url(other).build();

      assertEquals(Reason.POP_URL_MISMATCH, reasonOf(verifier.verify(proof, request(key))), other);
    }
  }

  @Test
  void verify_htuDiffersOnlyInCaseDefaultPortQueryOrFragment_isValid() {
    for (String same : List.of("HTTPS://Broker.Example/mcp", "https://broker.example:443/mcp",
        "https://broker.example/mcp?session=1", "https://broker.example/mcp#frag")) {
      String payload = claims("").replace(URL, same);

      DpopCheck check = verifier.verify(signRaw(key, header(key), payload), request(key));

      assertInstanceOf(DpopCheck.Valid.class, check, same);
    }
    // The request side is normalised too: the configured public URL may carry a query.
    DpopRequest withQuery = new DpopRequest("POST", URL + "?x=1", TOKEN, BODY, key.jkt());
    assertInstanceOf(DpopCheck.Valid.class, verifier.verify(proof(key).build(), withQuery));
  }

  @Test
  void verify_proofByAnotherKey_isRejectedWithKeyMismatch() {
    String proof = proof(key(2)).build();

    DpopCheck check = verifier.verify(proof, request(key));

    assertEquals(DpopRejections.KEY_MISMATCH, check);
    assertEquals(0, verifier.cachedKeys(), "a stranger's key must not enter the cache");
  }

  @Test
  void verify_cachedKey_stillRejectsForAnotherExpectedKey() {
    String proof = proof(key).build();
    assertInstanceOf(DpopCheck.Valid.class, verifier.verify(proof, request(key)));

    DpopCheck check = verifier.verify(proof, request(key(2)));

    assertEquals(Reason.POP_KEY_MISMATCH, reasonOf(check));
  }

  @Test
  void verify_proofTooOld_isRejectedAsStale() {
    String proof = proof(key).issuedAt(NOW.minusSeconds(61)).build();

    assertEquals(DpopRejections.TOO_OLD, verifier.verify(proof, request(key)));
  }

  @Test
  void verify_proofFromTooFarInTheFuture_isRejectedAsStale() {
    String proof = proof(key).issuedAt(NOW.plusSeconds(61)).build();

    assertEquals(DpopRejections.TOO_NEW, verifier.verify(proof, request(key)));
  }

  @Test
  void verify_proofAtEdgesOfWindow_isValid() {
    assertInstanceOf(DpopCheck.Valid.class, verifier.verify(proof(key).issuedAt(NOW.minusSeconds(60)).build(), request(key)));
    assertInstanceOf(DpopCheck.Valid.class, verifier.verify(proof(key).issuedAt(NOW.plusSeconds(60)).build(), request(key)));
  }

  @Test
  void verify_configuredWindow_isHonoured() {
    DpopVerifier narrow = DpopVerifier.builder().clock(CLOCK).iatWindow(Duration.ofSeconds(5)).build();

    assertEquals(Reason.POP_STALE, reasonOf(narrow.verify(proof(key).issuedAt(NOW.minusSeconds(6)).build(), request(key))));
    assertInstanceOf(DpopCheck.Valid.class, narrow.verify(proof(key).issuedAt(NOW.minusSeconds(5)).build(), request(key)));
    assertEquals(NOW.plusSeconds(6), ((DpopCheck.Valid) narrow.verify(proof(key).build(), request(key))).rememberUntil());
  }

  @Test
  void verify_sameProofTwice_isValidTwice_becauseSingleUseIsTheCallersJob() {
    String proof = proof(key).build();

    DpopCheck first = verifier.verify(proof, request(key));
    DpopCheck second = verifier.verify(proof, request(key));

    assertEquals(first, second);
  }

  @Test
  void verify_nullProof_isRejectedAsRequired() {
    assertEquals(Reason.POP_REQUIRED, reasonOf(verifier.verify(null, request(key))));
  }

  @Test
  void verify_withNonces_proofWithoutNonce_isRejectedWithNonceRequired() {
    DpopNonces nonces = DpopNonces.create(new byte[32], CLOCK);
    DpopVerifier strict = DpopVerifier.builder().clock(CLOCK).nonces(nonces).build();

    assertEquals(DpopRejections.NONCE_MISSING, strict.verify(proof(key).build(), request(key)));
  }

  @Test
  void verify_withNonces_proofWithCurrentNonce_isValid() {
    DpopNonces nonces = DpopNonces.create(new byte[32], CLOCK);
    DpopVerifier strict = DpopVerifier.builder().clock(CLOCK).nonces(nonces).build();

    DpopCheck check = strict.verify(proof(key).nonce(nonces.issue()).build(), request(key));

    assertInstanceOf(DpopCheck.Valid.class, check);
  }

  @Test
  void verify_withNonces_proofWithForeignOrStaleNonce_isRejectedWithNonceRequired() {
    DpopNonces nonces = DpopNonces.create(new byte[32], CLOCK);
    DpopVerifier strict = DpopVerifier.builder().clock(CLOCK).nonces(nonces).build();
    byte[] otherSecret = new byte[32];
    otherSecret[0] = 1;
    String foreign = DpopNonces.create(otherSecret, CLOCK).issue();
    String stale = DpopNonces.create(new byte[32], Clock.fixed(NOW.minusSeconds(180), ZoneOffset.UTC)).issue();

    assertEquals(DpopRejections.NONCE_STALE, strict.verify(proof(key).nonce(foreign).build(), request(key)));
    assertEquals(DpopRejections.NONCE_STALE, strict.verify(proof(key).nonce(stale).build(), request(key)));
    assertEquals(DpopRejections.NONCE_STALE, strict.verify(proof(key).nonce("").build(), request(key)));
  }

  @Test
  void verify_withoutNonces_proofWithNonce_isValid() {
    assertInstanceOf(DpopCheck.Valid.class, verifier.verify(proof(key).nonce("whatever").build(), request(key)));
  }

  @Test
  void verify_manyHolderKeys_keepsKeyCacheBounded() {
    DpopVerifier small = DpopVerifier.builder().clock(CLOCK).keyCacheSize(2).build();

    for (int i = 0; i < 5; i++) {
      HolderKeyPair k = key(10 + i);
      assertInstanceOf(DpopCheck.Valid.class, small.verify(proof(k).build(), request(k)));
      assertTrue(small.cachedKeys() <= 2, "cache size " + small.cachedKeys());
    }
    HolderKeyPair first = key(10);
    assertInstanceOf(DpopCheck.Valid.class, small.verify(proof(first).build(), request(first)));
  }

  @Test
  void verify_fromManyThreads_givesTheSameAnswers() throws Exception {
    List<HolderKeyPair> keys = new ArrayList<>();
    List<String> proofs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      keys.add(key(40 + i));
      proofs.add(proof(keys.get(i)).build());
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<Boolean>> jobs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        jobs.add(() -> {
          for (int round = 0; round < 25; round++) {
            for (int i = 0; i < keys.size(); i++) {
              boolean valid = verifier.verify(proofs.get(i), request(keys.get(i))) instanceof DpopCheck.Valid;
              boolean mismatch = verifier.verify(proofs.get(i), request(keys.get((i + 1) % keys.size())))
                  instanceof DpopCheck.Invalid;
              if (!valid || !mismatch) {
                return false;
              }
            }
          }
          return true;
        });
      }
      for (Future<Boolean> f : pool.invokeAll(jobs)) {
        assertTrue(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void builder_windowBeyondCap_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> DpopVerifier.builder().iatWindow(Duration.ofSeconds(301)));
    assertThrows(IllegalArgumentException.class, () -> DpopVerifier.builder().iatWindow(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> DpopVerifier.builder().iatWindow(Duration.ofMillis(1500)));
    assertThrows(IllegalArgumentException.class, () -> DpopVerifier.builder().maxProofBytes(100));
    assertThrows(IllegalArgumentException.class, () -> DpopVerifier.builder().keyCacheSize(0));
    assertEquals(Duration.ofSeconds(300), DpopVerifier.builder().iatWindow(Duration.ofSeconds(300)).build().iatWindow());
  }

  @Test
  void verify_requestWithoutExpectedKey_isRejectedWithKeyMismatch() {
    String proof = proof(key).build();

    assertEquals(DpopRejections.NO_EXPECTED_KEY, verifier.verify(proof, new DpopRequest("POST", URL, TOKEN, BODY, null)));
    assertEquals(DpopRejections.NO_EXPECTED_KEY, verifier.verify(proof, DpopRequest.forBinding("POST", URL, TOKEN, BODY)));
  }

  @Test
  void verifyBinding_proofByAnyKey_isValid_andNamesTheKey() {
    HolderKeyPair newKey = Fixtures.randomKey();
    String proof = proof(newKey).build();

    DpopCheck check = verifier.verifyBinding(proof, DpopRequest.forBinding("POST", URL, TOKEN, BODY));

    assertEquals(newKey.jkt(), assertInstanceOf(DpopCheck.Valid.class, check).jkt());
    assertEquals(0, verifier.cachedKeys(), "keys chosen by the caller of a bind stay out of the cache");
  }

  @Test
  void verifyBinding_stillChecksSignatureRequestAndTime() {
    DpopRequest bind = DpopRequest.forBinding("POST", URL, TOKEN, BODY);
    String forged = signRaw(key(2), header(key), claims(""));

    assertEquals(DpopRejections.BAD_SIGNATURE, verifier.verifyBinding(forged, bind));
    assertEquals(Reason.POP_METHOD_MISMATCH, reasonOf(verifier.verifyBinding(proof(key).method("GET").build(), bind)));
    assertEquals(Reason.POP_STALE, reasonOf(verifier.verifyBinding(proof(key).issuedAt(NOW.minusSeconds(600)).build(), bind)));
    assertEquals(Reason.POP_TOKEN_MISMATCH, reasonOf(verifier.verifyBinding(proof(key).accessToken("x").build(), bind)));
    assertEquals(Reason.POP_REQUIRED, reasonOf(verifier.verifyBinding(null, bind)));
  }

  @Test
  void verifyBinding_withExpectedKey_checksIt() {
    assertEquals(Reason.POP_KEY_MISMATCH, reasonOf(verifier.verifyBinding(proof(key(2)).build(), request(key))));
    assertInstanceOf(DpopCheck.Valid.class, verifier.verifyBinding(proof(key).build(), request(key)));
  }

  @Test
  void builderDefaults_areStrict() {
    DpopVerifier defaults = DpopVerifier.builder().build();

    assertEquals(DpopVerifier.DEFAULT_IAT_WINDOW, defaults.iatWindow());
    // It reads the system clock, by which a proof from the year 2000 is long stale.
    String old = proof(key).issuedAt(java.time.Instant.parse("2000-01-01T00:00:00Z")).build();
    assertEquals(Reason.POP_STALE, reasonOf(defaults.verify(old, request(key))));
  }

  @Test
  void request_toString_redactsAccessToken() {
    String text = request(key).toString();

    assertFalse(text.contains(TOKEN), text);
    assertTrue(text.contains("redacted"), text);
  }

  @Test
  void invalid_details_neverEchoProofContent() {
    String payload = claims("").replace("\"htm\":\"POST\"", "\"htm\":\"<script>\"");

    DpopCheck.Invalid invalid = assertInstanceOf(DpopCheck.Invalid.class,
        verifier.verify(signRaw(key, header(key), payload), request(key)));

    assertFalse(invalid.detail().contains("script"));
  }
}
