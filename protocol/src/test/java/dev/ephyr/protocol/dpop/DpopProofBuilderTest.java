package dev.ephyr.protocol.dpop;

import static dev.ephyr.protocol.dpop.Fixtures.CLOCK;
import static dev.ephyr.protocol.dpop.Fixtures.NOW;
import static dev.ephyr.protocol.dpop.Fixtures.TOKEN;
import static dev.ephyr.protocol.dpop.Fixtures.URL;
import static dev.ephyr.protocol.dpop.Fixtures.key;
import static dev.ephyr.protocol.dpop.Fixtures.proof;
import static dev.ephyr.protocol.dpop.Fixtures.request;
import static dev.ephyr.protocol.dpop.Fixtures.verifier;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class DpopProofBuilderTest {
  private final HolderKeyPair key = key(1);

  @Test
  void build_withoutMethodUrlOrToken_throws() {
    assertThrows(IllegalStateException.class, () -> DpopProofBuilder.forKey(key).url(URL).accessToken(TOKEN).build());
    assertThrows(IllegalStateException.class, () -> DpopProofBuilder.forKey(key).method("GET").accessToken(TOKEN).build());
    assertThrows(IllegalStateException.class, () -> DpopProofBuilder.forKey(key).method("GET").url(URL).build());
  }

  @Test
  void setters_refuseBadValuesAtOnce() {
    DpopProofBuilder b = DpopProofBuilder.forKey(key);
    assertThrows(IllegalArgumentException.class, () -> b.url("/relative"));
    assertThrows(IllegalArgumentException.class, () -> b.url("https://user@host/"));
    assertThrows(IllegalArgumentException.class, () -> b.method(""));
    assertThrows(IllegalArgumentException.class, () -> b.method("PO ST"));
    assertThrows(IllegalArgumentException.class, () -> b.jti(""));
    assertThrows(IllegalArgumentException.class, () -> b.jti("j".repeat(129)));
    assertThrows(IllegalArgumentException.class, () -> b.jti("\uD800"));
  }

  @Test
  void build_defaultJti_isFreshEachTime() {
    DpopProofBuilder builder = proof(key);
    DpopVerifier verifier = verifier();

    String first = ((DpopCheck.Valid) verifier.verify(builder.build(), request(key))).jti();
    String second = ((DpopCheck.Valid) verifier.verify(builder.build(), request(key))).jti();

    assertNotEquals(first, second);
    assertEquals(22, first.length());
  }

  @Test
  void build_jtiWithJsonSpecialCharacters_roundTrips() {
    String jti = "a\"b\\c\nd\u0001\u00e9\uD83D\uDE00/</script>";

    DpopCheck check = verifier().verify(proof(key).jti(jti).build(), request(key));

    assertEquals(jti, assertInstanceOf(DpopCheck.Valid.class, check).jti());
  }

  @Test
  void build_withoutIssuedAt_readsTheClock() {
    Clock later = Clock.offset(CLOCK, java.time.Duration.ofSeconds(30));
    String proof = DpopProofBuilder.forKey(key).method("POST").url(URL).accessToken(TOKEN).body(Fixtures.BODY)
        .clock(later).build();

    DpopCheck check = verifier().verify(proof, request(key));

    assertEquals(NOW.plusSeconds(30), assertInstanceOf(DpopCheck.Valid.class, check).issuedAt());
  }

  @Test
  void build_truncatesSubSecondIssueTime() {
    String proof = proof(key).issuedAt(NOW.plusMillis(999)).build();

    DpopCheck check = DpopVerifier.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC)).build().verify(proof, request(key));

    assertEquals(NOW, assertInstanceOf(DpopCheck.Valid.class, check).issuedAt());
  }
}
