package dev.ephyr.broker.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class UriMappingTest {
  @Test
  void roundTrip_onlyForTheSameRemote() {
    String uri = "file:///a b/ü?x=1&y=ephyr://remote/gh/z#frag";
    String out = UriMapping.outward("gh", uri);
    assertEquals(uri, UriMapping.inward("gh", out));
    assertNull(UriMapping.inward("gl", out), "another remote's URI is not translated for this one");
    assertNull(UriMapping.inward("g", out));
    assertNull(UriMapping.inward("gh", "ephyr://remote/gh/"));
    assertNull(UriMapping.inward("gh", "ephyr://remote/gh/%zz"));
    JsonObject args = new JsonObject().put("u", out).put("list", new JsonArray().add(out).add("plain"))
        .put("other", UriMapping.outward("gl", "x://y"));
    JsonObject in = (JsonObject) UriMapping.inwardAll("gh", args);
    assertEquals(uri, in.getString("u"));
    assertEquals(uri, in.getJsonArray("list").getString(0));
    assertEquals("plain", in.getJsonArray("list").getString(1));
    assertEquals(args.getString("other"), in.getString("other"));
  }
}
