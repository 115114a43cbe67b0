package dev.ephyr.protocol.macaroon;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ephyr.protocol.internal.Base64Url;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The libmacaroons JSON V2 rendering ({@code {"v":2,"l":…,"i"|"i64":…,"c":[…],"s64":…}}), for
 * inspection. Fields that are valid UTF-8 are written as text, others as base64url under the
 * {@code …64} name, as libmacaroons and go-macaroon do.
 */
public final class MacaroonJson {
  private static final JsonFactory JSON = new JsonFactory();

  private MacaroonJson() {}

  /** Renders {@code m}; the signature is included, as in every macaroon JSON form. */
  public static String render(Macaroon m) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("v", 2);
      if (m.locationBytes() != null) {
        writeBytes(g, "l", m.locationBytes());
      }
      writeBytes(g, "i", m.identifierBytes());
      g.writeArrayFieldStart("c");
      for (byte[] caveat : m.caveatBytes()) {
        g.writeStartObject();
        writeBytes(g, "i", caveat);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeStringField("s64", Base64Url.encode(m.signatureBytes()));
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void writeBytes(JsonGenerator g, String name, byte[] value) throws IOException {
    String text = utf8OrNull(value);
    if (text != null) {
      g.writeStringField(name, text);
    } else {
      g.writeStringField(name + "64", Base64Url.encode(value));
    }
  }

  /** The bytes as a string when they are valid UTF-8, else {@code null}. */
  static String utf8OrNull(byte[] value) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(value))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
