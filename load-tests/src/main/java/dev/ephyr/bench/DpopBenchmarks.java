package dev.ephyr.bench;

import dev.ephyr.protocol.dpop.DpopCheck;
import dev.ephyr.protocol.dpop.DpopProofBuilder;
import dev.ephyr.protocol.dpop.DpopRequest;
import dev.ephyr.protocol.dpop.DpopVerifier;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import dev.ephyr.protocol.verify.RequestFacts;
import dev.ephyr.protocol.verify.TaskGrant;
import dev.ephyr.protocol.verify.TokenVerifier;
import dev.ephyr.protocol.verify.Verification;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
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
 * Proof-of-possession costs: a full DPoP proof check (parse, thumbprint, Ed25519, claims, {@code ath},
 * {@code bh}) against a bare BouncyCastle Ed25519 verify of a message of the same size, in the same run;
 * and a whole bound-token verification including the proof.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DpopBenchmarks {
  private DpopVerifier dpop;
  private DpopRequest request;
  private String proof;
  private byte[] publicKey;
  private byte[] signature;
  private byte[] signedMessage;
  private TokenVerifier tokens;
  private String boundToken;
  private RequestFacts boundFacts;

  @Setup
  public void setup() {
    TokenFixtures fixtures = new TokenFixtures();
    HolderKeyPair key = HolderKeyPair.generate(new SecureRandom());
    byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"task_info\"}}"
        .getBytes(StandardCharsets.UTF_8);
    boundToken = fixtures.minter.mintRoot(new TaskGrant(TokenFixtures.TASKS[0], 0, "claude",
        "urn:ephyr:agent:claude", key.jkt(), null, TokenFixtures.rootEnvelope()));
    proof = DpopProofBuilder.forKey(key).method("POST").url(TokenFixtures.URL).accessToken(boundToken).body(body)
        .issuedAt(TokenFixtures.NOW).build();
    dpop = DpopVerifier.builder().clock(Clock.fixed(TokenFixtures.NOW, ZoneOffset.UTC)).build();
    request = new DpopRequest("POST", TokenFixtures.URL, boundToken, body, key.jkt());
    if (!(dpop.verify(proof, request) instanceof DpopCheck.Valid)) {
      throw new IllegalStateException("benchmark proof rejected: " + dpop.verify(proof, request));
    }
    // The bare baseline signs a message as long as the proof's signing input.
    HolderKeyPair bare = HolderKeyPair.generate(new SecureRandom());
    signedMessage = proof.substring(0, proof.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII);
    byte[] seed = bare.seedForStorage(dev.ephyr.protocol.InsecureSecretAccess.get());
    publicKey = bare.publicKey().toRaw();
    signature = new byte[Ed25519.SIGNATURE_SIZE];
    Ed25519.sign(seed, 0, publicKey, 0, signedMessage, 0, signedMessage.length, signature, 0);
    if (!bareEd25519Verify()) {
      throw new IllegalStateException("bare signature does not verify");
    }
    tokens = fixtures.verifier;
    boundFacts = RequestFacts.builder("POST", TokenFixtures.URL).proof(proof).body(body).build();
  }

  /** The whole DPoP proof check with a cached holder key. */
  @Benchmark
  public DpopCheck dpopVerify() {
    return dpop.verify(proof, request);
  }

  /** Baseline: BouncyCastle's low-level Ed25519 verify of a message of the proof's length. */
  @Benchmark
  public boolean bareEd25519Verify() {
    return Ed25519.verify(signature, 0, publicKey, 0, signedMessage, 0, signedMessage.length);
  }

  /**
   * A bound root token verified with its proof. The replay check always answers "fresh" here, so the
   * same proof can be reused; the cluster's replay cache is benchmarked in the cluster suite.
   */
  @Benchmark
  public Verification verifyBoundRoot() {
    return tokens.verify(boundToken, boundFacts).toCompletableFuture().join();
  }
}
