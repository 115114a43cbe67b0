package dev.ephyr.bench.ssh;

import dev.ephyr.broker.ssh.SignerClient;
import dev.ephyr.broker.ssh.signer.CaKeyFile;
import dev.ephyr.broker.ssh.signer.SignerLimits;
import dev.ephyr.broker.ssh.signer.SignerServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Certificate issuance through the signer: what the broker does per certificate (a fresh Ed25519 user key,
 * one request over the Unix socket, the signer's checks and signature, parsing the answer), in
 * certificates per second. The signer runs in this JVM here, on its own threads, behind the real socket.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SignerBenchmark {
  private Path dir;
  private SignerServer server;
  private SignerClient client;
  private KeyPairGenerator keys;
  private final AtomicLong serial = new AtomicLong(1);

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "ephyr-bench-signer-");
    SignerLimits limits = new SignerLimits(Duration.ofHours(1), Set.of("ops"), Set.of("permit-pty"), Set.of(),
        10_000, 100_000);
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    server = SignerServer.start(CaKeyFile.generate(new SecureRandom()), new SignerServer.Config(dir.resolve("s.sock"),
        limits, Set.of(System.getProperty("user.name")), null), quiet, Clock.systemUTC());
    client = new SignerClient(server.socket(), Duration.ofSeconds(5), 4);
    keys = SecurityUtils.getKeyPairGenerator(SecurityUtils.EDDSA);
    keys.initialize(256);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    client.close();
    server.close();
    Files.deleteIfExists(dir);
  }

  @Benchmark
  public Object issueCertificate() throws Exception {
    KeyPair user = keys.generateKeyPair();
    long s = serial.incrementAndGet();
    JsonObject reply = client.call(new JsonObject().put("op", "sign")
        .put("public_key", PublicKeyEntry.toString(user.getPublic()))
        .put("key_id", "ephyr:bench:01J0000000000000000000000:" + s).put("serial", s)
        .put("principals", new JsonArray().add("ops")).put("ttl_seconds", 300)
        .put("extensions", new JsonArray().add("permit-pty"))).get();
    if (!reply.getBoolean("ok")) {
      throw new IllegalStateException(reply.encode());
    }
    return PublicKeyEntry.parsePublicKeyEntry(reply.getString("certificate")).resolvePublicKey(null, null, null);
  }
}
