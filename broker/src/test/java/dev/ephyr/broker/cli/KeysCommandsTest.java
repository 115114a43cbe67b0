package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.keys.Keyring;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysCommandsTest {
  @TempDir Path dir;

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void init_writesAKeyringWithMode0600() throws Exception {
    CliHarness.Result r = new CliHarness(dir).run("keys", "init");
    assertEquals(0, r.code(), r.all());
    Path file = dir.resolve("keyring.json");
    assertEquals("rw-------", mode(file));
    Keyring k = Keyring.parse(Files.readAllBytes(file));
    assertEquals("k1", k.activeKid());
    assertTrue(r.out().contains("fingerprint " + k.fingerprint()), r.out());
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary file may be left behind");
    }
  }

  @Test
  void init_refusesToOverwrite_withoutForce() throws Exception {
    CliHarness h = new CliHarness(dir);
    assertEquals(0, h.run("keys", "init", "ring.json").code());
    byte[] before = Files.readAllBytes(dir.resolve("ring.json"));
    CliHarness.Result again = h.run("keys", "init", "ring.json");
    assertEquals(1, again.code());
    assertEquals("ephyr keys init: " + dir.resolve("ring.json") + " already exists; pass --force to overwrite it\n",
        again.err());
    assertArrayEquals(before, Files.readAllBytes(dir.resolve("ring.json")));

    CliHarness.Result forced = h.run("keys", "init", "--keyring", "ring.json", "--force", "--kid", "fresh");
    assertEquals(0, forced.code(), forced.all());
    Keyring k = Keyring.parse(Files.readAllBytes(dir.resolve("ring.json")));
    assertEquals("fresh", k.activeKid());
    assertEquals("rw-------", mode(dir.resolve("ring.json")));
  }

  @Test
  void init_replacesA0644FileWith0600() throws Exception {
    Path file = dir.resolve("keyring.json");
    Files.writeString(file, "old");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertEquals(0, new CliHarness(dir).run("keys", "init", "--force").code());
    assertEquals("rw-------", mode(file));
  }

  @Test
  void init_intoAMissingDirectory_failsClearly() {
    CliHarness.Result r = new CliHarness(dir).run("keys", "init", "no/such/dir/keyring.json");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("does not exist"), r.err());
  }

  @Test
  void rotate_addsANewActiveKey_keepingTheOldOne() throws Exception {
    CliHarness h = new CliHarness(dir);
    h.run("keys", "init");
    String before = Keyring.parse(Files.readAllBytes(dir.resolve("keyring.json"))).fingerprint();
    CliHarness.Result r = h.run("keys", "rotate");
    assertEquals(0, r.code(), r.all());
    Keyring k = Keyring.parse(Files.readAllBytes(dir.resolve("keyring.json")));
    assertEquals("k2", k.activeKid());
    assertEquals(Set.of("k1", "k2"), k.kids());
    assertNotEquals(before, k.fingerprint());
    assertEquals("rw-------", mode(dir.resolve("keyring.json")));

    CliHarness.Result dup = h.run("keys", "rotate", "--kid", "k1");
    assertEquals(1, dup.code());
    assertEquals("ephyr keys rotate: key id 'k1' is already in the keyring\n", dup.err());
  }

  @Test
  void retire_removesAnInactiveKey_only() throws Exception {
    CliHarness h = new CliHarness(dir);
    h.run("keys", "init");
    h.run("keys", "rotate");
    CliHarness.Result active = h.run("keys", "retire", "k2");
    assertEquals(1, active.code());
    assertTrue(active.err().contains("cannot retire the active key"), active.err());
    assertEquals(0, h.run("keys", "retire", "k1").code());
    assertEquals(Set.of("k2"), Keyring.parse(Files.readAllBytes(dir.resolve("keyring.json"))).kids());
  }

  @Test
  void fingerprint_printsOneLine_andWarnsAboutLoosePermissions() throws Exception {
    CliHarness h = new CliHarness(dir);
    h.run("keys", "init");
    Path file = dir.resolve("keyring.json");
    String expected = Keyring.parse(Files.readAllBytes(file)).fingerprint();
    CliHarness.Result r = h.run("keys", "fingerprint");
    assertEquals(0, r.code());
    assertEquals(expected + "\n", r.out());
    assertEquals("", r.err());
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    CliHarness.Result loose = h.run("keys", "fingerprint", "--verbose");
    assertEquals(0, loose.code());
    assertTrue(loose.err().startsWith("warning: "), loose.err());
    assertTrue(loose.out().contains("keys: k1 (active k1)"), loose.out());
  }

  @Test
  void aCorruptKeyring_failsOnOneLine() throws Exception {
    Files.writeString(dir.resolve("keyring.json"), "{\"format\":\"nope\"}");
    Files.setPosixFilePermissions(dir.resolve("keyring.json"), PosixFilePermissions.fromString("rw-------"));
    CliHarness.Result r = new CliHarness(dir).run("keys", "fingerprint");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("ephyr keys fingerprint: " + dir.resolve("keyring.json") + ": not a valid keyring"),
        r.err());
    assertEquals(1, r.err().lines().count());
    CliHarness.Result missing = new CliHarness(dir).run("keys", "rotate", "other.json");
    assertEquals(1, missing.code());
    assertTrue(missing.err().endsWith("other.json: no such file\n"), missing.err());
  }

  @Test
  void keyringGivenTwice_isAUsageError() {
    assertEquals(2, new CliHarness(dir).run("keys", "init", "a.json", "--keyring", "b.json").code());
  }
}
