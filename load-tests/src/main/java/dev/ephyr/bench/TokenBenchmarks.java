package dev.ephyr.bench;

import com.github.nitram509.jmacaroons.MacaroonsSerializer;
import com.github.nitram509.jmacaroons.MacaroonsVerifier;
import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.caveat.Caveat;
import dev.ephyr.protocol.caveat.CaveatFormatException;
import dev.ephyr.protocol.caveat.CaveatParser;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.EnvelopeReducer;
import dev.ephyr.protocol.macaroon.Macaroon;
import dev.ephyr.protocol.macaroon.MacaroonFormatException;
import dev.ephyr.protocol.verify.TokenIdentifier;
import dev.ephyr.protocol.verify.TokenVerifier;
import dev.ephyr.protocol.verify.Verification;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Token hot-path costs: parsing, full verification of a root and of a depth-5 token, envelope
 * reduction, and — as the baseline in the same run — jmacaroons parsing and verifying the same depth-5
 * token with the same root key.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokenBenchmarks {
  private TokenFixtures fixtures;
  private TokenVerifier verifier;
  private TokenVerifier coldVerifier; // chain cache off: every call replays the full HMAC chain
  private String root;
  private String depth5;
  private String depth5Jmacaroons; // same bytes, without our "mac_" prefix
  private byte[] rootKey;
  private List<Caveat.Restriction> restrictions;

  @Setup
  public void setup() throws Exception {
    fixtures = new TokenFixtures();
    verifier = fixtures.verifier;
    coldVerifier = TokenFixtures.verifierBuilder(fixtures.keyring).chainCacheSize(0).build();
    root = fixtures.root();
    depth5 = fixtures.depth5();
    TokenFixtures.requireAccepted(verifier.verify(root, fixtures.facts));
    TokenFixtures.requireAccepted(verifier.verify(depth5, fixtures.facts));
    depth5Jmacaroons = depth5.substring(Macaroon.TEXT_PREFIX.length());
    TokenIdentifier id = new TokenIdentifier("k1", TokenFixtures.TASKS[0]);
    rootKey = fixtures.keyring.rootKey("k1", id.bytes()).toBytes(InsecureSecretAccess.get());
    if (!jmacaroonsParseAndVerify()) {
      throw new IllegalStateException("jmacaroons does not verify the benchmark token");
    }
    Macaroon m = Macaroon.parseText(depth5);
    restrictions = new ArrayList<>();
    for (int i = 0; i < m.caveatCount(); i++) {
      Caveat c = CaveatParser.parse(m.caveatText(i));
      if (c instanceof Caveat.Restriction r) {
        restrictions.add(r);
      }
    }
  }

  /** Text to structure: base64 and the V2 codec, for the depth-5 token. */
  @Benchmark
  public Macaroon parseDepth5() throws MacaroonFormatException {
    return Macaroon.parseText(depth5);
  }

  /** Every check of the pipeline on a root token (10 caveats), chain cache off. */
  @Benchmark
  public Verification verifyRootCold() {
    return coldVerifier.verify(root, fixtures.facts).toCompletableFuture().join();
  }

  /** Every check of the pipeline on a depth-5 token (25 caveats, 6 broker facts), chain cache off. */
  @Benchmark
  public Verification verifyDepth5Cold() {
    return coldVerifier.verify(depth5, fixtures.facts).toCompletableFuture().join();
  }

  /**
   * The same depth-5 token with the verifier's default chain cache: a token seen before skips its HMAC
   * chain; expiry, watermarks, quorum and proofs are still checked on every call.
   */
  @Benchmark
  public Verification verifyDepth5Cached() {
    return verifier.verify(depth5, fixtures.facts).toCompletableFuture().join();
  }

  /** Folding the depth-5 token's 19 parsed restrictions into an envelope. */
  @Benchmark
  public Envelope reduceDepth5() {
    EnvelopeReducer reducer = new EnvelopeReducer();
    for (Caveat.Restriction r : restrictions) {
      reducer.apply(r);
    }
    return reducer.result();
  }

  /** Parsing the depth-5 token's caveat texts (what verification does besides HMACs). */
  @Benchmark
  public int parseCaveatsDepth5() throws CaveatFormatException {
    int n = 0;
    for (Caveat.Restriction r : restrictions) {
      n += CaveatParser.parse(r.render()).hashCode() & 1;
    }
    return n;
  }

  /** Baseline: jmacaroons 0.5.0 deserializes and verifies the same depth-5 token (signature only). */
  @Benchmark
  public boolean jmacaroonsParseAndVerify() {
    com.github.nitram509.jmacaroons.Macaroon m =
        com.github.nitram509.jmacaroons.Macaroon.deserialize(depth5Jmacaroons, MacaroonsSerializer.V2);
    return new MacaroonsVerifier(m).satisfyGeneral(caveat -> true).isValid(rootKey);
  }
}
