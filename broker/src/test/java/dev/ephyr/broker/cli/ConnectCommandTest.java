package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephyr.client.HolderKeyFile;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.ulid.UlidGenerator;
import dev.ephyr.protocol.verify.TaskGrant;
import dev.ephyr.protocol.verify.TokenMinter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ephyr connect} refuses what would leak or misuse a holder-bound token before it talks to any node:
 * key and token files readable by others, tokens on the command line, tokens bound to another key, tokens
 * the bridge cannot make holder-bound; and {@code --print-config} names files, never the token.
 */
class ConnectCommandTest {
  private static final String NOWHERE = "http://127.0.0.1:9/mcp"; // discard port: nothing may be sent anyway

  @TempDir Path dir;
  private CliHarness h;
  private final TokenMinter minter = new TokenMinter(Keyring.generate("k1", new SecureRandom()));
  private final long expires = CliHarness.NOW.getEpochSecond() + 900;

  @BeforeEach
  void setUp() {
    h = new CliHarness(dir);
  }

  private String token(String holder, Long bindBy) {
    String task = UlidGenerator.systemDefault().next();
    return minter.mintRoot(new TaskGrant(task, 0, "alice", "urn:ephyr:agent:alice", holder, bindBy,
        Envelope.builder().expiresAt(expires).build()));
  }

  private Path secret(String name, String text, String mode) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    return p;
  }

  @Test
  void keyFileReadableByOthers_isRefused_andNeverUsed() throws Exception {
    String pending = token(null, expires);
    Path tokenFile = secret("token", pending, "rw-------");
    Path key = dir.resolve("holder.jwk");
    HolderKeyFile.loadOrCreate(key, new SecureRandom());
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    CliHarness.Result r = h.run("connect", "--url", NOWHERE, "--key-file", key.toString(), "--token-file",
        tokenFile.toString());
    assertEquals(3, r.code(), r.all());
    assertTrue(r.err().contains("is readable by others") && r.err().contains("chmod 600"), r.all());
    assertEquals("", r.out(), "nothing is served with an exposed key");
    assertFalse(r.all().contains(pending));
  }

  @Test
  void keyFile_isCreatedOwnerOnly_andTokenFileReadableByOthers_isRefused() throws Exception {
    String pending = token(null, expires);
    Path tokenFile = secret("token", pending, "rw-r-----");
    Path key = dir.resolve("keys").resolve("holder.jwk");
    CliHarness.Result r = h.run("connect", "--url", NOWHERE, "--key-file", key.toString(), "--token-file",
        tokenFile.toString());
    assertEquals(3, r.code(), r.all());
    assertTrue(r.err().contains("token file") && r.err().contains("readable by others"), r.all());
    assertFalse(r.all().contains(pending));
  }

  @Test
  void tokenOnTheCommandLine_isRefusedWithAHint_andNotEchoed() {
    String pending = token(null, expires);
    for (String[] argv : new String[][] {
        {"connect", "--url", NOWHERE, pending},
        {"connect", "--url", NOWHERE, "--token", pending},
        {"connect", "--url", NOWHERE, "--token=" + pending},
        {"connect", "--url", NOWHERE, "--token-file", pending},
        {"connect", "--url", NOWHERE, "ek_" + "A".repeat(43)}}) {
      CliHarness.Result r = h.run(argv);
      assertEquals(2, r.code(), r.all());
      assertTrue(r.err().contains("--token-file") && r.err().contains("EPHYR_TOKEN")
          && r.err().contains("process list"), r.all());
      assertFalse(r.all().contains(pending), "the refusal repeats the token");
    }
  }

  @Test
  void tokenBoundToAnotherKey_exitsWithTokenRefused() throws Exception {
    String otherKeys = dev.ephyr.protocol.dpop.HolderKeyPair.generate(new SecureRandom()).jkt();
    Path tokenFile = secret("token", token(otherKeys, null), "rw-------");
    CliHarness.Result r = h.run("connect", "--url", NOWHERE, "--key-file", dir.resolve("k.jwk").toString(),
        "--token-file", tokenFile.toString());
    assertEquals(4, r.code(), r.all());
    assertTrue(r.err().contains("is bound to key " + otherKeys) && r.err().contains("use the key it was bound with"),
        r.all());
  }

  @Test
  void tokensTheBridgeCannotBind_areRefusedWithAHint() throws Exception {
    Path unbound = secret("unbound", token(null, null), "rw-------");
    CliHarness.Result r = h.run("connect", "--url", NOWHERE, "--key-file", dir.resolve("k.jwk").toString(),
        "--token-file", unbound.toString());
    assertEquals(3, r.code(), r.all());
    assertTrue(r.err().contains("bind_within"), r.all());

    h.env.put("EPHYR_TOKEN", "ek_" + "B".repeat(43));
    r = h.run("connect", "--url", NOWHERE, "--key-file", dir.resolve("k.jwk").toString());
    assertEquals(3, r.code(), r.all());
    assertTrue(r.err().contains("API key, not a task token"), r.all());
    assertFalse(r.all().contains("B".repeat(43)));

    h.env.remove("EPHYR_TOKEN");
    r = h.run("connect", "--url", NOWHERE, "--key-file", dir.resolve("k.jwk").toString());
    assertEquals(3, r.code(), r.all());
    assertTrue(r.err().contains("--token-file"), r.all());
  }

  @Test
  void printConfig_namesTheFiles_forEveryClient() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String[] base = {"connect", "--url", "http://127.0.0.1:8554", "--url", "http://10.0.0.2:8554/mcp",
        "--key-file", "k.jwk", "--token-file", "tok", "--print-config"};
    String key = dir.resolve("k.jwk").toString();
    String tok = dir.resolve("tok").toString();

    CliHarness.Result claude = h.run(concat(base, "claude"));
    assertEquals(0, claude.code(), claude.all());
    assertEquals("claude mcp add ephyr -- ephyr connect --url http://127.0.0.1:8554/mcp --url "
        + "http://10.0.0.2:8554/mcp --key-file " + key + " --token-file " + tok + "\n", claude.out());

    for (String client : new String[] {"cursor", "vscode"}) {
      CliHarness.Result r = h.run(concat(base, client));
      assertEquals(0, r.code(), r.all());
      JsonNode server = json.readTree(r.out()).path(client.equals("cursor") ? "mcpServers" : "servers").path("ephyr");
      assertEquals("ephyr", server.path("command").asText());
      assertEquals("connect", server.path("args").path(0).asText());
      assertTrue(server.path("args").toString().contains(tok), r.out());
    }

    h.env.put("EPHYR_LAUNCHER", "/opt/ephyr/ephyr");
    CliHarness.Result codex = h.run(concat(base, "codex"));
    assertEquals(0, codex.code(), codex.all());
    assertTrue(codex.out().startsWith("[mcp_servers.ephyr]\ncommand = \"/opt/ephyr/ephyr\"\nargs = [\"connect\""),
        codex.out());

    CliHarness.Result bad = h.run(concat(base, "emacs"));
    assertEquals(2, bad.code(), bad.all());
    CliHarness.Result noFile = h.run("connect", "--url", NOWHERE, "--print-config", "cursor");
    assertEquals(2, noFile.code(), noFile.all());
    assertTrue(noFile.err().contains("never holds the token"), noFile.all());
  }

  private static String[] concat(String[] a, String last) {
    String[] out = java.util.Arrays.copyOf(a, a.length + 1);
    out[a.length] = last;
    return out;
  }
}
