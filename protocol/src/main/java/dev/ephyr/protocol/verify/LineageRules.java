package dev.ephyr.protocol.verify;

import static dev.ephyr.protocol.verify.ChainScratch.SIG;

import dev.ephyr.protocol.Reason;
import dev.ephyr.protocol.caveat.CaveatFold;
import dev.ephyr.protocol.caveat.CaveatFormatException;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.EnvelopeReducer;
import dev.ephyr.protocol.keys.HopKey;
import dev.ephyr.protocol.macaroon.MacaroonLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The meaning step of verification, run after {@link ChainReplay} succeeded: parse every caveat (unknown
 * ones fail), check each broker fact's tag against the signature at its own position, fold restrictions
 * into an envelope, and apply the lineage rules. A hop's own restrictions precede its task fact; whether
 * the hop was allowed is decided by what its parent's fact covered (delegation allowed, depth within
 * limit), so a child's "delegate = false" binds only the child's descendants.
 */
final class LineageRules {
  private LineageRules() {}

  /** Walks the caveats of a token whose chain replay already matched; {@code s.sigs} holds its steps. */
  static Step<VerifiedChains.Chain> check(byte[] bytes, TokenIdentifier id, HopKey hop, ChainScratch s) {
    MacaroonLayout layout = s.layout;
    Walk walk = new Walk();
    CaveatFold fold = walk.fold;
    for (int i = 0; i < layout.caveatCount(); i++) {
      int off = layout.caveatOffset(i);
      CaveatFold.Kind kind;
      try {
        kind = fold.next(bytes, off, layout.caveatLength(i));
      } catch (CaveatFormatException e) {
        return Step.fail(e.reason(), "caveat " + i + ": " + e.getMessage());
      }
      if (kind == CaveatFold.Kind.RESTRICTION) {
        continue;
      }
      if (!hop.verify(s.mac, s.sigs, i * SIG, bytes, off, fold.factBodyLength(), s.tmp)) {
        return Step.fail(Reason.FORGED_FACT, "caveat " + i + ": broker fact tag does not match its position");
      }
      String broken = kind == CaveatFold.Kind.TASK_FACT ? taskFact(walk, id) : bindFact(walk);
      if (broken != null) {
        return Step.fail(Reason.BAD_LINEAGE, broken);
      }
    }
    return complete(walk, bytes, id);
  }

  /** A task fact: the root task first; later hops only under a parent that allowed them. */
  private static String taskFact(Walk walk, TokenIdentifier id) {
    CaveatFold t = walk.fold;
    List<TaskHop> lineage = walk.lineage;
    // The hop needs the id as a string anyway; String.equals then compares faster than byte by byte.
    String task = t.factTask();
    if (lineage.isEmpty()) {
      if (!task.equals(id.rootTask())) {
        return "first task fact does not name the root task";
      }
    } else {
      if (!walk.parentMayDelegate) {
        return "task fact under a parent that may not delegate";
      }
      if (lineage.size() > walk.parentDepthLimit) {
        return "lineage deeper than its parent's depth limit";
      }
      for (TaskHop h : lineage) {
        if (h.task().equals(task)) {
          return "task " + task + " appears twice in the lineage";
        }
      }
    }
    String agent = t.taskAgent(lineage.isEmpty() ? null : lineage.get(lineage.size() - 1).agent());
    lineage.add(new TaskHop(task, t.taskEpoch(), agent, t.taskBy(), t.factHolder(), t.taskBindBy()));
    EnvelopeReducer reducer = t.reducer();
    walk.parentMayDelegate = reducer.delegationAllowed();
    walk.parentDepthLimit = reducer.depthLimit();
    return null;
  }

  /** A bind fact: only for the acting task, only once. */
  private static String bindFact(Walk walk) {
    CaveatFold b = walk.fold;
    List<TaskHop> lineage = walk.lineage;
    if (lineage.isEmpty()) {
      return "bind fact before the root task fact";
    }
    int last = lineage.size() - 1;
    TaskHop acting = lineage.get(last);
    if (!b.factTaskIs(acting.task())) {
      return "bind fact for a task that is not the acting task";
    }
    if (acting.bound()) {
      return "task " + acting.task() + " is bound twice";
    }
    lineage.set(last, acting.withHolder(b.factHolder()));
    return null;
  }

  /** After the last caveat: a token names at least one task and carries an expiry. */
  private static Step<VerifiedChains.Chain> complete(Walk walk, byte[] bytes, TokenIdentifier id) {
    if (walk.lineage.isEmpty()) {
      return Step.fail(Reason.BAD_LINEAGE, "token carries no task fact");
    }
    if (!walk.fold.reducer().hasExpiry()) {
      return Step.fail(Reason.EXPIRED, "token carries no expiry");
    }
    return new Step.Pass<>(
        new VerifiedChains.Chain(bytes, id, List.copyOf(walk.lineage), walk.fold.reducer().result()));
  }

  /** What the walk has seen so far. */
  private static final class Walk {
    final CaveatFold fold = new CaveatFold();
    // Room for the deepest lineage the broker mints (root + MAX_DEPTH hops) without growing.
    final List<TaskHop> lineage = new ArrayList<>(Envelope.MAX_DEPTH + 1);
    boolean parentMayDelegate;
    int parentDepthLimit;
  }
}
