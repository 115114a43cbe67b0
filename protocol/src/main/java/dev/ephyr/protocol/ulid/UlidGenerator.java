package dev.ephyr.protocol.ulid;

import java.security.SecureRandom;
import java.time.Clock;

/**
 * Generates ULIDs that strictly increase within one generator: ids made in the same millisecond (or
 * after the clock stepped back) increment the random part instead of drawing a new one. Thread-safe.
 */
public final class UlidGenerator {
  private final Clock clock;
  private final SecureRandom random;
  private long lastMillis = -1;
  private long randHigh; // 16 bits
  private long randLow; // 64 bits

  /** A generator reading {@code clock} and drawing from {@code random}. */
  public UlidGenerator(Clock clock, SecureRandom random) {
    this.clock = clock;
    this.random = random;
  }

  /** A generator on the system clock with a fresh {@link SecureRandom}. */
  public static UlidGenerator systemDefault() {
    return new UlidGenerator(Clock.systemUTC(), new SecureRandom());
  }

  /** The next id. */
  public synchronized String next() {
    long now = clock.millis();
    if (now > lastMillis) {
      lastMillis = now;
      randHigh = random.nextInt() & 0xffffL;
      randLow = random.nextLong();
    } else {
      // Same millisecond or clock went back: keep the last time and add one to the 80-bit random part.
      randLow++;
      if (randLow == 0) {
        randHigh = (randHigh + 1) & 0xffffL;
        if (randHigh == 0) {
          lastMillis++; // 2^80 ids in one millisecond: move on rather than repeat
        }
      }
    }
    return encode(lastMillis, randHigh, randLow);
  }

  static String encode(long millis, long high16, long low64) {
    char[] out = new char[Ulid.LENGTH];
    long t = millis;
    for (int i = 9; i >= 0; i--) {
      out[i] = Ulid.ALPHABET[(int) (t & 31)];
      t >>>= 5;
    }
    // 80 random bits = high16 then low64, written as 16 base32 digits.
    long lo = low64;
    long hi = high16;
    for (int i = 25; i >= 10; i--) {
      out[i] = Ulid.ALPHABET[(int) (lo & 31)];
      lo = (lo >>> 5) | ((hi & 31) << 59);
      hi >>>= 5;
    }
    return new String(out);
  }
}
