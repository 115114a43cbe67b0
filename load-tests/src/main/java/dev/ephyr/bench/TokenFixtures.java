package dev.ephyr.bench;

import dev.ephyr.protocol.caveat.Dimension;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.caveat.ToolGrant;
import dev.ephyr.protocol.dpop.DpopVerifier;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.verify.Principal;
import dev.ephyr.protocol.verify.ReplayCheck;
import dev.ephyr.protocol.verify.RequestFacts;
import dev.ephyr.protocol.verify.TaskGrant;
import dev.ephyr.protocol.verify.TokenMinter;
import dev.ephyr.protocol.verify.TokenVerifier;
import dev.ephyr.protocol.verify.Verification;
import dev.ephyr.protocol.verify.WatermarkLookup;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The tokens the benchmarks measure, built the way the broker builds them: a root with every dimension
 * written, then delegation hops that each add a task fact and narrowing restrictions.
 */
final class TokenFixtures {
  static final String URL = "https://broker.example/mcp";
  static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  static final String[] TASKS = {
    "01JDQ4Y3ZK8M2N5P7R9S0T1V30", "01JDQ4Y3ZK8M2N5P7R9S0T1V31", "01JDQ4Y3ZK8M2N5P7R9S0T1V32",
    "01JDQ4Y3ZK8M2N5P7R9S0T1V33", "01JDQ4Y3ZK8M2N5P7R9S0T1V34", "01JDQ4Y3ZK8M2N5P7R9S0T1V35"
  };

  final Keyring keyring = Keyring.generate("k1", new SecureRandom());
  final TokenMinter minter = new TokenMinter(keyring);
  final TokenVerifier verifier = verifier(keyring);
  final RequestFacts facts = RequestFacts.builder("POST", URL).build();

  static TokenVerifier verifier(Keyring keyring) {
    return verifierBuilder(keyring).build();
  }

  static TokenVerifier.Builder verifierBuilder(Keyring keyring) {
    ReplayCheck everyProofFresh = (key, until) -> CompletableFuture.completedFuture(true);
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    return TokenVerifier.builder(keyring).watermarks(WatermarkLookup.none()).replay(everyProofFresh)
        .dpop(DpopVerifier.builder().clock(clock).build()).clock(clock);
  }

  static Envelope rootEnvelope() {
    return Envelope.builder()
        .set(Dimension.TARGETS, IdSet.of("web-1", "web-2", "db-1", "db-2"))
        .set(Dimension.ROLES, IdSet.of("read", "deploy", "admin"))
        .set(Dimension.SERVICES, IdSet.of("gitea", "grafana"))
        .set(Dimension.METHODS, IdSet.of("GET", "HEAD", "POST"))
        .set(Dimension.REMOTES, IdSet.of("gh", "jira"))
        .tools(ToolGrant.of("gh.list_*", "gh.get_repo", "jira.search"))
        .expiresAt(NOW.getEpochSecond() + 3600)
        .delegate(true)
        .maxDepth(5)
        .build();
  }

  String root() {
    return minter.mintRoot(new TaskGrant(TASKS[0], 0, "claude", "urn:ephyr:agent:claude", null, null,
        rootEnvelope()));
  }

  /**
   * A depth-5 token whose five delegation hops add ten restrictions in all: each hop narrows the expiry
   * and one set dimension. With the root's nine dimension restrictions and six task facts, the chain has
   * 25 caveats.
   */
  String depth5() {
    String token = root();
    Envelope e = rootEnvelope();
    Object[][] narrowing = {
      {Dimension.TARGETS, IdSet.of("web-1", "web-2", "db-1")},
      {Dimension.TARGETS, IdSet.of("web-1", "web-2")},
      {Dimension.ROLES, IdSet.of("deploy", "read")},
      {Dimension.METHODS, IdSet.of("GET", "HEAD")},
      {Dimension.SERVICES, IdSet.of("gitea")},
    };
    for (int hop = 1; hop <= 5; hop++) {
      Principal parent = accept(token);
      Envelope.Builder b = Envelope.builder();
      for (Dimension d : Dimension.values()) {
        b.set(d, IdSet.ALL);
      }
      b.set((Dimension) narrowing[hop - 1][0], (IdSet) narrowing[hop - 1][1]);
      Envelope next = e.intersect(b.tools(ToolGrant.ALL).expiresAt(e.expiresAt() - 60).delegate(true).maxDepth(5)
          .build());
      token = minter.delegate(parent, new TaskGrant(TASKS[hop], 0, "claude", "urn:ephyr:task:" + TASKS[hop - 1],
          null, null, next));
      e = next;
    }
    return token;
  }

  Principal accept(String token) {
    Verification v = verifier.verify(token, facts).toCompletableFuture().join();
    if (v instanceof Verification.Accepted a) {
      return a.principal();
    }
    throw new IllegalStateException("fixture token rejected: " + v);
  }

  /** Keeps only tokens that verify, so a benchmark never measures a fast rejection by mistake. */
  static void requireAccepted(CompletionStage<Verification> v) {
    if (!(v.toCompletableFuture().join() instanceof Verification.Accepted)) {
      throw new IllegalStateException("benchmark token was rejected: " + v.toCompletableFuture().join());
    }
  }
}
