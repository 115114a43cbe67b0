package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.ssh.signer.CaKeyFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ephyr signer}: refuses a readable CA key and bad limits with one clear line; runs and stops cleanly. */
final class SignerCommandTest {
  @TempDir Path dir;

  @Test
  void signer_refusesACaKeyOthersCanRead() throws Exception {
    Path key = dir.resolve("ca");
    CaKeyFile.create(key, new SecureRandom());
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
    CliHarness.Result r = new CliHarness(dir).run("signer", "--key", "ca", "--socket", "run/s.sock",
        "--principals", "ops");
    assertEquals(1, r.code(), r.all());
    assertTrue(r.err().contains("chmod 600"), r.all());
  }

  @Test
  void signer_refusesBadLimits() {
    CliHarness h = new CliHarness(dir);
    assertEquals(2, h.run("signer", "--key", "ca", "--socket", "s.sock").code(), "principals are required");
    CliHarness.Result ttl = h.run("signer", "--key", "ca", "--socket", "s.sock", "--principals", "ops", "--max-ttl", "48h");
    assertEquals(2, ttl.code(), ttl.all());
    assertTrue(ttl.err().contains("24h"), ttl.all());
    CliHarness.Result ext = h.run("signer", "--key", "ca", "--socket", "s.sock", "--principals", "ops",
        "--extensions", "permit-everything");
    assertEquals(2, ext.code(), ext.all());
    assertTrue(ext.err().contains("unknown extension"), ext.all());
  }

  @Test
  void signer_createsItsKey_listens_andStops() throws Exception {
    Path sock = Files.createTempDirectory(Path.of("/tmp"), "ephyr-cli-signer-").resolve("s.sock");
    CliHarness h = new CliHarness(dir);
    CompletableFuture<CliHarness.Result> run = CompletableFuture.supplyAsync(() -> h.run("signer", "--key", "ca",
        "--create-key", "--socket", sock.toString(), "--principals", "ops"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(sock) && System.nanoTime() < deadline && !run.isDone()) {
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // polling for the socket
    }
    assertTrue(Files.exists(sock), "the signer did not listen");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca"))));
    h.stop.fire();
    CliHarness.Result r = run.get(30, TimeUnit.SECONDS);
    assertEquals(0, r.code(), r.all());
    assertTrue(r.out().contains("\"event\":\"started\""), r.all());
    assertTrue(!Files.exists(sock), "the socket is removed on stop");
    Files.deleteIfExists(sock.getParent());
  }
}
