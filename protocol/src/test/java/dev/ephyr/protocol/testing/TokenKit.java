package dev.ephyr.protocol.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.caveat.BrokerFacts;
import dev.ephyr.protocol.caveat.Dimension;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.caveat.ToolGrant;
import dev.ephyr.protocol.dpop.DpopVerifier;
import dev.ephyr.protocol.internal.Base64Url;
import dev.ephyr.protocol.keys.HopKey;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.macaroon.Macaroon;
import dev.ephyr.protocol.macaroon.MacaroonFormatException;
import dev.ephyr.protocol.ulid.UlidGenerator;
import dev.ephyr.protocol.verify.Principal;
import dev.ephyr.protocol.verify.ReplayCheck;
import dev.ephyr.protocol.verify.RequestFacts;
import dev.ephyr.protocol.verify.TaskGrant;
import dev.ephyr.protocol.verify.TokenMinter;
import dev.ephyr.protocol.verify.TokenVerifier;
import dev.ephyr.protocol.verify.Verification;
import dev.ephyr.protocol.verify.WatermarkLookup;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A deterministic broker for tests: a seeded keyring, a fixed clock, a ULID generator, a minter and a
 * bearer-token verifier over a plain watermark map. Every verification goes through {@link #verify},
 * which turns an exception escaping the verifier into a test failure naming the token.
 */
public final class TokenKit {
  public static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  public static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  public static final String URL = "https://broker.example/mcp";
  public static final String AGENT = "claude";

  public final Keyring keyring;
  public final TokenMinter minter;
  public final MapWatermarks watermarks = new MapWatermarks();
  public final TokenVerifier verifier;
  private final UlidGenerator ulids;

  /** A kit whose keyring (kid {@code k1}) and task ids derive from {@code seed}. */
  public TokenKit(long seed) {
    this(Keyring.generate("k1", deterministic(seed)), seed);
  }

  /** A kit over a given keyring. */
  public TokenKit(Keyring keyring, long seed) {
    this.keyring = keyring;
    this.minter = new TokenMinter(keyring);
    this.verifier = TokenVerifier.builder(keyring).watermarks(watermarks).replay(new SetReplay())
        .dpop(DpopVerifier.builder().clock(CLOCK).build()).clock(CLOCK).build();
    this.ulids = new UlidGenerator(CLOCK, deterministic(seed ^ 0x5eed));
  }

  /** A {@link SecureRandom} that is really a seeded {@link Random}: reproducible keys and ids. */
  public static SecureRandom deterministic(long seed) {
    return new SecureRandom() {
      private static final long serialVersionUID = 1L;
      private final Random inner = new Random(seed);

      @Override
      public void nextBytes(byte[] bytes) {
        inner.nextBytes(bytes);
      }
    };
  }

  /** A fresh task id (strictly increasing within this kit). */
  public String newTask() {
    return ulids.next();
  }

  /** A generous envelope: every dimension finite, one hour, delegation to depth 5. */
  public static Envelope wide() {
    return Envelope.builder()
        .set(Dimension.TARGETS, IdSet.of("web", "db"))
        .set(Dimension.ROLES, IdSet.of("read", "deploy"))
        .set(Dimension.SERVICES, IdSet.of("gitea"))
        .set(Dimension.METHODS, IdSet.of("GET", "POST"))
        .set(Dimension.REMOTES, IdSet.of("gh"))
        .tools(ToolGrant.of("gh.list_*", "gh.get_repo"))
        .expiresAt(NOW.getEpochSecond() + 3600)
        .delegate(true)
        .maxDepth(5)
        .build();
  }

  /** A root grant for a new task of agent {@link #AGENT}. */
  public TaskGrant rootGrant(Envelope e) {
    return new TaskGrant(newTask(), 0, AGENT, "urn:ephyr:agent:" + AGENT, null, null, e);
  }

  /** Mints a root token for a new task with envelope {@code e}. */
  public String mintRoot(Envelope e) {
    return minter.mintRoot(rootGrant(e));
  }

  /** Verifies a bearer token for an ordinary request; an exception is a test failure. */
  public Verification verify(String token) {
    return verify(token, RequestFacts.builder("POST", URL).build());
  }

  /** Verifies with given request facts; an exception (or an exceptional stage) is a test failure. */
  public Verification verify(String token, RequestFacts facts) {
    try {
      Verification v = verifier.verify(token, facts).toCompletableFuture().join();
      if (v == null) {
        fail("verifier returned null for " + abbreviate(token));
      }
      if (v instanceof Verification.Rejected r && r.reason() == null) {
        fail("verifier rejected without a reason: " + abbreviate(token));
      }
      return v;
    } catch (RuntimeException | StackOverflowError e) {
      throw new AssertionError("verifier threw " + e + " for token " + abbreviate(token), e);
    }
  }

  /** Verifies and requires acceptance. */
  public Principal accept(String token) {
    Verification v = verify(token);
    if (v instanceof Verification.Rejected r) {
      fail("expected acceptance but got " + r.reason() + " (" + r.auditDetail() + ") for " + abbreviate(token));
    }
    return ((Verification.Accepted) v).principal();
  }

  /** The reason of a rejection, or {@code null} when accepted. */
  public Reason reasonOf(String token) {
    Verification v = verify(token);
    return v instanceof Verification.Rejected r ? r.reason() : null;
  }

  /** Delegates from the verified {@code parent} token to a new task with {@code child} envelope. */
  public String delegate(String parent, Envelope child) {
    return delegate(parent, child, 0, null, null);
  }

  /** Delegates with explicit epoch, holder and bind deadline. */
  public String delegate(String parent, Envelope child, long epoch, String holder, Long bindBy) {
    Principal p = accept(parent);
    return minter.delegate(p, new TaskGrant(newTask(), epoch, "sub-" + p.depth(),
        "urn:ephyr:task:" + p.actingTask().task(), holder, bindBy, child));
  }

  /** {@code token} with one more caveat appended by a holder (no key needed). */
  public static String append(String token, String caveat) {
    return parse(token).withCaveat(caveat).toText();
  }

  /** {@code token} with one more caveat given as raw bytes. */
  public static String append(String token, byte[] caveat) {
    return parse(token).withCaveat(caveat).toText();
  }

  /** Appends a correctly tagged broker fact, as the broker would (the test plays the broker). */
  public String appendFact(String token, String body) {
    Macaroon m = parse(token);
    String kid = m.identifierText().split("/")[1];
    HopKey hop = keyring.hopKey(kid);
    String tag = hop.tag(m.signature(), body.getBytes(StandardCharsets.US_ASCII));
    return m.withCaveat(BrokerFacts.withTag(body, tag)).toText();
  }

  /** Parses token text, failing the test if it does not parse. */
  public static Macaroon parse(String token) {
    try {
      return Macaroon.parseText(token);
    } catch (MacaroonFormatException e) {
      throw new AssertionError("token does not parse: " + e.getMessage(), e);
    }
  }

  /** The V2 bytes of a token text. */
  public static byte[] binary(String token) {
    return parse(token).toBinary();
  }

  /** The token text of V2 bytes (no validation). */
  public static String text(byte[] binary) {
    return Macaroon.TEXT_PREFIX + Base64Url.encode(binary);
  }

  /** The caveat texts of a token. */
  public static List<String> caveats(String token) {
    Macaroon m = parse(token);
    String[] out = new String[m.caveatCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = m.caveatText(i);
    }
    return List.of(out);
  }

  /** Keeps messages readable. */
  public static String abbreviate(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() <= 200 ? s : s.substring(0, 200) + "…(" + s.length() + " chars)";
  }

  /** Watermarks in a plain map. */
  public static final class MapWatermarks implements WatermarkLookup {
    public final Map<String, Long> marks = new ConcurrentHashMap<>();

    @Override
    public long watermark(String taskId) {
      return marks.getOrDefault(taskId, 0L);
    }

    @Override
    public boolean available() {
      return true;
    }
  }

  /** Replay check in a plain map (never consulted for bearer tokens). */
  public static final class SetReplay implements ReplayCheck {
    final Map<String, Instant> seen = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<Boolean> firstUse(String key, Instant keepUntil) {
      return CompletableFuture.completedFuture(seen.putIfAbsent(key, keepUntil) == null);
    }
  }
}
