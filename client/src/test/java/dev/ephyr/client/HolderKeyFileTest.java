package dev.ephyr.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.protocol.dpop.HolderKeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HolderKeyFileTest {
  @TempDir Path dir;

  @Test
  void createsOwnerOnly_andLoadsTheSameKey() throws Exception {
    Path f = dir.resolve("sub").resolve("holder.jwk");
    HolderKeyFile.Loaded made = HolderKeyFile.loadOrCreate(f, new SecureRandom());
    assertTrue(made.created());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.getParent())));
    HolderKeyFile.Loaded again = HolderKeyFile.loadOrCreate(f, new SecureRandom());
    assertFalse(again.created());
    assertEquals(made.key().jkt(), again.key().jkt());
    String d = new com.fasterxml.jackson.databind.ObjectMapper().readTree(f.toFile()).path("d").asText();
    assertEquals(43, d.length());
    assertFalse(made.key().toString().contains(d), "the key's toString shows its seed");
  }

  @Test
  void refusesFilesOthersCanReadOrWrite() throws Exception {
    Path f = dir.resolve("holder.jwk");
    HolderKeyFile.loadOrCreate(f, new SecureRandom());
    for (String mode : new String[] {"rw-r-----", "rw----r--", "rw--w----"}) {
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
      ClientException e = assertThrows(ClientException.class, () -> HolderKeyFile.load(f));
      assertTrue(e.getMessage().contains("by others than its owner"), e.getMessage());
    }
  }

  @Test
  void refusesLinksDamagedFilesAndMismatchedPairs() throws Exception {
    Path real = dir.resolve("real.jwk");
    HolderKeyFile.loadOrCreate(real, new SecureRandom());
    Path link = Files.createSymbolicLink(dir.resolve("link.jwk"), real);
    assertTrue(assertThrows(ClientException.class, () -> HolderKeyFile.load(link)).getMessage().contains("links"));

    Path other = dir.resolve("other.jwk");
    HolderKeyFile.loadOrCreate(other, new SecureRandom());
    String x = HolderKeyPair.generate(new SecureRandom()).publicKey().x();
    String text = Files.readString(other).replaceAll("\"x\":\"[^\"]+\"", "\"x\":\"" + x + "\"");
    Files.writeString(other, text);
    assertTrue(assertThrows(ClientException.class, () -> HolderKeyFile.load(other)).getMessage()
        .contains("x does not belong to d"));

    Files.writeString(other, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + x + "\"}");
    assertTrue(assertThrows(ClientException.class, () -> HolderKeyFile.load(other)).getMessage()
        .contains("not a private Ed25519 JWK"));
    Files.writeString(other, "not json");
    assertThrows(ClientException.class, () -> HolderKeyFile.load(other));
  }
}
