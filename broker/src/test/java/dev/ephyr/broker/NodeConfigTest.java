package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.config.ConfigException;
import dev.ephyr.broker.config.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
  @TempDir
  Path dir;

  @Test
  void defaults_coverEverything() throws Exception {
    NodeConfig c = NodeConfig.load(null, Map.of());
    assertEquals("127.0.0.1", c.http().host());
    assertEquals(8554, c.http().port());
    assertEquals(1024 * 1024, c.http().bodyLimit());
    assertEquals(Duration.ofSeconds(60), c.dpop().iatWindow());
    assertEquals("ephyr", c.cluster().get("cluster.name"));
    assertTrue(c.node().keyring().endsWith(Path.of("data", "keyring.json")));
  }

  @Test
  void yaml_nestedAndLists_resolvedAgainstFile_envWins() throws Exception {
    Path yaml = dir.resolve("node.yaml");
    Files.writeString(yaml, String.join("\n",
        "node: {id: n1, keyring: keys/k.json}",
        "http:",
        "  port: 9000",
        "  allowed-origins: [\"https://a.example\", \"https://b.example\"]",
        "cluster:",
        "  name: prod",
        "  members: [\"10.0.0.1:5701\", \"10.0.0.2:5701\"]",
        ""));
    NodeConfig c = NodeConfig.load(yaml, Map.of("EPHYR_HTTP_PORT", "9100", "EPHYR_CLUSTER_QUORUM", "2"));
    assertEquals(9100, c.http().port(), "environment overrides the file");
    assertEquals("n1", c.nodeId());
    assertEquals(dir.resolve("keys/k.json"), c.node().keyring());
    assertEquals(List.of("https://a.example", "https://b.example"), c.http().allowedOrigins());
    assertEquals("10.0.0.1:5701,10.0.0.2:5701", c.cluster().get("cluster.members"));
    assertEquals("2", c.cluster().get("cluster.quorum"));
    assertEquals("EPHYR_CLUSTER_BIND_HOST", NodeConfig.envName("cluster.bind-host"));
  }

  @Test
  void unknownKeysAndBadValues_areErrorsNamingTheKey() throws Exception {
    Path yaml = dir.resolve("bad.yaml");
    Files.writeString(yaml, "http:\n  prot: 1\n");
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.load(yaml, Map.of()));
    assertTrue(e.getMessage().contains("http.prot"), e.getMessage());
    ConfigException port = assertThrows(ConfigException.class,
        () -> NodeConfig.load(null, Map.of("EPHYR_HTTP_PORT", "seventy")));
    assertTrue(port.getMessage().contains("http.port"), port.getMessage());
    assertThrows(ConfigException.class, () -> NodeConfig.builder().set("http.body-limit", "10").build());
    assertThrows(ConfigException.class, () -> NodeConfig.builder().set("http.tls-cert", "c.pem").build());
    assertThrows(ConfigException.class, () -> NodeConfig.builder().set("http.public-url", "ftp://x").build());
    assertThrows(ConfigException.class, () -> NodeConfig.builder().set("tasks.max-ttl", "5x").build());
    assertThrows(ConfigException.class, () -> NodeConfig.builder().set("nope", "1").build());
    Files.writeString(yaml, "http: [1, 2");
    assertThrows(ConfigException.class, () -> NodeConfig.load(yaml, Map.of()));
  }

  @Test
  void nodeStart_withoutKeyring_failsNamingTheFile() {
    Throwable e = assertThrows(Exception.class, () -> Node.start(NodeConfig.builder().dataDir(dir).build())
        .toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS));
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    assertTrue(cause instanceof ConfigException, cause.toString());
    assertTrue(cause.getMessage().contains("keyring.json") && cause.getMessage().contains("ephyr keys init"),
        cause.getMessage());
  }
}
