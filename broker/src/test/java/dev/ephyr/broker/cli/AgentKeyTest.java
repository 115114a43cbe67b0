package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephyr.broker.policy.ApiKeys;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentKeyTest {
  @TempDir Path dir;

  @Test
  void agentKey_printsAKeyAndItsHash() {
    CliHarness.Result r = new CliHarness(dir).run("agent-key", "--agent", "claude");
    assertEquals(0, r.code(), r.all());
    List<String> lines = r.out().lines().map(String::trim).toList();
    String key = lines.stream().filter(l -> l.startsWith("ek_")).findFirst().orElseThrow();
    String hash = lines.stream().filter(l -> l.startsWith("sha256:")).findFirst().orElseThrow();
    assertTrue(ApiKeys.isWellFormedKey(key), key);
    assertEquals(ApiKeys.hash(key), hash);
    assertTrue(r.out().contains("api_keys: [\"" + hash + "\"]"), r.out());
  }

  @Test
  void agentKey_out_writesTheKeyToAPrivateFile_showsOnlyTheHash_andNeverOverwrites() throws Exception {
    CliHarness.Result r = new CliHarness(dir).run("agent-key", "--agent", "claude", "--out", "claude.key");
    assertEquals(0, r.code(), r.all());
    Path file = dir.resolve("claude.key");
    String key = java.nio.file.Files.readString(file).strip();
    assertTrue(ApiKeys.isWellFormedKey(key), key);
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        java.nio.file.Files.getPosixFilePermissions(file)));
    assertTrue(!r.out().contains(key), "the key is not shown: " + r.out());
    assertTrue(r.out().contains("api_keys: [\"" + ApiKeys.hash(key) + "\"]"), r.out());
    CliHarness.Result again = new CliHarness(dir).run("agent-key", "--out", "claude.key");
    assertEquals(1, again.code(), again.all());
    assertEquals(key, java.nio.file.Files.readString(file).strip(), "the existing key is kept");
  }

  @Test
  void agentKey_json() throws Exception {
    CliHarness.Result r = new CliHarness(dir).run("agent-key", "--json");
    assertEquals(0, r.code());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(ApiKeys.hash(j.get("key").asText()), j.get("hash").asText());
  }

  @Test
  void hash_readsTheKeyFromStdin() {
    String key = "ek_" + "A".repeat(43);
    CliHarness.Result r = new CliHarness(dir).runWithInput(key + "\n", "agent-key", "--hash");
    assertEquals(0, r.code(), r.all());
    assertEquals(ApiKeys.hash(key) + "\n", r.out());
    assertEquals(0, new CliHarness(dir).runWithInput(key, "agent-key", "--hash", "-").code());
  }

  @Test
  void hash_refusesAKeyOnTheCommandLine_andJunk() {
    CliHarness.Result argv = new CliHarness(dir).run("agent-key", "--hash", "ek_" + "A".repeat(43));
    assertEquals(2, argv.code());
    assertTrue(argv.err().contains("pass the key on stdin"), argv.err());
    CliHarness.Result junk = new CliHarness(dir).runWithInput("hello", "agent-key", "--hash");
    assertEquals(1, junk.code());
    assertTrue(junk.err().contains("not an ephyr API key"), junk.err());
    assertEquals(2, new CliHarness(dir).runWithInput("", "agent-key", "--hash").code());
  }
}
