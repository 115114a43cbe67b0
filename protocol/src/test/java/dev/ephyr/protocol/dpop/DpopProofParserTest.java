package dev.ephyr.protocol.dpop;

import static dev.ephyr.protocol.dpop.Fixtures.NOW;
import static dev.ephyr.protocol.dpop.Fixtures.URL;
import static dev.ephyr.protocol.dpop.Fixtures.claims;
import static dev.ephyr.protocol.dpop.Fixtures.header;
import static dev.ephyr.protocol.dpop.Fixtures.key;
import static dev.ephyr.protocol.dpop.Fixtures.signRaw;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ephyr.protocol.dpop.DpopProofParser.Claims;
import dev.ephyr.protocol.dpop.DpopProofParser.CompactJws;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Parsing on its own: the parser reads what a proof says and applies the bounds, but decides nothing about
 * keys, signatures, time or the request (those are {@link DpopVerifier}'s, tested in DpopVerifierTest).
 */
class DpopProofParserTest {
  private final DpopProofParser parser = new DpopProofParser(DpopVerifier.DEFAULT_MAX_PROOF_BYTES);

  @SuppressWarnings("unchecked")
  private static <T> T ok(ProofStep<T> step) {
    return ((ProofStep.Ok<T>) assertInstanceOf(ProofStep.Ok.class, step, () -> "refused: " + step)).value();
  }

  private static DpopCheck.Invalid refused(ProofStep<?> step) {
    return ((ProofStep.Refused<?>) assertInstanceOf(ProofStep.Refused.class, step, () -> "passed: " + step))
        .invalid();
  }

  @Test
  void readsTheSegmentsHeaderKeyAndClaims_withoutJudgingThem() throws IOException {
    HolderKeyPair k = key(1);
    // Stale iat, foreign URL, no bh: all the verifier's business, none the parser's.
    String payload = claims("").replace(",\"bh\"", ",\"x-bh\"").replace(URL, "https://elsewhere.example/")
        .replace(":" + NOW.getEpochSecond(), ":1");
    String proof = signRaw(k, header(k), payload);

    CompactJws jws = ok(parser.compact(proof));
    assertEquals(proof.lastIndexOf('.'), jws.signedLength());
    assertArrayEquals(header(k).getBytes(StandardCharsets.UTF_8), jws.header());
    assertEquals(64, jws.signature().length);
    assertEquals(k.publicKey().x(), ok(parser.header(jws.header())));
    Claims c = ok(parser.claims(jws.payload()));
    assertEquals("j-1", c.jti());
    assertEquals("POST", c.htm());
    assertEquals("https://elsewhere.example/", c.htu());
    assertEquals(1L, c.iat());
    assertNull(c.bh());
    assertNull(c.nonce());
  }

  @Test
  void appliesItsBounds_beforeAndWhileReading() {
    String big = "a".repeat(DpopVerifier.DEFAULT_MAX_PROOF_BYTES + 1);
    assertEquals(DpopRejections.TOO_LARGE, refused(parser.compact(big)));
    assertEquals(DpopRejections.NOT_COMPACT, refused(parser.compact("a.b")));
    assertEquals(DpopRejections.BAD_SIG_B64, refused(parser.compact("a.b.c")));
    // A signature segment of the right length with a character outside base64url.
    assertEquals(DpopRejections.BAD_SIG_B64, refused(parser.compact("e30.e30." + "*".repeat(86))));
    assertEquals(DpopRejections.HEADER_NOT_OBJECT, refusedBy(() -> parser.header(" {}".getBytes(StandardCharsets.UTF_8))));
    assertEquals(DpopRejections.CRIT, refusedBy(() -> parser.header(
        "{\"typ\":\"dpop+jwt\",\"alg\":\"EdDSA\",\"crit\":[\"x\"]}".getBytes(StandardCharsets.UTF_8))));
    // Duplicates and nesting beyond the bound are Jackson errors, which the verifier maps to BAD_JSON.
    assertThrows(IOException.class, () -> parser.claims("{\"jti\":\"a\",\"jti\":\"b\"}".getBytes(StandardCharsets.UTF_8)));
    assertThrows(IOException.class, () -> parser.claims(("{\"a\":" + "[".repeat(20) + "]".repeat(20) + "}")
        .getBytes(StandardCharsets.UTF_8)));
  }

  private interface Read {
    ProofStep<?> get() throws IOException;
  }

  private static DpopCheck.Invalid refusedBy(Read read) {
    try {
      return refused(read.get());
    } catch (IOException e) {
      throw new AssertionError("expected a refusal, not " + e, e);
    }
  }
}
