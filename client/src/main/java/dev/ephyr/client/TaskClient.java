package dev.ephyr.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Task operations for agent code: create a root task with an API key, delegate a narrower child, bind a
 * pending task to the holder key, or call any tool — each one MCP {@code tools/call} through a
 * {@link BrokerTransport}, so proofs, nonces and failover come for free.
 */
public final class TaskClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> HEADERS = Map.of("Content-Type", "application/json",
      "Accept", "application/json, text/event-stream");

  private final BrokerTransport transport;
  private final AtomicLong ids = new AtomicLong();

  /** Task operations over {@code transport}. */
  public TaskClient(BrokerTransport transport) {
    this.transport = Objects.requireNonNull(transport, "transport");
  }

  /** What came of a tool call. */
  public sealed interface Outcome {
    /** The tool's structured result (for task tools: {@code task_id}, {@code token}, …). */
    record Ok(JsonNode value) implements Outcome {}

    /** The broker refused the credentials (HTTP) or the tool refused the operation (tool error). */
    record Refused(Refusal refusal) implements Outcome {}

    /** No node answered usably; {@code detail} says why. */
    record Failed(String detail) implements Outcome {}
  }

  /** Creates a root task with the agent's API key; {@code args} as for the {@code task_create} tool. */
  public Outcome create(String apiKey, ObjectNode args) throws InterruptedException {
    return call(Credential.apiKey(apiKey), "task_create", args);
  }

  /** Delegates a child task; {@code args} as for {@code task_delegate} (e.g. {@code parent_token}, {@code bind_within}). */
  public Outcome delegate(Credential caller, ObjectNode args) throws InterruptedException {
    return call(caller, "task_delegate", args);
  }

  /**
   * Binds a pending task to the transport's signing key; the result's {@code token} is the bound token,
   * which is returned only once — keep it.
   */
  public Outcome bind(String pendingToken) throws InterruptedException {
    return call(Credential.proofToken(pendingToken), "task_bind", JSON.createObjectNode());
  }

  /** Calls {@code tool} with {@code args} as {@code caller}. */
  public Outcome call(Credential caller, String tool, ObjectNode args) throws InterruptedException {
    ObjectNode rpc = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", "c" + ids.incrementAndGet())
        .put("method", "tools/call");
    rpc.putObject("params").put("name", tool).set("arguments", args == null ? JSON.createObjectNode() : args);
    String id = rpc.get("id").asText();
    BrokerTransport.Outcome o = transport.send("POST", caller, rpc.toString().getBytes(StandardCharsets.UTF_8), HEADERS,
        BrokerTransport.Repeat.NEVER_AFTER_SEND);
    if (o instanceof BrokerTransport.Outcome.Unreachable u) {
      return new Outcome.Failed("no node reachable: " + u.detail());
    }
    if (o instanceof BrokerTransport.Outcome.Lost l) {
      return new Outcome.Failed("connection to " + l.node() + " lost: " + l.detail() + "; the call may have run");
    }
    BrokerTransport.Outcome.Answered a = (BrokerTransport.Outcome.Answered) o;
    try {
      if (a.status() != 200) {
        return new Outcome.Refused(Refusal.parse(a.status(), BrokerTransport.readBounded(a.body())));
      }
      JsonNode[] found = new JsonNode[1];
      McpAnswers.read(a.header("Content-Type"), a.body(), msg -> {
        JsonNode n = JSON.readTree(msg);
        if (n != null && id.equals(n.path("id").asText(null))) {
          found[0] = n;
        }
      });
      return toolOutcome(found[0]);
    } catch (IOException e) {
      return new Outcome.Failed("unreadable answer from " + a.node() + ": " + e.getClass().getSimpleName());
    }
  }

  private static Outcome toolOutcome(JsonNode rpc) throws IOException {
    if (rpc == null) {
      return new Outcome.Failed("the answer held no response to the call");
    }
    if (rpc.has("error")) {
      return new Outcome.Refused(new Refusal(0, "invalid_params", rpc.path("error").path("message").asText("")));
    }
    JsonNode result = rpc.path("result");
    JsonNode structured = result.get("structuredContent");
    if (structured == null) {
      String text = result.path("content").path(0).path("text").asText("");
      if (result.path("isError").asBoolean(false)) {
        int colon = text.indexOf(": ");
        return new Outcome.Refused(colon > 0 ? new Refusal(0, text.substring(0, colon), text.substring(colon + 2))
            : new Refusal(0, "refused", text));
      }
      structured = JSON.readTree(text);
    }
    if (result.path("isError").asBoolean(false)) {
      return new Outcome.Refused(new Refusal(0, structured.path("error").asText("refused"),
          structured.path("message").asText("")));
    }
    return new Outcome.Ok(structured);
  }
}
