package dev.ephyr.broker.ssh.signer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The signer enforces its own limits, whoever asks on its socket: attacks speak the wire protocol directly. */
final class SignerServerTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private Path dir;
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();
  private SignerServer server;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory(Path.of("/tmp"), "ephyr-signer-test-");
  }

  @AfterEach
  void tearDown() throws IOException {
    if (server != null) {
      server.close();
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private SignerServer start(int burst, Set<String> peers) throws SignerSetupException {
    SignerLimits limits = new SignerLimits(Duration.ofMinutes(10), Set.of("deploy", "ops"), Set.of("permit-pty"),
        Set.of("force-command"), 0.001, burst);
    server = SignerServer.start(CaKeyFile.generate(RANDOM), new SignerServer.Config(dir.resolve("run/s.sock"), limits,
        peers, null), new PrintStream(log, true, StandardCharsets.UTF_8), Clock.systemUTC());
    return server;
  }

  private SignerServer start(int burst) throws SignerSetupException {
    return start(burst, Set.of(System.getProperty("user.name")));
  }

  private SocketChannel connect() throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(server.socket()));
    return ch;
  }

  private JsonObject ask(JsonObject req) throws IOException {
    try (SocketChannel ch = connect()) {
      Frames.write(ch, req.encode());
      return new JsonObject(Frames.read(ch));
    }
  }

  private static long serial = 1000;

  private static JsonObject sign(JsonArray principals, long ttl) {
    long s = ++serial;
    KeyPair user = CaKeyFile.generate(RANDOM);
    return new JsonObject().put("op", "sign").put("public_key", PublicKeyEntry.toString(user.getPublic()))
        .put("key_id", "ephyr:alice:01J0000000000000000000000:" + s).put("serial", s).put("principals", principals)
        .put("ttl_seconds", ttl).put("extensions", new JsonArray().add("permit-pty"));
  }

  @Test
  void sign_withinLimits_givesACertificateAndLogsIt() throws Exception {
    start(10);
    JsonObject req = sign(new JsonArray().add("ops"), 300);
    JsonObject r = ask(req);
    assertTrue(r.getBoolean("ok"), r.encode());
    OpenSshCertificate cert = (OpenSshCertificate) PublicKeyEntry.parsePublicKeyEntry(r.getString("certificate"))
        .resolvePublicKey(null, null, null);
    assertEquals(req.getLong("serial"), cert.getSerial());
    assertEquals(java.util.List.of("ops"), cert.getPrincipals());
    assertEquals(330, r.getLong("valid_before") - r.getLong("valid_after"));
    String logged = log.toString(StandardCharsets.UTF_8);
    assertTrue(logged.contains("\"event\":\"signed\"") && logged.contains(req.getString("key_id")), logged);
    assertFalse(logged.contains("PRIVATE"), logged);
    assertEquals(server.caPublicKey(), ask(new JsonObject().put("op", "public_key")).getString("public_key"));
  }

  @Test
  void sign_refusesOverlongTtl_emptyOrUnlistedPrincipals_andUnallowedExtensionsOrOptions() throws Exception {
    start(100);
    assertEquals("ttl_too_long", ask(sign(new JsonArray().add("ops"), 601)).getString("error"));
    assertEquals("principal_required", ask(sign(new JsonArray(), 60)).getString("error"));
    assertEquals("principal_required", ask(sign(new JsonArray(), 60).put("principals", (Object) null)).getString("error"));
    assertEquals("principal_not_allowed", ask(sign(new JsonArray().add("root"), 60)).getString("error"));
    assertEquals("principal_not_allowed", ask(sign(new JsonArray().add("ops").add("root"), 60)).getString("error"));
    assertEquals("extension_not_allowed", ask(sign(new JsonArray().add("ops"), 60)
        .put("extensions", new JsonArray().add("permit-user-rc"))).getString("error"));
    assertEquals("option_not_allowed", ask(sign(new JsonArray().add("ops"), 60)
        .put("critical_options", new JsonObject().put("source-address", "10.0.0.0/8"))).getString("error"));
    assertEquals("bad_request", ask(sign(new JsonArray().add("ops"), 0)).getString("error"));
    assertEquals("bad_request", ask(sign(new JsonArray().add("ops"), 60).put("key_id", "ephyr:a:b:1")).getString("error"),
        "the key id must carry the certificate's serial");
    assertEquals("bad_request", ask(sign(new JsonArray().add("ops"), 60).put("validity", "forever")).getString("error"));
    assertEquals("bad_request", ask(new JsonObject().put("op", "sign_anything")).getString("error"));
    assertEquals("bad_request", ask(sign(new JsonArray().add("ops"), 60).put("public_key", "ssh-ed25519 AAAA")).getString("error"));
    String logged = log.toString(StandardCharsets.UTF_8);
    assertFalse(logged.contains("\"event\":\"signed\""), "nothing was signed");
    assertTrue(logged.contains("\"code\":\"ttl_too_long\""), "refusals are logged too");
  }

  @Test
  void sign_refusesBurstsAboveTheRateLimit() throws Exception {
    start(3);
    int ok = 0;
    int limited = 0;
    try (SocketChannel ch = connect()) {
      for (int i = 0; i < 10; i++) {
        Frames.write(ch, sign(new JsonArray().add("deploy"), 60).encode());
        JsonObject r = new JsonObject(Frames.read(ch));
        if (r.getBoolean("ok")) {
          ok++;
        } else {
          assertEquals("rate_limited", r.getString("error"));
          limited++;
        }
      }
    }
    assertEquals(3, ok);
    assertEquals(7, limited);
  }

  @Test
  void frames_oversizedOrGarbage_getAClearErrorAndNoCrash() throws Exception {
    start(10);
    try (SocketChannel ch = connect()) {
      ByteBuffer b = ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE);
      b.flip();
      ch.write(b);
      JsonObject r = new JsonObject(Frames.read(ch));
      assertEquals("frame_too_large", r.getString("error"));
      assertNull(Frames.read(ch), "the connection is closed after a bad frame");
    }
    try (SocketChannel ch = connect()) {
      Frames.write(ch, "{not json");
      assertEquals("bad_request", new JsonObject(Frames.read(ch)).getString("error"));
      Frames.write(ch, "[1,2]");
      assertEquals("bad_request", new JsonObject(Frames.read(ch)).getString("error"));
      Frames.write(ch, "{\"op\":\"ping\"}");
      assertTrue(new JsonObject(Frames.read(ch)).getBoolean("ok"), "still serving on the same connection");
    }
  }

  @Test
  void socket_isOwnerOnly_andOtherPeersAreRefused() throws Exception {
    start(10, Set.of("somebody-else"));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(server.socket())));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(server.socket().getParent())));
    try (SocketChannel ch = connect()) {
      Frames.write(ch, "{\"op\":\"ping\"}");
      assertNull(Frames.read(ch), "a peer not on the allow-list is disconnected without an answer");
    } catch (IOException e) {
      // also acceptable: the signer closed before our write
    }
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("peer_refused"));
  }

  @Test
  void setup_refusesAnOpenSocketDirectory() throws Exception {
    Path open = Files.createDirectories(dir.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
    SignerLimits limits = new SignerLimits(Duration.ofMinutes(5), Set.of("ops"), Set.of(), Set.of(), 1, 1);
    SignerSetupException e = assertThrows(SignerSetupException.class, () -> SignerServer.start(
        CaKeyFile.generate(RANDOM), new SignerServer.Config(open.resolve("s.sock"), limits, Set.of("x"), null),
        new PrintStream(log), Clock.systemUTC()));
    assertTrue(e.getMessage().contains("0700"), e.getMessage());
  }

  @Test
  void caKey_isCreatedOwnerOnly_andALooseModeIsRefused() throws Exception {
    Path key = dir.resolve("ca");
    KeyPair created = CaKeyFile.create(key, RANDOM);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    assertEquals(PublicKeyEntry.toString(created.getPublic()), PublicKeyEntry.toString(CaKeyFile.load(key).getPublic()));
    assertThrows(SignerSetupException.class, () -> CaKeyFile.create(key, RANDOM), "never overwrites");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    SignerSetupException e = assertThrows(SignerSetupException.class, () -> CaKeyFile.load(key));
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(key, "not a key");
    assertThrows(SignerSetupException.class, () -> CaKeyFile.load(key));
  }
}
