package dev.ephyr.protocol.verify;

import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.dpop.DpopVerifier;
import dev.ephyr.protocol.keys.Keyring;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.time.Duration;

/** Shared test fixtures: a fixed clock, a deterministic keyring, tokens and a verifier over them. */
final class Fixtures {
  static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final String URL = "https://broker.example/mcp";
  static final String ROOT = "01JDQ4Y3ZK8M2N5P7R9S0T1V2W";
  static final String CHILD = "01JDQ4Y3ZK8M2N5P7R9S0T1V2X";
  static final String GRANDCHILD = "01JDQ4Y3ZK8M2N5P7R9S0T1V2Y";

  private Fixtures() {}

  static Keyring keyring() {
    return Keyring.generate("k1", deterministic(1));
  }

  static SecureRandom deterministic(long seed) {
    return dev.ephyr.protocol.testing.TokenKit.deterministic(seed);
  }

  static Envelope wide() {
    return dev.ephyr.protocol.testing.TokenKit.wide();
  }

  static TaskGrant rootGrant(Envelope e) {
    return new TaskGrant(ROOT, 0, "claude", "urn:ephyr:agent:claude", null, null, e);
  }

  /** Watermarks in a plain map. */
  static final class MapWatermarks implements WatermarkLookup {
    final Map<String, Long> marks = new ConcurrentHashMap<>();
    volatile boolean available = true;

    @Override
    public long watermark(String taskId) {
      return marks.getOrDefault(taskId, 0L);
    }

    @Override
    public boolean available() {
      return available;
    }
  }

  /** Replay check in a plain set. */
  static final class SetReplay implements ReplayCheck {
    final Map<String, Instant> seen = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<Boolean> firstUse(String key, Instant keepUntil) {
      return CompletableFuture.completedFuture(seen.putIfAbsent(key, keepUntil) == null);
    }
  }

  static TokenVerifier verifier(Keyring k, WatermarkLookup w, ReplayCheck r) {
    return TokenVerifier.builder(k).watermarks(w).replay(r).dpop(dpop()).clock(CLOCK).build();
  }

  static DpopVerifier dpop() {
    return DpopVerifier.builder().clock(CLOCK).build();
  }

  static RequestFacts get() {
    return RequestFacts.builder("POST", URL).build();
  }

  static Verification verifyNow(TokenVerifier v, String token, RequestFacts f) {
    return v.verify(token, f).toCompletableFuture().join();
  }

  static Duration minutes(long m) {
    return Duration.ofMinutes(m);
  }
}
