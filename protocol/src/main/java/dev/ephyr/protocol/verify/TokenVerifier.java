package dev.ephyr.protocol.verify;

import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.caveat.Caveat;
import dev.ephyr.protocol.caveat.CaveatFormatException;
import dev.ephyr.protocol.caveat.CaveatParser;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.EnvelopeReducer;
import dev.ephyr.protocol.dpop.DpopCheck;
import dev.ephyr.protocol.dpop.DpopRequest;
import dev.ephyr.protocol.dpop.DpopVerifier;
import dev.ephyr.protocol.internal.ConstantTime;
import dev.ephyr.protocol.internal.HmacSha256;
import dev.ephyr.protocol.keys.HopKey;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.macaroon.MacaroonChain;
import dev.ephyr.protocol.macaroon.MacaroonFormatException;
import dev.ephyr.protocol.macaroon.MacaroonLayout;
import dev.ephyr.protocol.macaroon.MacaroonText;
import dev.ephyr.protocol.macaroon.MacaroonV2;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one way to verify a task token. In order: decode and parse (sizes first); derive the tree's root
 * signature from the keyring; replay the HMAC chain and compare in constant time; check every broker
 * fact's tag at its position; parse and reduce restrictions (unknown caveats fail); check expiry;
 * check the lineage against the revocation watermarks; require a fresh single-use proof of possession
 * when the acting task is bound; enforce bind-first for tasks with a bind deadline.
 *
 * <p>Thread-safe. Everything up to the replay check is synchronous and allocation-light; the replay
 * check (only for proofs) is the one asynchronous step, and the lineage is checked against the watermarks
 * again when it completes ({@link #recheck}), so a revoke acknowledged meanwhile refuses the request.
 */
public final class TokenVerifier {
  private static final int SIG = HmacSha256.LENGTH;
  private static final int ROOT_SIGNATURE_CACHE_LIMIT = 65_536;

  private final Keyring keyring;
  private final WatermarkLookup watermarks;
  private final ReplayCheck replay;
  private final DpopVerifier dpop;
  private final Clock clock;
  // identifier -> signature of the bare root macaroon; saves three HMACs per verification. Values are
  // never mutated. Bounded by clearing: a refill costs three HMACs per tree, so no LRU is needed.
  private final ConcurrentHashMap<String, byte[]> rootSignatures = new ConcurrentHashMap<>();
  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
  private final VerifiedChains chains;

  private TokenVerifier(Builder b) {
    this.keyring = b.keyring;
    this.watermarks = b.watermarks;
    this.replay = b.replay;
    this.dpop = b.dpop;
    this.clock = b.clock;
    this.chains = new VerifiedChains(b.chainCacheSize);
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
    Checked checked = check(tokenText, facts);
    if (checked.replayKey == null) {
      return CompletableFuture.completedFuture(checked.verification);
    }
    CompletionStage<Boolean> first;
    try {
      first = replay.firstUse(checked.replayKey, checked.replayUntil);
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
      return recheck(((Verification.Accepted) checked.verification).principal());
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

  /** Result of the synchronous part: a verification, plus the replay key when a proof must be spent. */
  private record Checked(Verification verification, String replayKey, Instant replayUntil) {
    static Checked of(Verification v) {
      return new Checked(v, null, null);
    }

    static Checked rejected(Reason reason, String detail) {
      return new Checked(new Verification.Rejected(reason, detail), null, null);
    }
  }

  private Checked check(String tokenText, RequestFacts facts) {
    Objects.requireNonNull(facts, "facts");
    byte[] bytes;
    try {
      bytes = MacaroonText.decode(tokenText);
    } catch (MacaroonFormatException e) {
      return Checked.rejected(e.reason(), e.getMessage());
    }
    VerifiedChains.Chain chain = chains.get(bytes);
    if (chain == null) {
      Object result = checkChain(bytes);
      if (result instanceof Checked rejected) {
        return rejected;
      }
      chain = (VerifiedChains.Chain) result;
      chains.put(chain);
    }
    return checkRequest(chain, tokenText, facts);
  }

  /**
   * The checks that depend only on the token's bytes and the keyring: parse, signature, fact tags,
   * caveat grammar, lineage structure. Returns the chain, or a rejection.
   */
  private Object checkChain(byte[] bytes) {
    Scratch s = scratch.get();
    MacaroonLayout layout = s.layout;
    try {
      MacaroonV2.scan(bytes, 0, bytes.length, layout);
    } catch (MacaroonFormatException e) {
      return Checked.rejected(e.reason(), e.getMessage());
    }
    TokenIdentifier id = TokenIdentifier.parse(bytes, layout.identifierOffset(), layout.identifierLength());
    if (id == null) {
      return Checked.rejected(Reason.MALFORMED, "identifier is not e1/<kid>/<ulid>");
    }
    if (!keyring.contains(id.kid())) {
      return Checked.rejected(Reason.UNKNOWN_KEY, "key id '" + id.kid() + "' is not in the keyring");
    }

    // Pass 1: the chain. sigs[i] is the running signature before caveat i; sigs[n] the final one.
    int n = layout.caveatCount();
    byte[] sigs = s.sigs;
    System.arraycopy(rootSignature(id, bytes, layout), 0, sigs, 0, SIG);
    HmacSha256 mac = s.mac;
    for (int i = 0; i < n; i++) {
      mac.init(sigs, i * SIG, SIG).update(bytes, layout.caveatOffset(i), layout.caveatLength(i))
          .doFinal(sigs, (i + 1) * SIG);
    }
    if (!ConstantTime.equals(sigs, n * SIG, bytes, layout.signatureOffset(), SIG)) {
      return Checked.rejected(Reason.BAD_SIGNATURE, "signature does not match the chain");
    }

    // Pass 2: meaning. Facts are checked against the signature at their own position. A hop's own
    // restrictions precede its task fact; whether the hop was allowed is decided by what its parent's
    // fact covered (delegation allowed, depth within limit), so a child's "delegate = false" binds only
    // the child's descendants.
    HopKey hop = keyring.hopKey(id.kid());
    EnvelopeReducer reducer = new EnvelopeReducer();
    List<TaskHop> lineage = new ArrayList<>(4);
    boolean parentMayDelegate = false;
    int parentDepthLimit = 0;
    for (int i = 0; i < n; i++) {
      int off = layout.caveatOffset(i);
      Caveat caveat;
      try {
        caveat = CaveatParser.parse(bytes, off, layout.caveatLength(i));
      } catch (CaveatFormatException e) {
        return Checked.rejected(e.reason(), "caveat " + i + ": " + e.getMessage());
      }
      if (caveat instanceof Caveat.Restriction r) {
        if (!reducer.apply(r)) {
          return Checked.rejected(Reason.INVALID_CAVEAT, "caveat " + i + ": too many tool patterns in the chain");
        }
        continue;
      }
      Caveat.BrokerFact fact = (Caveat.BrokerFact) caveat;
      if (!hop.verify(mac, sigs, i * SIG, bytes, off, fact.bodyLength(), fact.tag(), s.tmp)) {
        return Checked.rejected(Reason.FORGED_FACT, "caveat " + i + ": broker fact tag does not match its position");
      }
      if (fact instanceof Caveat.TaskFact t) {
        if (lineage.isEmpty()) {
          if (!t.task().equals(id.rootTask())) {
            return Checked.rejected(Reason.BAD_LINEAGE, "first task fact does not name the root task");
          }
        } else {
          if (!parentMayDelegate) {
            return Checked.rejected(Reason.BAD_LINEAGE, "task fact under a parent that may not delegate");
          }
          if (lineage.size() > parentDepthLimit) {
            return Checked.rejected(Reason.BAD_LINEAGE, "lineage deeper than its parent's depth limit");
          }
          for (TaskHop h : lineage) {
            if (h.task().equals(t.task())) {
              return Checked.rejected(Reason.BAD_LINEAGE, "task " + t.task() + " appears twice in the lineage");
            }
          }
        }
        lineage.add(new TaskHop(t.task(), t.epoch(), t.agent(), t.by(), t.holder(), t.bindBy()));
        parentMayDelegate = reducer.delegationAllowed();
        parentDepthLimit = reducer.depthLimit();
      } else if (fact instanceof Caveat.BindFact b) {
        if (lineage.isEmpty()) {
          return Checked.rejected(Reason.BAD_LINEAGE, "bind fact before the root task fact");
        }
        int last = lineage.size() - 1;
        TaskHop acting = lineage.get(last);
        if (!acting.task().equals(b.task())) {
          return Checked.rejected(Reason.BAD_LINEAGE, "bind fact for a task that is not the acting task");
        }
        if (acting.bound()) {
          return Checked.rejected(Reason.BAD_LINEAGE, "task " + b.task() + " is bound twice");
        }
        lineage.set(last, acting.withHolder(b.holder()));
      }
    }
    if (lineage.isEmpty()) {
      return Checked.rejected(Reason.BAD_LINEAGE, "token carries no task fact");
    }
    if (!reducer.hasExpiry()) {
      return Checked.rejected(Reason.EXPIRED, "token carries no expiry");
    }
    return new VerifiedChains.Chain(bytes, id, List.copyOf(lineage), reducer.result());
  }

  /** The checks that depend on time, cluster state and the request: run for every request. */
  private Checked checkRequest(VerifiedChains.Chain chain, String tokenText, RequestFacts facts) {
    Envelope envelope = chain.envelope();
    List<TaskHop> lineage = chain.lineage();
    long now = clock.instant().getEpochSecond();
    if (now >= envelope.expiresAt()) {
      return Checked.rejected(Reason.EXPIRED, "token expired at " + envelope.expiresAt());
    }

    // Revocation: every hop of the lineage, from the local view.
    Verification.Rejected revoked = revoked(lineage);
    if (revoked != null) {
      return Checked.of(revoked);
    }

    // Holder binding and bind-first.
    TaskHop acting = lineage.get(lineage.size() - 1);
    if (acting.bindPending()) {
      if (facts.purpose() != Purpose.BIND) {
        return Checked.rejected(Reason.BIND_REQUIRED, "task " + acting.task() + " must be bound first");
      }
      if (now >= acting.bindBy()) {
        return Checked.rejected(Reason.BIND_EXPIRED, "bind deadline " + acting.bindBy() + " has passed");
      }
    }
    boolean needProof = acting.bound() || facts.purpose() == Purpose.BIND;
    if (!needProof) {
      return Checked.of(new Verification.Accepted(
          new Principal(chain.identifier(), lineage, envelope, null, chain.bytes())));
    }
    if (facts.proof() == null) {
      return Checked.rejected(Reason.POP_REQUIRED,
          acting.bound() ? "task is bound to a holder key; a DPoP proof is required" : "binding needs a DPoP proof");
    }
    DpopCheck proof = acting.bound()
        ? dpop.verify(facts.proof(),
            new DpopRequest(facts.method(), facts.url(), tokenText, facts.body(), acting.holder()))
        : dpop.verifyBinding(facts.proof(),
            DpopRequest.forBinding(facts.method(), facts.url(), tokenText, facts.body()));
    if (proof instanceof DpopCheck.Invalid bad) {
      return Checked.rejected(bad.reason(), bad.detail());
    }
    DpopCheck.Valid ok = (DpopCheck.Valid) proof;
    Principal principal = new Principal(chain.identifier(), lineage, envelope, ok.jkt(), chain.bytes());
    return new Checked(new Verification.Accepted(principal), ok.replayKey(), ok.rememberUntil());
  }

  private byte[] rootSignature(TokenIdentifier id, byte[] bytes, MacaroonLayout layout) {
    String key = id.text();
    byte[] sig = rootSignatures.get(key);
    if (sig == null) {
      byte[] identifier = java.util.Arrays.copyOfRange(bytes, layout.identifierOffset(),
          layout.identifierOffset() + layout.identifierLength());
      sig = MacaroonChain.rootSignature(keyring.rootKey(id.kid(), identifier), identifier);
      if (rootSignatures.size() >= ROOT_SIGNATURE_CACHE_LIMIT) {
        rootSignatures.clear();
      }
      rootSignatures.put(key, sig);
    }
    return sig;
  }

  /** Per-thread scratch space, so the hot path allocates little. */
  private static final class Scratch {
    final MacaroonLayout layout = new MacaroonLayout();
    final HmacSha256 mac = new HmacSha256();
    final byte[] sigs = new byte[(MacaroonV2.MAX_CAVEATS + 1) * SIG];
    final byte[] tmp = new byte[SIG];
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
