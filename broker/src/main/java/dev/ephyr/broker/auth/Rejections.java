package dev.ephyr.broker.auth;

import dev.ephyr.protocol.Reason;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Maps a refusal to its HTTP form: token problems are 401 with {@code WWW-Authenticate}
 * ({@code invalid_token}), proof problems 401 with {@code invalid_dpop_proof}, a missing nonce 401 with
 * {@code use_dpop_nonce} and a fresh {@code DPoP-Nonce}, bind-first 423, and an unavailable cluster 503.
 */
public final class Rejections {
  private static final String REALM = "realm=\"ephyr\"";

  private Rejections() {}

  /** The client-facing message of each reason: short, stable, no internals. */
  static String message(Reason r) {
    switch (r) {
      case MALFORMED: return "the token cannot be parsed";
      case BAD_SIGNATURE: return "the token signature is invalid";
      case UNKNOWN_KEY: return "the token was signed with a key this cluster does not know";
      case EXPIRED: return "the token has expired: get a new task token (task_create) or use the agent API key";
      case REVOKED: return "the token's task, or one of its ancestors, was revoked";
      case POP_REQUIRED: return "this token is bound to a holder key: send a DPoP proof";
      case POP_INVALID: return "the DPoP proof is invalid";
      case REPLAYED: return "the DPoP proof was already used";
      case BIND_REQUIRED: return "bind first: this task must be bound with task_bind before any other use";
      case CLUSTER_UNAVAILABLE: return "this node cannot vouch for revocations right now; retry on another node";
      case UNKNOWN_CAVEAT: return "the token carries an unknown caveat";
      case INVALID_CAVEAT: return "the token carries an invalid caveat";
      case FORGED_FACT: return "the token carries a broker fact that the broker did not write";
      case BAD_LINEAGE: return "the token's lineage is inconsistent";
      case BIND_EXPIRED: return "the bind deadline of this task has passed";
      case POP_TOKEN_MISMATCH: return "the DPoP proof was made for another token";
      case POP_BODY_MISMATCH: return "the DPoP proof was made for another request body";
      case POP_METHOD_MISMATCH: return "the DPoP proof was made for another HTTP method";
      case POP_URL_MISMATCH: return "the DPoP proof was made for another URL";
      case POP_KEY_MISMATCH: return "the DPoP proof was signed by a key the task is not bound to";
      case POP_STALE: return "the DPoP proof is too old or from the future";
      case UNSUPPORTED: return "this kind of token is not supported";
      case REPLAY_UNAVAILABLE: return "the replay check is unavailable; retry";
      case POP_NONCE_REQUIRED: return "a DPoP nonce is required: retry with the DPoP-Nonce header value";
      default: return "the token was refused";
    }
  }

  /** Whether {@code r} is about the DPoP proof rather than the token. */
  static boolean isProofProblem(Reason r) {
    switch (r) {
      case POP_REQUIRED: case POP_INVALID: case REPLAYED: case POP_TOKEN_MISMATCH: case POP_BODY_MISMATCH:
      case POP_METHOD_MISMATCH: case POP_URL_MISMATCH: case POP_KEY_MISMATCH: case POP_STALE:
        return true;
      default:
        return false;
    }
  }

  /**
   * The rejection for a token refused with {@code r}.
   *
   * @param scheme the scheme the client used ({@code Bearer} or {@code DPoP})
   * @param nonce issues a fresh DPoP nonce, or {@code null} when nonces are off
   */
  public static Rejection of(Reason r, String scheme, String auditDetail, Supplier<String> nonce) {
    Map<String, String> h = new LinkedHashMap<>();
    int status;
    if (r == Reason.BIND_REQUIRED) {
      status = 423;
    } else if (r == Reason.CLUSTER_UNAVAILABLE || r == Reason.REPLAY_UNAVAILABLE) {
      status = 503;
      h.put("Retry-After", "2");
    } else if (r == Reason.POP_NONCE_REQUIRED) {
      status = 401;
      h.put("WWW-Authenticate", "DPoP " + REALM + ", error=\"use_dpop_nonce\", algs=\"EdDSA\"");
      if (nonce != null) {
        h.put("DPoP-Nonce", nonce.get());
      }
    } else if (isProofProblem(r)) {
      status = 401;
      h.put("WWW-Authenticate", "DPoP " + REALM + ", error=\"invalid_dpop_proof\", algs=\"EdDSA\"");
    } else {
      status = 401;
      h.put("WWW-Authenticate", ("DPoP".equals(scheme) ? "DPoP " : "Bearer ") + REALM + ", error=\"invalid_token\""
          + ("DPoP".equals(scheme) ? ", algs=\"EdDSA\"" : ""));
    }
    return new Rejection(status, r.code(), message(r), h, auditDetail);
  }

  /** No credentials at all. */
  public static Rejection unauthenticated() {
    return new Rejection(401, "unauthenticated", "this server takes no OAuth sign-in: configure your client to send "
        + "'Authorization: Bearer <credential>' with the agent API key your operator made for you "
        + "('ephyr agent-key'), or with a task token (from task_create)",
        Map.of("WWW-Authenticate", "Bearer " + REALM + ", DPoP " + REALM + ", algs=\"EdDSA\""), "no credentials");
  }

  /** An API key that names no agent. */
  public static Rejection invalidApiKey() {
    return new Rejection(401, "invalid_api_key", "the API key is not valid: check the key your client sends, or ask "
        + "your operator for a new one ('ephyr agent-key') and its hash in the policy",
        Map.of("WWW-Authenticate", "Bearer " + REALM + ", error=\"invalid_token\""), "unknown API key");
  }

  /** Between two challenges of one header; compiled once (every refused request used to compile it). */
  private static final Pattern CHALLENGE_SEPARATOR = Pattern.compile(", (?=(?:Bearer|DPoP) )");

  /**
   * {@code header} (our own challenges, one or more) with {@code resource_metadata="url"} added to each
   * challenge (RFC 9728 §5.1), so a client finds the metadata document from the 401 alone.
   */
  public static String withResourceMetadata(String header, String url) {
    String param = "resource_metadata=\"" + url + "\"";
    // Our challenges start with a scheme token; parameter values are quoted and never hold ", Bearer " etc.
    String[] challenges = CHALLENGE_SEPARATOR.split(header);
    StringBuilder out = new StringBuilder(header.length() + challenges.length * (param.length() + 2));
    for (String c : challenges) {
      if (out.length() > 0) {
        out.append(", ");
      }
      out.append(c).append(c.indexOf(' ') < 0 ? " " : ", ").append(param);
    }
    return out.toString();
  }

  /** {@code Authorization: DPoP} without a {@code DPoP} header. */
  public static Rejection dpopSchemeWithoutProof() {
    return new Rejection(401, Reason.POP_REQUIRED.code(),
        "the DPoP authorization scheme needs a DPoP proof header: send one, or use 'Authorization: Bearer' for an "
            + "unbound token", Map.of("WWW-Authenticate", "DPoP " + REALM + ", error=\"invalid_dpop_proof\", algs=\"EdDSA\""),
        "DPoP scheme without a DPoP header");
  }

  /** A valid token whose agent the current policy no longer knows. */
  public static Rejection agentUnknown(String agent) {
    return new Rejection(403, "agent_not_in_policy", "the token's agent is not in the current policy", Map.of(),
        "agent " + agent + " is not in the policy");
  }

  /** The agent's policy demands holder-bound tasks and this one is not bound. */
  public static Rejection popRequiredByPolicy(String agent) {
    return new Rejection(401, Reason.POP_REQUIRED.code(),
        "policy requires holder-bound tasks for this agent: bind the task and send DPoP proofs",
        Map.of("WWW-Authenticate", "DPoP " + REALM + ", error=\"invalid_token\", algs=\"EdDSA\""),
        "agent " + agent + " has require_pop and the task is unbound");
  }
}
