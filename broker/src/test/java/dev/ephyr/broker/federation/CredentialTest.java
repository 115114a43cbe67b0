package dev.ephyr.broker.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.ephyr.broker.policy.CredentialAuth;
import dev.ephyr.broker.policy.SecretRef;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A rediscovery keeps the credential (and its matcher) only while the secret and its use are unchanged. */
class CredentialTest {
  private static final CredentialAuth BEARER = new CredentialAuth(CredentialAuth.Type.BEARER, null, null,
      new SecretRef(null, Path.of("/etc/ephyr/remote.secret")));
  private static final CredentialAuth BASIC = new CredentialAuth(CredentialAuth.Type.BASIC, null, "bot",
      new SecretRef(null, Path.of("/etc/ephyr/remote.secret")));

  @Test
  void theSameSecretKeepsTheCredential_aChangedOneGetsANewMatcher() {
    Credential first = Credential.reuse(null, BEARER, "remote-secret-one");
    assertSame(first, Credential.reuse(first, BEARER, new String("remote-secret-one")));
    Credential second = Credential.reuse(first, BEARER, "remote-secret-two");
    assertNotSame(first, second);
    assertEquals("a [redacted] b", second.redact("a remote-secret-two b"));
    assertEquals("a remote-secret-one b", second.redact("a remote-secret-one b"));
    Credential basic = Credential.reuse(second, BASIC, "remote-secret-two");
    assertNotSame(second, basic, "another way of sending it spells it differently (the Basic token)");
    assertEquals("[redacted]", basic.redact(java.util.Base64.getEncoder()
        .encodeToString("bot:remote-secret-two".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    assertNotSame(Credential.NONE, Credential.reuse(Credential.NONE, BEARER, "remote-secret-one"));
    assertFalse(basic.toString().contains("remote-secret"));
  }
}
