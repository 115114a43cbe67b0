package dev.ephyr.protocol;

/**
 * Why a token, proof or request was refused. Each reason has a stable text code (for audit, metrics and
 * clients) and a stable integer code (for event-bus failures). Codes are only ever added, never renamed
 * or renumbered, and never derived from {@code ordinal()} or {@code name()}.
 */
public enum Reason {
  /** The token text or its binary form cannot be parsed, or breaks a size limit. */
  MALFORMED("malformed", 1),
  /** The HMAC chain does not end in the token's signature. */
  BAD_SIGNATURE("bad_signature", 2),
  /** The identifier names a key id that this node's keyring does not hold. */
  UNKNOWN_KEY("unknown_key", 3),
  /** The token or one of its caveats has expired. */
  EXPIRED("expired", 4),
  /** A task of the token's lineage was revoked, or the token predates a reissue. */
  REVOKED("revoked", 5),
  /** The acting task is bound to a holder key and the request carries no proof. */
  POP_REQUIRED("pop_required", 6),
  /** The proof of possession is malformed, badly signed or made with another key. */
  POP_INVALID("pop_invalid", 7),
  /** The proof's unique id was seen before. */
  REPLAYED("replayed", 8),
  /** The task must be bound to a holder key before the token can be used for anything else. */
  BIND_REQUIRED("bind_required", 9),
  /** This node cannot vouch for its view of revocations (it sees fewer members than the quorum). */
  CLUSTER_UNAVAILABLE("cluster_unavailable", 10),
  /** A caveat's key is not part of the vocabulary. */
  UNKNOWN_CAVEAT("unknown_caveat", 11),
  /** A caveat has a known key but a wrong operator or a malformed value. */
  INVALID_CAVEAT("invalid_caveat", 12),
  /** A broker fact carries a tag that does not bind it to its position in this chain. */
  FORGED_FACT("forged_fact", 13),
  /** The lineage is inconsistent: wrong root, repeated task, bind for a foreign task, too deep. */
  BAD_LINEAGE("bad_lineage", 14),
  /** The bind deadline of an unbound task has passed. */
  BIND_EXPIRED("bind_expired", 15),
  /** The proof was made for another access token ({@code ath}). */
  POP_TOKEN_MISMATCH("pop_token_mismatch", 16),
  /** The proof was made for another request body ({@code bh}). */
  POP_BODY_MISMATCH("pop_body_mismatch", 17),
  /** The proof was made for another HTTP method ({@code htm}). */
  POP_METHOD_MISMATCH("pop_method_mismatch", 18),
  /** The proof was made for another URL ({@code htu}). */
  POP_URL_MISMATCH("pop_url_mismatch", 19),
  /** The proof's key is not the holder key the task is bound to. */
  POP_KEY_MISMATCH("pop_key_mismatch", 20),
  /** The proof's issue time is outside the accepted window. */
  POP_STALE("pop_stale", 21),
  /** The token is a third-party-caveat macaroon, which this broker does not support. */
  UNSUPPORTED("unsupported", 22),
  /** The replay store could not answer in time; the request is refused rather than risk a replay. */
  REPLAY_UNAVAILABLE("replay_unavailable", 23),
  /**
   * The server demands a DPoP nonce and the proof carries none, or a stale or forged one; the client should
   * retry with the nonce from the {@code DPoP-Nonce} response header (RFC 9449 {@code use_dpop_nonce}).
   */
  POP_NONCE_REQUIRED("pop_nonce_required", 24);

  private final String code;
  private final int wireCode;

  Reason(String code, int wireCode) {
    this.code = code;
    this.wireCode = wireCode;
  }

  /** The stable machine-readable code, e.g. {@code "revoked"}. */
  public String code() {
    return code;
  }

  /** The stable integer code used for event-bus failures. */
  public int wireCode() {
    return wireCode;
  }

  /** The reason with the given text code, or {@code null} if no reason has it. */
  public static Reason fromCode(String code) {
    for (Reason r : values()) {
      if (r.code.equals(code)) {
        return r;
      }
    }
    return null;
  }

  /** The reason with the given integer code, or {@code null} if no reason has it. */
  public static Reason fromWireCode(int wireCode) {
    for (Reason r : values()) {
      if (r.wireCode == wireCode) {
        return r;
      }
    }
    return null;
  }
}
