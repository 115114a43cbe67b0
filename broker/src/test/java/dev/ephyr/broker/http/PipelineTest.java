package dev.ephyr.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineTest {
  private static Exchange exchange() {
    return Exchange.of("r1", "POST", "/mcp", MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer secret"),
        null, null, "127.0.0.1");
  }

  private static final Step ANSWER = (ex, chain) -> Future.succeededFuture(Reply.empty(204, Reply.Audit.allow("x")));

  @Test
  void stepsRunInOrder_andMayShortCircuit() {
    List<String> seen = new ArrayList<>();
    Step first = (ex, chain) -> {
      seen.add("first");
      return chain.proceed(ex);
    };
    Step refuse = (ex, chain) -> {
      seen.add("refuse");
      return Future.succeededFuture(Reply.error(403, "no", "no", null));
    };
    Reply r = new Pipeline(List.of(first, refuse, ANSWER)).run(exchange()).result();
    assertEquals(403, r.status());
    assertEquals(List.of("first", "refuse"), seen);
  }

  @Test
  void proceedingTwice_isRefusedAndNamesTheStep() {
    Step twice = new Step() {
      @Override
      public Future<Reply> handle(Exchange ex, Chain chain) {
        chain.proceed(ex);
        return chain.proceed(ex);
      }
    };
    Future<Reply> r = new Pipeline(List.of(twice, ANSWER)).run(exchange());
    assertTrue(r.failed());
    assertTrue(r.cause().getMessage().contains("more than once"), r.cause().getMessage());
  }

  @Test
  void proceedingPastTheEnd_failsWithTheStepName() {
    Step last = (ex, chain) -> chain.proceed(ex);
    Future<Reply> r = new Pipeline(List.of(last)).run(exchange());
    assertTrue(r.failed());
  }

  @Test
  void exchangeToString_redactsHeaders() {
    String s = exchange().toString();
    assertTrue(!s.contains("secret") && s.contains("redacted"), s);
  }
}
