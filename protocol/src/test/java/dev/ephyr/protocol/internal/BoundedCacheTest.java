package dev.ephyr.protocol.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The one cache type of the protocol: both bounds hold, and the eviction rule is the documented one. */
class BoundedCacheTest {
  private final AtomicLong nanos = new AtomicLong();

  private void advanceMillis(long ms) {
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  @Test
  void entriesOlderThanTheAgeBound_areNeverReturned_andDroppedWhenRead() {
    BoundedCache<String, String> c = BoundedCache.create(10, 1000, nanos::get);
    c.put("a", "1");
    advanceMillis(999);
    assertEquals("1", c.get("a"));
    advanceMillis(1);
    assertNull(c.get("a"));
    assertEquals(0, c.size());
  }

  @Test
  void sizeNeverExceedsCapacity_underAFloodOfFreshKeys() {
    BoundedCache<Integer, Integer> c = BoundedCache.create(64, 60_000, nanos::get);
    for (int i = 0; i < 10_000; i++) {
      c.put(i, i);
      assertTrue(c.size() <= 64, "size " + c.size());
    }
  }

  @Test
  void whenFull_expiredEntriesGoFirst_andLiveOnesStayIfThatFreesAQuarter() {
    BoundedCache<Integer, Integer> c = BoundedCache.create(8, 1000, nanos::get);
    for (int i = 0; i < 4; i++) {
      c.put(i, i);
    }
    advanceMillis(500);
    for (int i = 4; i < 8; i++) {
      c.put(i, i);
    }
    advanceMillis(500); // 0..3 are now expired, 4..7 are not
    c.put(8, 8);
    assertEquals(5, c.size());
    for (int i = 4; i <= 8; i++) {
      assertEquals(i, c.get(i));
    }
  }

  @Test
  void whenFull_andTooLittleHasExpired_theCacheIsEmptied() {
    BoundedCache<Integer, Integer> c = BoundedCache.create(8, 1000, nanos::get);
    for (int i = 0; i < 8; i++) {
      c.put(i, i);
    }
    c.put(8, 8);
    assertEquals(1, c.size());
    assertEquals(8, c.get(8));
  }

  @Test
  void capacityZero_keepsNothing_andBadBoundsAreRefused() {
    BoundedCache<String, String> off = BoundedCache.create(0, 1000, nanos::get);
    off.put("a", "1");
    assertNull(off.get("a"));
    assertThrows(IllegalArgumentException.class, () -> BoundedCache.create(-1, 1000));
    assertThrows(IllegalArgumentException.class, () -> BoundedCache.create(1_000_001, 1000));
    assertThrows(IllegalArgumentException.class, () -> BoundedCache.create(10, 0));
    assertThrows(NullPointerException.class, () -> BoundedCache.<String, String>create(10, 1000).put("a", null));
  }

  @Test
  void concurrentUse_staysWithinTheBound_andReturnsOnlyWhatWasPut() throws InterruptedException {
    BoundedCache<Integer, Integer> c = BoundedCache.create(100, 60_000);
    Thread[] threads = new Thread[4];
    java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    for (int t = 0; t < threads.length; t++) {
      int base = t * 100_000;
      threads[t] = new Thread(() -> {
        try {
          for (int i = 0; i < 20_000; i++) {
            c.put(base + i, -(base + i));
            Integer v = c.get(base + i / 2);
            if (v != null && v != -(base + i / 2)) {
              throw new AssertionError("wrong value for " + (base + i / 2));
            }
          }
        } catch (Throwable e) {
          failure.set(e);
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertNull(failure.get());
    // Concurrent puts may each pass the size check before either inserts: the bound holds up to the
    // number of writers.
    assertTrue(c.size() <= 100 + threads.length, "size " + c.size());
  }
}
