package dev.ephyr.broker.tasks;

import dev.ephyr.cluster.RaiseResult;
import dev.ephyr.cluster.TaskRecord;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.keys.Keyring;
import dev.ephyr.protocol.verify.TaskGrant;
import dev.ephyr.protocol.verify.TokenMinter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;

/**
 * Runs, on the thread that builds the node, the token minting and JSON rendering of a {@code task_create}, and the
 * rendering of the acknowledgement that bind, reissue and revoke answer with, so the first real ones find their
 * classes loaded and linked: about 15 ms of the 120–180 ms the first create spent on an event loop (most of the rest
 * was the cluster's serialization, warmed by the cluster module), and the first bind's Jackson set-up. The key is
 * thrown away: its token verifies nowhere, and nothing is stored.
 */
final class TaskWarmup {
  // A well-formed id that no generator makes (its time part is zero).
  private static final String SAMPLE_ID = "00000000000000000000000000";

  private TaskWarmup() {}

  /** Mints and renders one sample task. Blocking; never on an event loop. */
  static void run() {
    long now = Instant.now().getEpochSecond();
    TokenMinter minter = new TokenMinter(Keyring.generate("warm-up", new SecureRandom()));
    Envelope env = EnvelopeJson.requested(new JsonObject().put("methods", new JsonArray().add("GET")), now + 60,
        true, 2);
    String token = minter.mintRoot(new TaskGrant(SAMPLE_ID, 0, "warm-up", "urn:ephyr:agent:warm-up", null, null,
        env));
    JsonObject shown = EnvelopeJson.render(env);
    TaskRecord record = new TaskRecord(SAMPLE_ID, SAMPLE_ID, null, "warm-up", 0, 0, Instant.ofEpochSecond(now),
        Instant.ofEpochSecond(now + 60), null, null, TaskJson.summary(shown, "warm-up"));
    JsonObject minted = TaskJson.minted(record, token, env, shown, now);
    // The acknowledgement of bind, reissue and revoke: its member lists are immutable lists, another serializer.
    JsonObject ack = TaskJson.ack(new JsonObject().put("task_id", SAMPLE_ID),
        new RaiseResult(SAMPLE_ID, 1, List.of("warm-up"), List.of()));
    // As the MCP answer carries them: pretty text inside a result (Jackson builds its serializers on first use).
    for (JsonObject answer : List.of(minted, ack, TaskJson.record(record, TaskStatus.ACTIVE, now * 1000))) {
      new JsonObject().put("content", new JsonArray().add(new JsonObject().put("text", answer.encodePrettily())))
          .put("structuredContent", answer).toBuffer();
    }
  }
}
