package dev.ephyr.protocol.ulid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.testing.TokenKit;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** ULIDs: canonical form, the clock's millisecond, and strict monotonicity within a millisecond. */
class UlidGeneratorTest {
  static final Instant T = Instant.parse("2026-11-27T12:00:00.123Z");
  static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

  static BigInteger value(String ulid) {
    BigInteger v = BigInteger.ZERO;
    for (char c : ulid.toCharArray()) {
      v = v.shiftLeft(5).add(BigInteger.valueOf(ALPHABET.indexOf(c)));
    }
    return v;
  }

  @Test
  void next_fixedClock_isCanonicalCarriesTheMillisecondAndIncrementsByOne() {
    UlidGenerator g = new UlidGenerator(Clock.fixed(T, ZoneOffset.UTC), TokenKit.deterministic(1));
    String prev = g.next();
    assertTrue(Ulid.isValid(prev), prev);
    assertEquals(T.toEpochMilli(), Ulid.timestamp(prev));
    for (int i = 0; i < 10_000; i++) {
      String next = g.next();
      assertTrue(Ulid.isValid(next), next);
      assertEquals(T.toEpochMilli(), Ulid.timestamp(next), "id " + i);
      assertTrue(next.compareTo(prev) > 0, prev + " then " + next);
      assertEquals(value(prev).add(BigInteger.ONE), value(next), "id " + i);
      prev = next;
    }
  }

  @Test
  void next_randomPartAllOnes_carriesIntoTheTimestamp_andStaysIncreasing() {
    SecureRandom ones = new SecureRandom() {
      private static final long serialVersionUID = 1L;

      @Override
      public void nextBytes(byte[] bytes) {
        Arrays.fill(bytes, (byte) 0xff);
      }

      @Override
      public int nextInt() {
        return -1;
      }

      @Override
      public long nextLong() {
        return -1L;
      }
    };
    UlidGenerator g = new UlidGenerator(Clock.fixed(T, ZoneOffset.UTC), ones);
    String first = g.next();
    assertTrue(first.endsWith("ZZZZZZZZZZZZZZZZ"), first);
    String second = g.next();
    assertTrue(second.compareTo(first) > 0, first + " then " + second);
    assertEquals(T.toEpochMilli() + 1, Ulid.timestamp(second));
    assertTrue(second.endsWith("0000000000000000"), second);
    assertTrue(g.next().compareTo(second) > 0);
  }

  @Test
  void next_clockSteppingBack_neverGoesBackwards() {
    Instant[] now = {T};
    Clock clock = new Clock() {
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
        return now[0];
      }
    };
    UlidGenerator g = new UlidGenerator(clock, TokenKit.deterministic(2));
    String a = g.next();
    now[0] = T.minusSeconds(10);
    String b = g.next();
    assertTrue(b.compareTo(a) > 0);
    assertEquals(T.toEpochMilli(), Ulid.timestamp(b));
    now[0] = T.plusMillis(5);
    String c = g.next();
    assertTrue(c.compareTo(b) > 0);
    assertEquals(T.toEpochMilli() + 5, Ulid.timestamp(c));
  }

  @Test
  void encode_matchesBigIntegerLayout() {
    java.util.Random r = new java.util.Random(3);
    for (int n = 0; n < 2000; n++) {
      long millis = r.nextLong() >>> 16; // 48 bits
      long hi = r.nextInt() & 0xffffL;
      long lo = r.nextLong();
      BigInteger expected = BigInteger.valueOf(millis).shiftLeft(80)
          .or(BigInteger.valueOf(hi).shiftLeft(64))
          .or(new BigInteger(Long.toUnsignedString(lo)));
      String s = UlidGenerator.encode(millis, hi, lo);
      assertEquals(expected, value(s), "case " + n);
      assertTrue(Ulid.isValid(s), s);
      assertEquals(millis, Ulid.timestamp(s));
    }
  }

  @Test
  void isValid_rejectsNonCanonicalText() {
    String good = "01JDQ4Y3ZK8M2N5P7R9S0T1V2W";
    assertTrue(Ulid.isValid(good));
    for (String bad : new String[] {good.toLowerCase(), good.substring(1), good + "0", "81JDQ4Y3ZK8M2N5P7R9S0T1V2W",
        "01JDQ4Y3ZK8M2N5P7R9S0T1V2U", "01JDQ4Y3ZK8M2N5P7R9S0T1V2I", "01JDQ4Y3ZK8M2N5P7R9S0T1V2L",
        "01JDQ4Y3ZK8M2N5P7R9S0T1V2O", "01JDQ4Y3ZK8M2N5P7R9S0T1V2\u00e9", "", null}) {
      assertFalse(Ulid.isValid(bad), String.valueOf(bad));
    }
    assertFalse(Ulid.isValid(good.getBytes(), 1));
    byte[] b = good.getBytes();
    b[3] = (byte) 0xc3;
    assertFalse(Ulid.isValid(b, 0));
  }
}
