package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephyr.protocol.caveat.Dimension;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.caveat.IdSet;
import dev.ephyr.protocol.caveat.ToolGrant;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.ulid.UlidGenerator;
import dev.ephyr.protocol.verify.TaskGrant;
import dev.ephyr.protocol.verify.TokenMinter;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenInspectTest {
  @TempDir Path dir;
  private String task;
  private String token;
  private final long expires = CliHarness.NOW.getEpochSecond() + 900;

  @BeforeEach
  void mint() {
    Keyring keyring = Keyring.generate("k7", new SecureRandom());
    task = UlidGenerator.systemDefault().next();
    Envelope env = Envelope.builder()
        .set(Dimension.TARGETS, IdSet.of("web1"))
        .set(Dimension.METHODS, IdSet.of("GET"))
        .set(Dimension.REMOTES, IdSet.of("gh"))
        .tools(ToolGrant.of("gh.list_*"))
        .delegate(true).maxDepth(2).expiresAt(expires).build();
    token = new TokenMinter(keyring).mintRoot(new TaskGrant(task, 0, "alice", "urn:ephyr:agent:alice", null, null, env));
  }

  @Test
  void inspect_showsLineageEnvelopeAndExpiry() {
    CliHarness.Result r = new CliHarness(dir).run("token", "inspect", token);
    assertEquals(0, r.code(), r.all());
    String out = r.out();
    assertTrue(out.contains("key id      k7"), out);
    assertTrue(out.contains("root task   " + task), out);
    assertTrue(out.contains("  0  " + task + "  agent=alice  epoch=0  by=urn:ephyr:agent:alice  holder=-"), out);
    assertTrue(out.contains("holder      none (bearer token)"), out);
    assertTrue(out.contains("  targets   web1"), out);
    assertTrue(out.contains("  roles     -"), out);
    assertTrue(out.contains("  tools     gh.list_*"), out);
    assertTrue(out.contains("  depth <=  2"), out);
    assertTrue(out.contains("(in 15m)"), out);
    assertTrue(out.contains("problems    none found"), out);
    assertTrue(out.contains("not verified"), out);
  }

  @Test
  void inspect_readsTheTokenFromStdin() {
    CliHarness.Result r = new CliHarness(dir).runWithInput(token + "\n", "token", "inspect", "-");
    assertEquals(0, r.code(), r.all());
    assertTrue(r.out().contains(task));
  }

  @Test
  void inspect_json() throws Exception {
    CliHarness.Result r = new CliHarness(dir).runWithInput(token, "token", "inspect", "--json", "-");
    assertEquals(0, r.code(), r.all());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertFalse(j.get("verified").asBoolean());
    assertEquals("k7", j.get("kid").asText());
    assertEquals(task, j.get("rootTask").asText());
    assertEquals(task, j.get("actingTask").asText());
    assertEquals("alice", j.get("lineage").get(0).get("agent").asText());
    assertEquals(0, j.get("lineage").get(0).get("epoch").asLong());
    assertTrue(j.get("lineage").get(0).get("holder").isNull());
    assertEquals("web1", j.get("envelope").get("targets").asText());
    assertEquals("-", j.get("envelope").get("services").asText());
    assertEquals(expires, j.get("envelope").get("expiresAt").asLong());
    assertFalse(j.get("expired").asBoolean());
    assertEquals(0, j.get("problems").size());
  }

  @Test
  void inspect_garbage_failsOnOneLine() {
    CliHarness.Result r = new CliHarness(dir).run("token", "inspect", "mac_notatoken");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("ephyr token inspect: not a task token: "), r.err());
    assertEquals(1, r.err().lines().count());
    assertEquals(2, new CliHarness(dir).run("token", "inspect").code());
    assertEquals(2, new CliHarness(dir).runWithInput("  \n", "token", "inspect", "-").code());
  }
}
