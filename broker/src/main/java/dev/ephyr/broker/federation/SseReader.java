package dev.ephyr.broker.federation;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * An incremental, bounded reader of {@code text/event-stream}: feed it the body in chunks and it hands each
 * complete event's data to a consumer. A line or an event larger than the limit is an error, never a
 * buffer that grows without bound; the total is bounded by the caller.
 */
final class SseReader {
  private final int maxEventBytes;
  private final int maxEvents;
  private final Consumer<String> onData;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private boolean afterCr;
  private String eventType = "";
  private int events;

  /**
   * @param maxEventBytes largest line, and largest data of one event
   * @param maxEvents most events in one stream
   * @param onData receives the data of each {@code message} event (events of other types are skipped)
   */
  SseReader(int maxEventBytes, int maxEvents, Consumer<String> onData) {
    this.maxEventBytes = maxEventBytes;
    this.maxEvents = maxEvents;
    this.onData = onData;
  }

  /** Thrown for a stream that breaks a limit; stackless, it is an expected outcome. */
  static final class SseException extends Exception {
    SseException(String message) {
      super(message, null, false, false);
    }
  }

  /** Consumes the next chunk. */
  void feed(Buffer chunk) throws SseException {
    byte[] bytes = chunk.getBytes();
    for (byte b : bytes) {
      if (afterCr) {
        afterCr = false;
        if (b == '\n') {
          continue; // the \n of a \r\n pair
        }
      }
      if (b == '\n' || b == '\r') {
        afterCr = b == '\r';
        endLine();
      } else {
        if (line.size() >= maxEventBytes) {
          throw new SseException("an event-stream line is longer than " + maxEventBytes + " bytes");
        }
        line.write(b);
      }
    }
  }

  /** The stream ended; a last event without its blank line is dispatched, as browsers do not. Ignored. */
  void end() {
    // An unterminated event is incomplete by the spec and is discarded.
  }

  private void endLine() throws SseException {
    String text = line.toString(StandardCharsets.UTF_8);
    line.reset();
    if (text.isEmpty()) {
      dispatch();
      return;
    }
    if (text.charAt(0) == ':') {
      return; // comment, e.g. a keep-alive
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "data":
        if (hasData) {
          data.append('\n');
        }
        data.append(value);
        hasData = true;
        if (data.length() > maxEventBytes) {
          throw new SseException("an event-stream event is larger than " + maxEventBytes + " bytes");
        }
        break;
      case "event":
        eventType = value;
        break;
      default:
        break; // id, retry and unknown fields do not matter for one response stream
    }
  }

  private void dispatch() throws SseException {
    if (!hasData) {
      eventType = "";
      return;
    }
    if (++events > maxEvents) {
      throw new SseException("the event stream carried more than " + maxEvents + " events");
    }
    String payload = data.toString();
    boolean message = eventType.isEmpty() || eventType.equals("message");
    data.setLength(0);
    hasData = false;
    eventType = "";
    if (message) {
      onData.accept(payload);
    }
  }
}
