package dev.ephyr.protocol.dpop;

import dev.ephyr.protocol.Reason;

/**
 * Every way a DPoP proof can be refused, as constants: a flood of bad proofs allocates nothing for them,
 * and no detail ever echoes attacker-chosen text into audit logs.
 */
final class DpopRejections {
  private DpopRejections() {}

  static final DpopCheck.Invalid NO_PROOF = invalid(Reason.POP_REQUIRED, "no proof");
  static final DpopCheck.Invalid TOO_LARGE = invalid(Reason.POP_INVALID, "proof too large");
  static final DpopCheck.Invalid NOT_COMPACT = invalid(Reason.POP_INVALID, "not a compact JWS of three segments");
  static final DpopCheck.Invalid BAD_HEADER_B64 = invalid(Reason.POP_INVALID, "header is not base64url");
  static final DpopCheck.Invalid BAD_PAYLOAD_B64 = invalid(Reason.POP_INVALID, "payload is not base64url");
  static final DpopCheck.Invalid BAD_SIG_B64 = invalid(Reason.POP_INVALID, "signature is not 64 bytes of base64url");
  static final DpopCheck.Invalid HEADER_NOT_OBJECT = invalid(Reason.POP_INVALID, "header is not a UTF-8 JSON object");
  static final DpopCheck.Invalid PAYLOAD_NOT_OBJECT = invalid(Reason.POP_INVALID, "payload is not a UTF-8 JSON object");
  static final DpopCheck.Invalid BAD_JSON = invalid(Reason.POP_INVALID, "malformed JSON or duplicate member");
  static final DpopCheck.Invalid TRAILING = invalid(Reason.POP_INVALID, "data after the JSON object");
  static final DpopCheck.Invalid BAD_TYP = invalid(Reason.POP_INVALID, "typ is not dpop+jwt");
  static final DpopCheck.Invalid BAD_ALG = invalid(Reason.POP_INVALID, "alg is not EdDSA");
  static final DpopCheck.Invalid CRIT = invalid(Reason.POP_INVALID, "crit is not supported");
  static final DpopCheck.Invalid BAD_JWK = invalid(Reason.POP_INVALID, "jwk is not an OKP Ed25519 public key");
  static final DpopCheck.Invalid PRIVATE_JWK = invalid(Reason.POP_INVALID, "jwk carries a private key");
  static final DpopCheck.Invalid BAD_X = invalid(Reason.POP_INVALID, "jwk x is not 32 bytes of base64url");
  static final DpopCheck.Invalid BAD_POINT = invalid(Reason.POP_INVALID, "jwk x is not a valid Ed25519 key");
  static final DpopCheck.Invalid KEY_MISMATCH = invalid(Reason.POP_KEY_MISMATCH, "proof key is not the holder key");
  static final DpopCheck.Invalid NO_EXPECTED_KEY =
      invalid(Reason.POP_KEY_MISMATCH, "no holder key to check the proof against (binding needs verifyBinding)");
  static final DpopCheck.Invalid BAD_SIGNATURE = invalid(Reason.POP_INVALID, "signature does not verify");
  static final DpopCheck.Invalid BAD_JTI = invalid(Reason.POP_INVALID, "jti missing or not 1..128 characters");
  static final DpopCheck.Invalid BAD_HTM = invalid(Reason.POP_INVALID, "htm missing or not a string");
  static final DpopCheck.Invalid BAD_HTU = invalid(Reason.POP_INVALID, "htu missing or not a string");
  static final DpopCheck.Invalid BAD_IAT = invalid(Reason.POP_INVALID, "iat missing or not integer seconds");
  static final DpopCheck.Invalid BAD_ATH = invalid(Reason.POP_INVALID, "ath missing or not a string");
  static final DpopCheck.Invalid BAD_BH = invalid(Reason.POP_INVALID, "bh not a string");
  static final DpopCheck.Invalid BAD_NONCE = invalid(Reason.POP_INVALID, "nonce not a string");
  static final DpopCheck.Invalid METHOD_MISMATCH = invalid(Reason.POP_METHOD_MISMATCH, "htm is not the request method");
  static final DpopCheck.Invalid URL_MISMATCH = invalid(Reason.POP_URL_MISMATCH, "htu is not the request URL");
  static final DpopCheck.Invalid TOO_OLD = invalid(Reason.POP_STALE, "iat too far in the past");
  static final DpopCheck.Invalid TOO_NEW = invalid(Reason.POP_STALE, "iat too far in the future");
  static final DpopCheck.Invalid TOKEN_MISMATCH = invalid(Reason.POP_TOKEN_MISMATCH, "ath is not the hash of the access token");
  static final DpopCheck.Invalid BH_REQUIRED = invalid(Reason.POP_BODY_MISMATCH, "bh required for a request with a body");
  static final DpopCheck.Invalid BODY_MISMATCH = invalid(Reason.POP_BODY_MISMATCH, "bh is not the hash of the body");
  static final DpopCheck.Invalid NONCE_MISSING = invalid(Reason.POP_NONCE_REQUIRED, "nonce required");
  static final DpopCheck.Invalid NONCE_STALE = invalid(Reason.POP_NONCE_REQUIRED, "nonce stale or not ours");
  static final DpopCheck.Invalid INTERNAL = invalid(Reason.POP_INVALID, "internal error while checking the proof");

  private static DpopCheck.Invalid invalid(Reason reason, String detail) {
    return new DpopCheck.Invalid(reason, detail);
  }
}
