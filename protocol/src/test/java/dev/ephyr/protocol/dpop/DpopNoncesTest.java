package dev.ephyr.protocol.dpop;

import static dev.ephyr.protocol.dpop.Fixtures.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class DpopNoncesTest {
  private static final byte[] SECRET = secret(7);
  // NOW is a whole minute, so with 60 s buckets NOW opens a bucket.
  private static final Instant BUCKET_START = NOW;

  private static byte[] secret(int n) {
    byte[] s = new byte[32];
    for (int i = 0; i < s.length; i++) {
      s[i] = (byte) (n * 31 + i);
    }
    return s;
  }

  private static DpopNonces at(Instant t) {
    return DpopNonces.create(SECRET, Clock.fixed(t, ZoneOffset.UTC));
  }

  @Test
  void isCurrent_nonceOfCurrentBucket_isAccepted() {
    String nonce = at(BUCKET_START).issue();

    assertTrue(at(BUCKET_START).isCurrent(nonce));
    assertTrue(at(BUCKET_START.plusSeconds(59)).isCurrent(nonce));
  }

  @Test
  void isCurrent_nonceOfPreviousBucket_isAccepted() {
    String nonce = at(BUCKET_START.plusSeconds(59)).issue();

    assertTrue(at(BUCKET_START.plusSeconds(60)).isCurrent(nonce));
    assertTrue(at(BUCKET_START.plusSeconds(119)).isCurrent(nonce));
  }

  @Test
  void isCurrent_nonceTwoBucketsOld_isRefused() {
    String nonce = at(BUCKET_START.plusSeconds(59)).issue();

    assertFalse(at(BUCKET_START.plusSeconds(120)).isCurrent(nonce));
  }

  @Test
  void isCurrent_nonceFromTheFuture_isRefused() {
    String nonce = at(BUCKET_START.plusSeconds(60)).issue();

    assertFalse(at(BUCKET_START).isCurrent(nonce));
  }

  @Test
  void isCurrent_nonceOfAnotherSecret_isRefused() {
    String foreign = DpopNonces.create(secret(8), Clock.fixed(BUCKET_START, ZoneOffset.UTC)).issue();

    assertFalse(at(BUCKET_START).isCurrent(foreign));
  }

  @Test
  void isCurrent_nonceWithAnotherBucketLength_isRefused() {
    String other = DpopNonces.create(SECRET, Clock.fixed(BUCKET_START, ZoneOffset.UTC), Duration.ofSeconds(30)).issue();

    assertFalse(at(BUCKET_START).isCurrent(other));
  }

  @Test
  void isCurrent_forgedNonce_isRefused() {
    String nonce = at(BUCKET_START).issue();
    byte[] raw = Base64.getUrlDecoder().decode(nonce);
    DpopNonces nonces = at(BUCKET_START);

    for (int i = 0; i < raw.length; i++) {
      byte[] forged = raw.clone();
      forged[i] ^= 1;
      assertFalse(nonces.isCurrent(Base64.getUrlEncoder().withoutPadding().encodeToString(forged)), "byte " + i);
    }
    // A tag made for the previous bucket does not move to the current one.
    byte[] moved = Base64.getUrlDecoder().decode(at(BUCKET_START.minusSeconds(60)).issue());
    moved[7]++;
    assertFalse(nonces.isCurrent(Base64.getUrlEncoder().withoutPadding().encodeToString(moved)));
  }

  @Test
  void isCurrent_garbage_isRefused() {
    DpopNonces nonces = at(BUCKET_START);
    String nonce = nonces.issue();

    assertFalse(nonces.isCurrent(null));
    assertFalse(nonces.isCurrent(""));
    assertFalse(nonces.isCurrent(nonce + "A"));
    assertFalse(nonces.isCurrent(nonce.substring(1)));
    assertFalse(nonces.isCurrent(nonce.replace('A', '+').replace('B', '/') + ""));
    assertFalse(nonces.isCurrent("=".repeat(32)));
    assertFalse(nonces.isCurrent("\u00e9".repeat(32)));
  }

  @Test
  void issue_isStableWithinABucket_andChangesAcrossBuckets() {
    assertEquals(at(BUCKET_START).issue(), at(BUCKET_START.plusSeconds(30)).issue());
    assertNotEquals(at(BUCKET_START).issue(), at(BUCKET_START.plusSeconds(60)).issue());
    assertEquals(32, at(BUCKET_START).issue().length());
  }

  @Test
  void nonces_areSharedByNodesWithTheSameSecret() {
    DpopNonces nodeA = at(BUCKET_START);
    DpopNonces nodeB = DpopNonces.create(SECRET.clone(), Clock.fixed(BUCKET_START.plusSeconds(5), ZoneOffset.UTC));

    assertTrue(nodeB.isCurrent(nodeA.issue()));
  }

  @Test
  void create_rejectsBadSecretOrBucket() {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    assertThrows(IllegalArgumentException.class, () -> DpopNonces.create(new byte[16], clock));
    assertThrows(IllegalArgumentException.class, () -> DpopNonces.create(SECRET, clock, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> DpopNonces.create(SECRET, clock, Duration.ofHours(2)));
    assertThrows(IllegalArgumentException.class, () -> DpopNonces.create(SECRET, clock, Duration.ofMillis(30500)));
  }

  @Test
  void create_copiesTheSecret() {
    byte[] secret = secret(9);
    DpopNonces nonces = DpopNonces.create(secret, Clock.fixed(NOW, ZoneOffset.UTC));
    String before = nonces.issue();

    secret[0] ^= 1;

    assertEquals(before, nonces.issue());
  }

  @Test
  void toString_doesNotShowTheSecret() {
    String text = at(NOW).toString();

    assertTrue(text.contains("redacted"), text);
    assertEquals("DpopNonces[bucket=60s, secret=redacted]", text);
  }
}
