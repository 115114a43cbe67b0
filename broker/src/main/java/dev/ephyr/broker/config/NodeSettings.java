package dev.ephyr.broker.config;

import java.nio.file.Path;

/**
 * Where a node keeps its files and who it is ({@code node.*}).
 *
 * @param id node id, or {@code null} until the node picks a random one (see {@link NodeConfig#withNodeIdDefault})
 * @param dataDir node-local files
 * @param keyring the keyring file
 * @param policy the policy file
 */
public record NodeSettings(String id, Path dataDir, Path keyring, Path policy) {

  static NodeSettings read(Values v, String clusterNodeId) {
    Path data = v.dataDir();
    String id = v.optionalText(Settings.NODE_ID).orElse(clusterNodeId);
    return new NodeSettings(id, data, v.path(Settings.NODE_KEYRING, data, "keyring.json"),
        v.path(Settings.NODE_POLICY, data, "policy.yaml"));
  }
}
