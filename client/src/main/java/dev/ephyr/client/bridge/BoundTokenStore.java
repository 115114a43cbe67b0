package dev.ephyr.client.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephyr.client.ClientException;
import dev.ephyr.client.OwnerOnlyFiles;
import dev.ephyr.protocol.macaroon.MacaroonFormatException;
import dev.ephyr.protocol.verify.TaskHop;
import dev.ephyr.protocol.verify.TokenInspector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The bound token a bind returned, kept in a 0600 file next to the key so a restarted bridge continues with
 * it (a task binds only once, and the broker hands the bound token out only then).
 */
public final class BoundTokenStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BYTES = 32 * 1024;

  private final Path file;

  /** A store in {@code file}. */
  public BoundTokenStore(Path file) {
    this.file = file;
  }

  /** The default place for the key file {@code keyFile}: the same name with {@code .bound-token} appended. */
  public static Path besideKey(Path keyFile) {
    return keyFile.resolveSibling(keyFile.getFileName() + ".bound-token");
  }

  /** The file. */
  public Path file() {
    return file;
  }

  /**
   * The stored token when it is {@code task}'s token bound to {@code jkt}; {@code null} when there is none or
   * it belongs to another task or key (a new task then overwrites it after its bind).
   */
  public String find(String task, String jkt) throws ClientException {
    if (!OwnerOnlyFiles.exists(file)) {
      return null;
    }
    byte[] text = OwnerOnlyFiles.read(file, MAX_BYTES, "bound-token file");
    JsonNode n;
    try {
      n = JSON.readTree(text);
    } catch (IOException e) {
      throw new ClientException("bound-token file " + file + " is damaged; move it away to start over");
    }
    if (n == null || !n.path("token").isTextual()) {
      throw new ClientException("bound-token file " + file + " is damaged; move it away to start over");
    }
    String token = n.get("token").asText();
    TaskHop acting;
    try {
      acting = TokenInspector.inspect(token).actingTask();
    } catch (MacaroonFormatException e) {
      throw new ClientException("bound-token file " + file + " holds no valid token; move it away to start over");
    }
    // The token's own facts decide, not the file's labels: a stale or edited label cannot pick a wrong token.
    if (acting == null || !acting.task().equals(task) || !jkt.equals(acting.holder())) {
      return null;
    }
    return token;
  }

  /** Keeps {@code boundToken} of {@code task}, replacing what was there. */
  public void save(String task, String jkt, String boundToken) throws ClientException {
    String text = JSON.createObjectNode().put("task", task).put("holder", jkt).put("token", boundToken) + "\n";
    OwnerOnlyFiles.write(file, text.getBytes(StandardCharsets.UTF_8), "bound-token file");
  }
}
