package dev.ephyr.protocol.verify;

import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.dpop.DpopCheck;
import dev.ephyr.protocol.dpop.DpopRequest;
import dev.ephyr.protocol.dpop.DpopVerifier;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.macaroon.MacaroonFormatException;
import dev.ephyr.protocol.macaroon.MacaroonText;
import dev.ephyr.protocol.macaroon.MacaroonV2;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The one way to verify a task token, as a straight sequence of named steps, each of which passes its
 * result on or ends verification with a {@link Verification.Rejected}: decode and scan (sizes first) and
 * identify the key ({@code identify}); replay the HMAC chain from the tree's root signature and compare in
 * constant time ({@link ChainReplay}); parse and reduce caveats, check every broker fact's tag at its
 * position and apply the lineage rules ({@link LineageRules}); then, per request, expiry, revocation
 * watermarks of every hop, bind-first for tasks with a bind deadline ({@code bindFirst}), and a fresh
 * single-use proof of possession when the acting task is bound ({@code proofOfPossession}). The static
 * steps' results are remembered by {@link VerifiedChains}.
 *
 * <p>Thread-safe. Everything up to the replay check is synchronous and allocation-light; the replay
 * check (only for proofs) is the one asynchronous step, and the lineage is checked against the watermarks
 * again when it completes ({@link #recheck}), so a revoke acknowledged meanwhile refuses the request.
 */
public final class TokenVerifier {
  private final Keyring keyring;
  private final WatermarkLookup watermarks;
  private final ReplayCheck replay;
  private final DpopVerifier dpop;
  private final Clock clock;
  private final ChainReplay replayer;
  private final ThreadLocal<ChainScratch> scratch = ThreadLocal.withInitial(ChainScratch::new);
  private final VerifiedChains chains;

  private TokenVerifier(Builder b) {
    this.keyring = b.keyring;
    this.watermarks = b.watermarks;
    this.replay = b.replay;
    this.dpop = b.dpop;
    this.clock = b.clock;
    this.chains = new VerifiedChains(b.chainCacheSize);
    this.replayer = new ChainReplay(b.keyring);
  }

  /** A builder; keyring, watermarks, replay check and DPoP verifier must all be given explicitly. */
  public static Builder builder(Keyring keyring) {
    return new Builder(keyring);
  }

  /**
   * Verifies {@code tokenText} for the request described by {@code facts}. The stage never completes
   * exceptionally: a failing replay store yields {@link Reason#REPLAY_UNAVAILABLE}.
   */
  public CompletionStage<Verification> verify(String tokenText, RequestFacts facts) {
    RequestCheck checked = check(tokenText, facts);
    if (checked instanceof RequestCheck.Decided decided) {
      return CompletableFuture.completedFuture(decided.verification());
    }
    RequestCheck.SpendProof spend = (RequestCheck.SpendProof) checked;
    CompletionStage<Boolean> first;
    try {
      first = replay.firstUse(spend.replayKey(), spend.replayUntil());
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(
          new Verification.Rejected(Reason.REPLAY_UNAVAILABLE, "replay store failed: " + e.getClass().getSimpleName()));
    }
    return first.handle((fresh, failure) -> {
      if (failure != null) {
        return new Verification.Rejected(Reason.REPLAY_UNAVAILABLE,
            "replay store failed: " + failure.getClass().getSimpleName());
      }
      if (!Boolean.TRUE.equals(fresh)) {
        return new Verification.Rejected(Reason.REPLAYED, "proof id was used before");
      }
      // A revoke acknowledged while the proof was being spent must still refuse this request.
      return recheck(spend.accepted().principal());
    });
  }

  /**
   * Checks {@code principal} against the revocation view again: every hop's watermark, the view's
   * availability and the token's expiry. Callers run it after every asynchronous step that follows
   * verification (and right before acting with side effects), so nothing is accepted after a revoke was
   * acknowledged. Costs O(depth) local reads; never blocks.
   *
   * @return {@link Verification.Accepted} with the same principal, or the reason it is no longer valid
   */
  public Verification recheck(Principal principal) {
    Objects.requireNonNull(principal, "principal");
    if (clock.instant().getEpochSecond() >= principal.envelope().expiresAt()) {
      return new Verification.Rejected(Reason.EXPIRED, "token expired at " + principal.envelope().expiresAt());
    }
    Verification.Rejected revoked = revoked(principal.lineage());
    return revoked != null ? revoked : new Verification.Accepted(principal);
  }

  /** The lineage's revocation state from the local view, or {@code null} when every hop is still valid. */
  private Verification.Rejected revoked(List<TaskHop> lineage) {
    if (!watermarks.available()) {
      return new Verification.Rejected(Reason.CLUSTER_UNAVAILABLE, "revocation view unavailable");
    }
    for (TaskHop h : lineage) {
      if (watermarks.watermark(h.task()) > h.epoch()) {
        return new Verification.Rejected(Reason.REVOKED, "task " + h.task() + " epoch " + h.epoch() + " is revoked");
      }
    }
    return null;
  }

  /**
   * Result of the synchronous steps: a final verification, or an acceptance that still needs its proof
   * spent in the replay store.
   */
  private sealed interface RequestCheck {
    /** Nothing asynchronous is left. */
    record Decided(Verification verification) implements RequestCheck {}

    /** Accepted once {@code replayKey} is spent for the first time. */
    record SpendProof(Verification.Accepted accepted, String replayKey, Instant replayUntil)
        implements RequestCheck {}

    static RequestCheck rejected(Reason reason, String detail) {
      return new Decided(new Verification.Rejected(reason, detail));
    }
  }

  /** The synchronous steps, in order: decode, static chain checks (cached), per-request checks. */
  private RequestCheck check(String tokenText, RequestFacts facts) {
    Objects.requireNonNull(facts, "facts");
    byte[] bytes;
    try {
      bytes = MacaroonText.decode(tokenText);
    } catch (MacaroonFormatException e) {
      return RequestCheck.rejected(e.reason(), e.getMessage());
    }
    VerifiedChains.Chain chain = chains.get(bytes);
    if (chain == null) {
      Step<VerifiedChains.Chain> result = checkChain(bytes);
      if (result instanceof Step.Fail<VerifiedChains.Chain> fail) {
        return new RequestCheck.Decided(fail.rejection());
      }
      chain = ((Step.Pass<VerifiedChains.Chain>) result).value();
      chains.put(chain);
    }
    return checkRequest(chain, tokenText, facts);
  }

  /**
   * The checks that depend only on the token's bytes and the keyring, in order: layout, identifier and
   * key id ({@link #identify}), HMAC chain ({@link ChainReplay}), caveats and lineage ({@link LineageRules}).
   */
  private Step<VerifiedChains.Chain> checkChain(byte[] bytes) {
    ChainScratch s = scratch.get();
    Step<TokenIdentifier> identified = identify(bytes, s);
    if (identified instanceof Step.Fail<TokenIdentifier> fail) {
      return new Step.Fail<>(fail.rejection());
    }
    TokenIdentifier id = ((Step.Pass<TokenIdentifier>) identified).value();
    if (!replayer.matches(bytes, id, s)) {
      return Step.fail(Reason.BAD_SIGNATURE, "signature does not match the chain");
    }
    return LineageRules.check(bytes, id, keyring.hopKey(id.kid()), s);
  }

  /** Scans the layout into {@code s} and reads the identifier: a known key id, or a refusal. */
  private Step<TokenIdentifier> identify(byte[] bytes, ChainScratch s) {
    try {
      MacaroonV2.scan(bytes, 0, bytes.length, s.layout);
    } catch (MacaroonFormatException e) {
      return Step.fail(e.reason(), e.getMessage());
    }
    TokenIdentifier id = TokenIdentifier.parse(bytes, s.layout.identifierOffset(), s.layout.identifierLength());
    if (id == null) {
      return Step.fail(Reason.MALFORMED, "identifier is not e1/<kid>/<ulid>");
    }
    if (!keyring.contains(id.kid())) {
      return Step.fail(Reason.UNKNOWN_KEY, "key id '" + id.kid() + "' is not in the keyring");
    }
    return new Step.Pass<>(id);
  }

  /**
   * The checks that depend on time, cluster state and the request, run for every request in order:
   * expiry, revocation, bind-first, proof of possession.
   */
  private RequestCheck checkRequest(VerifiedChains.Chain chain, String tokenText, RequestFacts facts) {
    Envelope envelope = chain.envelope();
    List<TaskHop> lineage = chain.lineage();
    long now = clock.instant().getEpochSecond();
    if (now >= envelope.expiresAt()) {
      return RequestCheck.rejected(Reason.EXPIRED, "token expired at " + envelope.expiresAt());
    }
    Verification.Rejected revoked = revoked(lineage);
    if (revoked != null) {
      return new RequestCheck.Decided(revoked);
    }
    TaskHop acting = lineage.get(lineage.size() - 1);
    RequestCheck unbound = bindFirst(acting, facts, now);
    if (unbound != null) {
      return unbound;
    }
    boolean needProof = acting.bound() || facts.purpose() == Purpose.BIND;
    if (needProof) {
      return proofOfPossession(chain, acting, tokenText, facts);
    }
    Verification.Accepted accepted = new Verification.Accepted(
        new Principal(chain.identifier(), lineage, envelope, null, chain.bytes()));
    return facts.proof() == null ? new RequestCheck.Decided(accepted) : unneededProof(accepted, tokenText, facts);
  }

  /**
   * A proof sent with an unbound token is still checked and spent (RFC 9449 §7.1): a broken or replayed proof is
   * refused rather than ignored. It adds no key to the principal — anyone holding an unbound token can sign a proof
   * with a key of their own, so it proves possession of nothing.
   */
  private RequestCheck unneededProof(Verification.Accepted accepted, String tokenText, RequestFacts facts) {
    DpopCheck proof = dpop.verifyBinding(facts.proof(),
        DpopRequest.forBinding(facts.method(), facts.url(), tokenText, facts.body()));
    if (proof instanceof DpopCheck.Invalid bad) {
      return RequestCheck.rejected(bad.reason(), bad.detail());
    }
    DpopCheck.Valid ok = (DpopCheck.Valid) proof;
    return new RequestCheck.SpendProof(accepted, ok.replayKey(), ok.rememberUntil());
  }

  /** A task with a pending bind deadline may only be bound, and only before its deadline. */
  private static RequestCheck bindFirst(TaskHop acting, RequestFacts facts, long now) {
    if (!acting.bindPending()) {
      return null;
    }
    if (facts.purpose() != Purpose.BIND) {
      return RequestCheck.rejected(Reason.BIND_REQUIRED, "task " + acting.task() + " must be bound first");
    }
    if (now >= acting.bindBy()) {
      return RequestCheck.rejected(Reason.BIND_EXPIRED, "bind deadline " + acting.bindBy() + " has passed");
    }
    return null;
  }

  /** A bound task (or a binding) needs a DPoP proof by its holder key (or by the key being bound). */
  private RequestCheck proofOfPossession(VerifiedChains.Chain chain, TaskHop acting, String tokenText,
      RequestFacts facts) {
    if (facts.proof() == null) {
      return RequestCheck.rejected(Reason.POP_REQUIRED,
          acting.bound() ? "task is bound to a holder key; a DPoP proof is required" : "binding needs a DPoP proof");
    }
    DpopCheck proof = acting.bound()
        ? dpop.verify(facts.proof(),
            new DpopRequest(facts.method(), facts.url(), tokenText, facts.body(), acting.holder()))
        : dpop.verifyBinding(facts.proof(),
            DpopRequest.forBinding(facts.method(), facts.url(), tokenText, facts.body()));
    if (proof instanceof DpopCheck.Invalid bad) {
      return RequestCheck.rejected(bad.reason(), bad.detail());
    }
    DpopCheck.Valid ok = (DpopCheck.Valid) proof;
    Principal principal = new Principal(chain.identifier(), chain.lineage(), chain.envelope(), ok.jkt(), chain.bytes());
    return new RequestCheck.SpendProof(new Verification.Accepted(principal), ok.replayKey(), ok.rememberUntil());
  }

  /** Builds a verifier. Nothing has a permissive default: each collaborator is named explicitly. */
  public static final class Builder {
    private final Keyring keyring;
    private WatermarkLookup watermarks;
    private ReplayCheck replay;
    private DpopVerifier dpop;
    private Clock clock = Clock.systemUTC();
    private int chainCacheSize = 4096;

    private Builder(Keyring keyring) {
      this.keyring = Objects.requireNonNull(keyring, "keyring");
    }

    /** Where revocation watermarks are looked up. */
    public Builder watermarks(WatermarkLookup watermarks) {
      this.watermarks = Objects.requireNonNull(watermarks);
      return this;
    }

    /** Where proof ids are spent. */
    public Builder replay(ReplayCheck replay) {
      this.replay = Objects.requireNonNull(replay);
      return this;
    }

    /** How proofs are checked. */
    public Builder dpop(DpopVerifier dpop) {
      this.dpop = Objects.requireNonNull(dpop);
      return this;
    }

    /** The clock for expiry and bind deadlines (default: system UTC). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /**
     * How many verified tokens to remember, so repeated use of a token skips its HMAC chain (default
     * 4096; 0 turns the cache off). Only static checks are remembered; see {@link VerifiedChains}.
     */
    public Builder chainCacheSize(int entries) {
      if (entries < 0 || entries > 1_000_000) {
        throw new IllegalArgumentException("chain cache size must be between 0 and 1,000,000");
      }
      this.chainCacheSize = entries;
      return this;
    }

    /** The verifier. */
    public TokenVerifier build() {
      if (watermarks == null || replay == null || dpop == null) {
        throw new IllegalStateException("watermarks, replay and dpop must be set");
      }
      return new TokenVerifier(this);
    }
  }
}
