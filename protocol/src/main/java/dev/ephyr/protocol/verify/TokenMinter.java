package dev.ephyr.protocol.verify;

import dev.ephyr.protocol.caveat.BrokerFacts;
import dev.ephyr.protocol.caveat.Caveat;
import dev.ephyr.protocol.caveat.CaveatFormatException;
import dev.ephyr.protocol.caveat.CaveatParser;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.keys.HopKey;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.macaroon.Macaroon;
import dev.ephyr.protocol.macaroon.MacaroonFormatException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Mints task tokens: roots (every dimension written), delegated children (the parent's exact chain plus the
 * restrictions that narrow it and then the child's task fact), binds (at a new epoch) and reissues. Children,
 * binds and reissues start from a {@link Principal}, so only a token that just passed verification can be
 * extended.
 *
 * <p>A hop's restrictions always come <em>before</em> its task fact, so the fact's tag covers them: whoever
 * holds the parent and sees a child's fact cannot graft that fact onto the parent without also carrying
 * the child's narrowing.
 *
 * <p>Every refusal is an {@link IllegalArgumentException} naming the rule: callers are expected to check
 * policy first and answer users themselves; these checks are the last line.
 */
public final class TokenMinter {
  /** Location hint written into tokens (not signed; informative only). */
  public static final String LOCATION = "ephyr";

  private final Keyring keyring;

  /** A minter that signs with {@code keyring}'s active key. */
  public TokenMinter(Keyring keyring) {
    this.keyring = Objects.requireNonNull(keyring);
  }

  /** A root token for a new task tree, under the active key. */
  public String mintRoot(TaskGrant grant) {
    if (grant.envelope().maxDepth() > Envelope.MAX_DEPTH) {
      throw new IllegalArgumentException("depth limit above " + Envelope.MAX_DEPTH);
    }
    TokenIdentifier id = new TokenIdentifier(keyring.activeKid(), grant.task());
    byte[] identifier = id.bytes();
    Macaroon m = Macaroon.create(LOCATION, identifier, keyring.rootKey(id.kid(), identifier));
    for (Caveat.Restriction r : grant.envelope().restrictions()) {
      m = m.withCaveat(r.render());
    }
    return appendFact(m, keyring.hopKey(id.kid()), taskBody(grant)).toText();
  }

  /** A child of the verified {@code parent}: the parent's chain, a task fact, then narrowing restrictions. */
  public String delegate(Principal parent, TaskGrant child) {
    Envelope from = parent.envelope();
    if (!from.delegate()) {
      throw new IllegalArgumentException("the parent task may not delegate");
    }
    int depth = parent.depth() + 1;
    if (depth > from.maxDepth() || depth > Envelope.MAX_DEPTH) {
      throw new IllegalArgumentException("delegation would exceed the depth limit of " + from.maxDepth());
    }
    if (!child.envelope().isWithin(from)) {
      throw new IllegalArgumentException("the child's envelope is not within the parent's");
    }
    if (child.envelope().maxDepth() < depth) {
      throw new IllegalArgumentException("the child's depth limit is below its own depth " + depth);
    }
    for (TaskHop h : parent.lineage()) {
      if (h.task().equals(child.task())) {
        throw new IllegalArgumentException("task " + child.task() + " is already in the lineage");
      }
    }
    Macaroon m = parse(parent);
    for (Caveat.Restriction r : child.envelope().restrictionsFrom(from)) {
      m = m.withCaveat(r.render());
    }
    return appendFact(m, keyring.hopKey(parent.kid()), taskBody(child)).toText();
  }

  /**
   * The verified token with a bind fact binding its acting task to the key that signed the request's
   * proof. The principal must come from a {@link Purpose#BIND} verification of an unbound task.
   *
   * <p>The result keeps the task's epoch, so unbound copies of the token stay valid: a broker binds with
   * {@link #bindAt} instead. Kept for tokens and tools that speak the plain bind fact.
   */
  public String bind(Principal principal) {
    if (principal.holder() != null) {
      throw new IllegalArgumentException("task " + principal.actingTask().task() + " is already bound");
    }
    if (principal.proofJkt() == null) {
      throw new IllegalArgumentException("binding needs a principal verified with a proof (Purpose.BIND)");
    }
    return appendFact(parse(principal), keyring.hopKey(principal.kid()),
        BrokerFacts.bindBody(principal.actingTask().task(), principal.proofJkt())).toText();
  }

  /**
   * A fresh token for the acting task at {@code newEpoch}: the chain up to the acting task's fact (its own
   * restrictions included) is rebuilt from the root key, a new task fact (carrying the holder binding)
   * replaces the old one and its bind facts, and every restriction that followed is kept. Raise the
   * watermark to {@code newEpoch} to kill the old copies.
   */
  public String reissue(Principal principal, long newEpoch) {
    TaskHop acting = principal.actingTask();
    return atEpoch(principal, newEpoch, acting.holder(), acting.holder() == null ? acting.bindBy() : null);
  }

  /**
   * The verified token of an unbound task, bound to the key that signed the request's proof <em>at</em>
   * {@code newEpoch}: built like {@link #reissue}, with the holder written into the new task fact. Raise the
   * watermark to {@code newEpoch} so that every unbound copy (and every token delegated from one) dies with
   * the bind. The principal must come from a {@link Purpose#BIND} verification.
   */
  public String bindAt(Principal principal, long newEpoch) {
    if (principal.holder() != null) {
      throw new IllegalArgumentException("task " + principal.actingTask().task() + " is already bound");
    }
    if (principal.proofJkt() == null) {
      throw new IllegalArgumentException("binding needs a principal verified with a proof (Purpose.BIND)");
    }
    return atEpoch(principal, newEpoch, principal.proofJkt(), null);
  }

  private String atEpoch(Principal principal, long newEpoch, String holder, Long bindBy) {
    TaskHop acting = principal.actingTask();
    if (newEpoch <= acting.epoch() || newEpoch == Long.MAX_VALUE) {
      throw new IllegalArgumentException("a new epoch must be above " + acting.epoch());
    }
    Macaroon old = parse(principal);
    int actingIndex = -1;
    for (int i = 0; i < old.caveatCount(); i++) {
      if (old.caveatText(i).startsWith("task ")) {
        actingIndex = i;
      }
    }
    TokenIdentifier id = principal.identifier();
    byte[] identifier = id.bytes();
    Macaroon m = Macaroon.create(LOCATION, identifier, keyring.rootKey(id.kid(), identifier));
    for (int i = 0; i < actingIndex; i++) {
      m = m.withCaveat(old.caveat(i)); // unchanged prefix: same running signatures, so tags stay valid
    }
    m = appendFact(m, keyring.hopKey(id.kid()), BrokerFacts.taskBody(acting.task(), newEpoch, acting.agent(),
        acting.by(), holder, bindBy));
    for (int i = actingIndex + 1; i < old.caveatCount(); i++) {
      Caveat c = parseCaveat(old.caveat(i));
      if (c instanceof Caveat.Restriction) {
        m = m.withCaveat(old.caveat(i));
      }
    }
    return m.toText();
  }

  private static String taskBody(TaskGrant g) {
    return BrokerFacts.taskBody(g.task(), g.epoch(), g.agent(), g.by(), g.holder(), g.bindBy());
  }

  private static Macaroon appendFact(Macaroon m, HopKey hop, String body) {
    String tag = hop.tag(m.signature(), body.getBytes(StandardCharsets.US_ASCII));
    return m.withCaveat(BrokerFacts.withTag(body, tag));
  }

  private static Macaroon parse(Principal p) {
    try {
      return Macaroon.parseBinary(p.token());
    } catch (MacaroonFormatException e) {
      throw new IllegalStateException("a verified token no longer parses", e);
    }
  }

  private static Caveat parseCaveat(byte[] caveat) {
    try {
      return CaveatParser.parse(caveat, 0, caveat.length);
    } catch (CaveatFormatException e) {
      throw new IllegalStateException("a verified token holds an unparsable caveat", e);
    }
  }
}
