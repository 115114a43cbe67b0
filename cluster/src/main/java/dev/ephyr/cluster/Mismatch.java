package dev.ephyr.cluster;

/**
 * A member whose published keyring fingerprint or policy hash differs from the cluster's (the value most
 * members hold; on a tie, the oldest member's).
 *
 * @param nodeId the deviating member
 * @param address its host:port
 * @param kind which attribute differs
 * @param expected the cluster's value
 * @param actual the member's value
 */
public record Mismatch(String nodeId, String address, Kind kind, String expected, String actual) {

  /** Which published attribute differs. */
  public enum Kind {
    /** The keyring fingerprint: the member cannot verify the cluster's tokens and refuses to serve. */
    KEYRING,
    /** The policy hash: drift, reported but not blocking (a reload may be in flight). */
    POLICY
  }
}
