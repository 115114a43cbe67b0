package dev.ephyr.protocol.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.dpop.DpopVerifier;
import dev.ephyr.protocol.testing.TokenKit;
import dev.ephyr.protocol.verify.RequestFacts;
import dev.ephyr.protocol.verify.TokenVerifier;
import dev.ephyr.protocol.verify.Verification;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The verifier's chain cache remembers only static checks: expiry and revocation are seen on a warm cache. */
class VerifierCacheTest {
  /** A test clock moved explicitly by the test (no wall clock). */
  static final class SteppedClock extends Clock {
    Instant now = TokenKit.NOW;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void warmCache_stillChecksExpiryAndRevocation_andTamperedCopiesMiss() {
    TokenKit kit = new TokenKit(90);
    SteppedClock clock = new SteppedClock();
    TokenVerifier v = TokenVerifier.builder(kit.keyring).watermarks(kit.watermarks).replay(new TokenKit.SetReplay())
        .dpop(DpopVerifier.builder().clock(clock).build()).clock(clock).build();
    String t = TokenKit.append(kit.mintRoot(TokenKit.wide()), "expires < " + (TokenKit.NOW.getEpochSecond() + 10));
    RequestFacts f = RequestFacts.builder("POST", TokenKit.URL).build();
    for (int i = 0; i < 3; i++) {
      assertInstanceOf(Verification.Accepted.class, v.verify(t, f).toCompletableFuture().join());
    }
    // Same signature, other caveat bytes: must not be served from the cache.
    byte[] b = TokenKit.binary(t);
    int at = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("expires < ") + 10;
    b[at] = (byte) (b[at] == '1' ? '2' : '1');
    Verification tampered = v.verify(TokenKit.text(b), f).toCompletableFuture().join();
    assertEquals(Reason.BAD_SIGNATURE, ((Verification.Rejected) tampered).reason());
    clock.now = TokenKit.NOW.plusSeconds(10);
    assertEquals(Reason.EXPIRED, ((Verification.Rejected) v.verify(t, f).toCompletableFuture().join()).reason());
    clock.now = TokenKit.NOW;
    assertInstanceOf(Verification.Accepted.class, v.verify(t, f).toCompletableFuture().join());
    String root = TokenKit.parse(t).identifierText().substring(6);
    kit.watermarks.marks.put(root, 1L);
    assertEquals(Reason.REVOKED, ((Verification.Rejected) v.verify(t, f).toCompletableFuture().join()).reason());
  }
}
