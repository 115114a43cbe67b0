package dev.ephyr.broker.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ephyr.broker.auth.Authenticator;
import dev.ephyr.broker.http.Attributes;
import dev.ephyr.broker.http.Exchange;
import dev.ephyr.broker.http.JsonBodies;
import dev.ephyr.broker.http.OriginStep;
import dev.ephyr.broker.http.Reply;
import dev.ephyr.broker.http.Step;
import dev.ephyr.protocol.verify.Purpose;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The parse and origin steps against a fake chain that records what it was given. */
class McpParseStepTest {
  private final AtomicReference<Exchange> seen = new AtomicReference<>();
  private final Step.Chain chain = ex -> {
    seen.set(ex);
    return Future.succeededFuture(Reply.empty(200, Reply.Audit.allow(null)));
  };

  private static Exchange post(String body, String... headers) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      h.set(headers[i], headers[i + 1]);
    }
    return Exchange.of("r", "POST", "/mcp", h, Buffer.buffer(body), null, "-");
  }

  private Reply parse(Exchange ex) {
    return new McpParseStep(new JsonBodies(1 << 20)).handle(ex, chain).result();
  }

  @Test
  void taskBind_isParsedForTheBindPurpose_otherCallsForUse() {
    parse(post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"task_bind\"}}"));
    assertEquals(Purpose.BIND, seen.get().get(Attributes.PURPOSE));
    assertEquals(Authenticator.BindPendingUse.REFUSE, seen.get().get(Attributes.BIND_PENDING));
    parse(post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"task_info\"}}"));
    assertEquals(Purpose.USE, seen.get().get(Attributes.PURPOSE));
  }

  @Test
  void onlyPlumbing_admitsBindPendingTokens() {
    parse(post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"));
    assertEquals(Authenticator.BindPendingUse.ADMIT, seen.get().get(Attributes.BIND_PENDING));
    parse(post("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},{\"jsonrpc\":\"2.0\",\"id\":2,"
        + "\"method\":\"resources/read\",\"params\":{\"uri\":\"ephyr://whoami\"}}]"));
    assertEquals(Authenticator.BindPendingUse.REFUSE, seen.get().get(Attributes.BIND_PENDING));
  }

  @Test
  void transportHeaders_areChecked_beforeTheChain() {
    seen.set(null);
    assertEquals(415, parse(post("{}", "Content-Type", "text/plain")).status());
    assertEquals(406, parse(post("{}", "Accept", "text/html")).status());
    assertEquals(400, parse(post("{}", "MCP-Protocol-Version", "1.0")).status());
    assertEquals(400, parse(post("")).status());
    assertNull(seen.get(), "nothing reached the chain");
  }

  @Test
  void originStep_allowsAbsentAndListedOrigins() {
    OriginStep origin = new OriginStep(List.of("https://ok.example"));
    assertEquals(200, origin.handle(post("{}"), chain).result().status());
    assertEquals(200, origin.handle(post("{}", "Origin", "https://ok.example"), chain).result().status());
    assertEquals(403, origin.handle(post("{}", "Origin", "null"), chain).result().status());
    assertEquals(403, origin.handle(post("{}", "Origin", "https://ok.example.evil"), chain).result().status());
  }
}
