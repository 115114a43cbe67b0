package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.policy.Policy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ephyr dev} gives the operator an admin credential the same way it gives the agent a key. */
class DevAdminTest {
  @TempDir Path cwd;

  @Test
  void prepare_writesAnAdminCredential_whoseHashIsThePolicysAdmin() throws Exception {
    CliHarness h = new CliHarness(cwd);
    Io io = new Io(new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()),
        System.in, h.env, cwd, new java.security.SecureRandom(), java.time.Clock.systemUTC(), h.stop);
    DevCommand.DevState s = DevCommand.prepare(cwd.resolve(".ephyr-dev"), io);
    Path key = s.dir().resolve("admin.key");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    String credential = Files.readString(key).trim();
    Policy p = Policy.load(s.policy());
    assertEquals("dev", p.adminForCredential(credential).orElseThrow().name());
    assertFalse(Files.readString(s.policy()).contains(credential), "the policy holds the hash only");
    assertTrue(p.agentForApiKey(credential).isEmpty(), "the admin credential is not an agent key");
  }
}
