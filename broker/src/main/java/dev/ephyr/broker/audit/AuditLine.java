package dev.ephyr.broker.audit;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * The on-disk form of one chained record: a JSON object on one line whose last member is
 * {@code "mac":"<hex>"}. The MAC covers the exact bytes of the line with that member removed
 * ({@code {... ,"prev":"<hex>"}}), so verification needs no canonical JSON: it cuts the line, recomputes and
 * compares. {@code prev} is the previous record's MAC ({@link #GENESIS} for the first record of a chain),
 * {@code seq} counts records from 1, {@code kid} names the key.
 */
public final class AuditLine {
  /** {@code prev} of the first record of a chain. */
  public static final String GENESIS = "0".repeat(64);
  /** Longest line accepted when reading (events are clipped far below this). */
  public static final int MAX_LINE = 64 * 1024;

  private static final String MAC_MEMBER = ",\"mac\":\"";

  private AuditLine() {}

  /**
   * A signed record.
   *
   * @param line the line without the newline
   * @param mac its MAC (the next record's {@code prev})
   * @param json the record as JSON, MAC included (what live subscribers receive)
   */
  public record Signed(String line, String mac, JsonObject json) {}

  /** Signs {@code event} at {@code seq} after {@code prev} with the active key. */
  public static Signed sign(JsonObject event, long seq, String prev, AuditKeys keys) {
    JsonObject o = new JsonObject().put("seq", seq);
    event.forEach(e -> {
      if (!e.getKey().equals("seq") && !e.getKey().equals("kid") && !e.getKey().equals("prev")
          && !e.getKey().equals("mac")) {
        o.put(e.getKey(), e.getValue());
      }
    });
    o.put("kid", keys.activeKid()).put("prev", prev);
    String body = o.encode();
    String mac = keys.mac(keys.activeKid(), body.getBytes(StandardCharsets.UTF_8));
    return new Signed(body.substring(0, body.length() - 1) + MAC_MEMBER + mac + "\"}", mac, o.put("mac", mac));
  }

  /** A line split into its signed body and MAC, parsed; or why it cannot be. */
  public sealed interface Parsed {
    /** Well-formed (not yet verified). */
    record Record(JsonObject json, byte[] body, String mac, long seq, String kid, String prev) implements Parsed {}

    /** Not a chained record. */
    record Broken(String problem) implements Parsed {}
  }

  /** Splits and parses one line (no newline). */
  public static Parsed parse(String line) {
    if (line.length() > MAX_LINE) {
      return new Parsed.Broken("line longer than " + MAX_LINE + " characters");
    }
    int at = line.lastIndexOf(MAC_MEMBER);
    if (at < 0 || !line.endsWith("\"}") || line.length() - at != MAC_MEMBER.length() + 64 + 2) {
      return new Parsed.Broken("no trailing \"mac\" member");
    }
    String mac = line.substring(at + MAC_MEMBER.length(), line.length() - 2);
    String body = line.substring(0, at) + "}";
    JsonObject json;
    try {
      json = new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      return new Parsed.Broken("not a JSON object");
    }
    Object seq = json.getValue("seq");
    Object kid = json.getValue("kid");
    Object prev = json.getValue("prev");
    if (!(seq instanceof Number n) || !(kid instanceof String k) || !(prev instanceof String p)) {
      return new Parsed.Broken("missing seq, kid or prev");
    }
    return new Parsed.Record(json, body.getBytes(StandardCharsets.UTF_8), mac, n.longValue(), k, p);
  }
}
