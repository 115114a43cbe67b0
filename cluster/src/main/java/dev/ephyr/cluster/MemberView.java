package dev.ephyr.cluster;

/**
 * One member as this node sees it, with the attributes it published at startup.
 *
 * @param nodeId the member's node id (also its {@code __vertx.nodeId})
 * @param address host:port of its Hazelcast endpoint
 * @param keyringFingerprint fingerprint of its keyring (public, not a secret)
 * @param policyHash hash of the policy it has in force (as it last published it; its start-up hash until then)
 * @param local whether this is the node itself
 */
public record MemberView(String nodeId, String address, String keyringFingerprint, String policyHash, boolean local) {}
