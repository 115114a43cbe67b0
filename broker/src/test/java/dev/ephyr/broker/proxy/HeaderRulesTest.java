package dev.ephyr.broker.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ephyr.broker.policy.CredentialAuth;
import dev.ephyr.broker.policy.SecretRef;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

class HeaderRulesTest {
  private static final CredentialAuth BEARER = new CredentialAuth(CredentialAuth.Type.BEARER, null, null,
      new SecretRef("SOME_ENV", null));

  private static MultiMap agent() {
    return MultiMap.caseInsensitiveMultiMap().add("Accept-Encoding", "gzip, br").add("Accept-Charset", "utf-16")
        .add("Range", "bytes=0-9").add("If-Range", "\"v1\"").add("Accept", "application/json");
  }

  @Test
  void outbound_withACredential_asksForPlainWholeAnswers() {
    MultiMap out = HeaderRules.outbound(agent(), BEARER);
    assertEquals("identity", out.get("Accept-Encoding"));
    assertEquals(1, out.getAll("Accept-Encoding").size());
    assertNull(out.get("Accept-Charset"));
    assertNull(out.get("Range"));
    assertNull(out.get("If-Range"));
    assertEquals("application/json", out.get("Accept"));
  }

  @Test
  void outbound_withoutACredential_leavesEncodingAndRangeToTheAgent() {
    MultiMap out = HeaderRules.outbound(agent(), null);
    assertEquals("gzip, br", out.get("Accept-Encoding"));
    assertEquals("bytes=0-9", out.get("Range"));
  }

  @Test
  void unreadableEncoding_namesAnyCodingButIdentityAndChunked() {
    assertNull(HeaderRules.unreadableEncoding(MultiMap.caseInsensitiveMultiMap()));
    assertNull(HeaderRules.unreadableEncoding(MultiMap.caseInsensitiveMultiMap().add("Content-Encoding", "identity")
        .add("Transfer-Encoding", "chunked")));
    for (String coding : new String[] {"gzip", "x-gzip", "deflate", "br", "zstd", "compress", "identity, gzip"}) {
      String why = HeaderRules.unreadableEncoding(MultiMap.caseInsensitiveMultiMap().add("Content-Encoding", coding));
      assertFalse(why == null, coding);
    }
    assertEquals("Transfer-Encoding gzip", HeaderRules.unreadableEncoding(MultiMap.caseInsensitiveMultiMap()
        .add("Transfer-Encoding", "gzip, chunked")));
  }
}
