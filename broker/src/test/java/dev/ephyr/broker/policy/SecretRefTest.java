package dev.ephyr.broker.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretRefTest {
  @TempDir Path dir;

  @Test
  void resolve_readsEnvOrFile_droppingTrailingNewlines() throws Exception {
    assertEquals("s3cret", new SecretRef("TOKEN", null).resolve(Map.of("TOKEN", "s3cret")));
    Path f = dir.resolve("token");
    Files.writeString(f, "from-file\r\n\n");
    assertEquals("from-file", new SecretRef(null, f).resolve(Map.of()));
  }

  @Test
  void resolve_failsWithoutRevealingAnything() {
    IOException unset = assertThrows(IOException.class, () -> new SecretRef("TOKEN", null).resolve(Map.of()));
    assertEquals("environment variable TOKEN is not set", unset.getMessage());
    assertThrows(IOException.class, () -> new SecretRef("TOKEN", null).resolve(Map.of("TOKEN", "")));
    assertThrows(IllegalArgumentException.class, () -> new SecretRef("A", dir));
  }

  @Test
  void parsedAuth_pointsAtTheReference() throws Exception {
    Policy p = Policy.parse("""
        version: 1
        services:
          s: { origin: "https://s.lan:8443", auth: { type: header, name: X-Api-Key, secret_file: /etc/ephyr/../ephyr/s.key } }
          b: { origin: "http://b.lan", auth: { type: basic, username: bot, secret_env: B_PASS } }
        """, "p");
    CredentialAuth s = p.services().get("s").auth();
    assertEquals(CredentialAuth.Type.HEADER, s.type());
    assertEquals("X-Api-Key", s.name());
    assertEquals(Path.of("/etc/ephyr/s.key"), s.secret().file());
    assertEquals("https://s.lan:8443", p.services().get("s").origin().toString());
    CredentialAuth b = p.services().get("b").auth();
    assertEquals("bot", b.username());
    assertEquals("env B_PASS", b.secret().describe());
    assertFalse(p.services().get("b").allowPrivate());
  }
}
