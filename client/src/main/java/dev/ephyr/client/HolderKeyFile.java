package dev.ephyr.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephyr.protocol.InsecureSecretAccess;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A holder's Ed25519 key in a file: a private JWK ({@code kty OKP}, {@code crv Ed25519}, {@code x}, {@code d}),
 * created with mode 0600 when missing and refused when others may read or write it. The key never leaves
 * this class except as a {@link HolderKeyPair}, whose {@code toString} is redacted.
 */
public final class HolderKeyFile {
  private static final int MAX_BYTES = 4096;
  private static final ObjectMapper JSON = new ObjectMapper();

  private HolderKeyFile() {}

  /**
   * The key in {@code file}.
   *
   * @param created whether this call made the key
   */
  public record Loaded(HolderKeyPair key, boolean created) {}

  /** Loads the key in {@code file}, or creates one (0600) when the file does not exist. */
  public static Loaded loadOrCreate(Path file, SecureRandom random) throws ClientException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(random, "random");
    if (OwnerOnlyFiles.exists(file)) {
      return new Loaded(load(file), false);
    }
    HolderKeyPair key = HolderKeyPair.generate(random);
    byte[] seed = key.seedForStorage(InsecureSecretAccess.get());
    ObjectNode jwk = JSON.createObjectNode()
        .put("kty", "OKP")
        .put("crv", "Ed25519")
        .put("x", key.publicKey().x())
        .put("d", Base64.getUrlEncoder().withoutPadding().encodeToString(seed));
    Arrays.fill(seed, (byte) 0);
    byte[] text = (jwk.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    OwnerOnlyFiles.write(file, text, "key file");
    Arrays.fill(text, (byte) 0);
    return new Loaded(key, true);
  }

  /** Loads the key in {@code file}; refuses a file readable by others, a public-only JWK and a mismatched pair. */
  public static HolderKeyPair load(Path file) throws ClientException {
    byte[] text = OwnerOnlyFiles.read(file, MAX_BYTES, "key file");
    JsonNode jwk;
    try {
      jwk = JSON.readTree(text);
    } catch (IOException e) {
      throw new ClientException("key file " + file + " is not JSON (expected a private Ed25519 JWK)");
    } finally {
      Arrays.fill(text, (byte) 0);
    }
    if (jwk == null || !jwk.isObject() || !"OKP".equals(jwk.path("kty").asText()) || !"Ed25519".equals(jwk.path("crv").asText())
        || !jwk.path("d").isTextual() || !jwk.path("x").isTextual()) {
      throw new ClientException("key file " + file + " is not a private Ed25519 JWK (kty OKP, crv Ed25519, x, d)");
    }
    byte[] seed;
    try {
      seed = Base64.getUrlDecoder().decode(jwk.get("d").asText());
    } catch (IllegalArgumentException e) {
      throw new ClientException("key file " + file + ": d is not base64url");
    }
    if (seed.length != HolderKeyPair.SEED_LENGTH) {
      throw new ClientException("key file " + file + ": d must be a 32-byte Ed25519 seed");
    }
    HolderKeyPair key = HolderKeyPair.fromSeed(seed);
    Arrays.fill(seed, (byte) 0);
    if (!key.publicKey().x().equals(jwk.get("x").asText())) {
      throw new ClientException("key file " + file + ": x does not belong to d (a damaged or edited file)");
    }
    return key;
  }
}
