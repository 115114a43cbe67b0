package dev.ephyr.protocol.verify;

import dev.ephyr.protocol.caveat.CaveatParser;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.ulid.Ulid;
import java.util.Objects;

/**
 * What to write into a new hop: the task, its epoch, whose it is, who created it, its holder binding or
 * bind deadline, and its envelope. Validated on construction, so a bad grant never reaches a token.
 *
 * @param task the new task's ULID
 * @param epoch its epoch (0 for a new task; higher after a reissue)
 * @param agent the agent the task belongs to
 * @param by who creates it, as a URN (e.g. {@code urn:ephyr:agent:claude} or {@code urn:ephyr:task:<ulid>})
 * @param holder JWK thumbprint of the holder key to bind to now, or {@code null}
 * @param bindBy unix second by which the task must be bound, or {@code null}
 * @param envelope the task's envelope; for a child it must lie within the parent's
 */
public record TaskGrant(String task, long epoch, String agent, String by, String holder, Long bindBy,
    Envelope envelope) {

  /** Validates every field against the caveat grammar. */
  public TaskGrant {
    if (!Ulid.isValid(task)) {
      throw new IllegalArgumentException("task must be a canonical ULID");
    }
    if (epoch < 0 || epoch == Long.MAX_VALUE) {
      throw new IllegalArgumentException("epoch must be between 0 and 2^63-2");
    }
    if (agent == null || !CaveatParser.isName(agent, CaveatParser.MAX_AGENT_CHARS, false)) {
      throw new IllegalArgumentException("agent must be 1-64 characters of A-Z a-z 0-9 . _ -");
    }
    if (by == null || !CaveatParser.isName(by, CaveatParser.MAX_BY_CHARS, true)) {
      throw new IllegalArgumentException("by must be 1-128 characters of A-Z a-z 0-9 . _ : / @ -");
    }
    if (holder != null && (holder.length() != CaveatParser.JKT_CHARS || !holder.matches("[A-Za-z0-9_-]+"))) {
      throw new IllegalArgumentException("holder must be a 43-character base64url JWK thumbprint");
    }
    if (bindBy != null && (bindBy <= 0 || bindBy > CaveatParser.MAX_EPOCH_SECOND)) {
      throw new IllegalArgumentException("bind deadline must be a positive unix time");
    }
    if (holder != null && bindBy != null) {
      throw new IllegalArgumentException("a task bound at creation has no bind deadline");
    }
    Objects.requireNonNull(envelope, "envelope");
  }
}
