package dev.ephyr.protocol.verify;

import dev.ephyr.protocol.ulid.Ulid;
import java.nio.charset.StandardCharsets;

/**
 * The macaroon identifier of a task tree, {@code e1/<kid>/<rootTaskUlid>}: which master key the tree's
 * root key derives from, and which task is its root.
 */
public record TokenIdentifier(String kid, String rootTask) {
  /** Format version prefix. */
  public static final String PREFIX = "e1/";

  /** Validates both parts. */
  public TokenIdentifier {
    if (kid == null || !isKid(kid, 0, kid.length())) {
      throw new IllegalArgumentException("key id must be 1-32 characters of A-Z a-z 0-9 _ -");
    }
    if (!Ulid.isValid(rootTask)) {
      throw new IllegalArgumentException("root task must be a canonical ULID");
    }
  }

  /** The identifier text. */
  public String text() {
    return PREFIX + kid + "/" + rootTask;
  }

  /** The identifier bytes. */
  public byte[] bytes() {
    return text().getBytes(StandardCharsets.US_ASCII);
  }

  /** Parses {@code b[off, off+len)}, or returns {@code null} if it is not an identifier of this format. */
  static TokenIdentifier parse(byte[] b, int off, int len) {
    int end = off + len;
    if (len < PREFIX.length() + 1 + 1 + Ulid.LENGTH || b[off] != 'e' || b[off + 1] != '1' || b[off + 2] != '/') {
      return null;
    }
    int slash = end - Ulid.LENGTH - 1;
    if (b[slash] != '/' || !isKid(b, off + 3, slash)) {
      return null;
    }
    if (!Ulid.isValid(b, slash + 1)) {
      return null;
    }
    return new TokenIdentifier(new String(b, off + 3, slash - off - 3, StandardCharsets.US_ASCII),
        new String(b, slash + 1, Ulid.LENGTH, StandardCharsets.US_ASCII));
  }

  private static boolean isKid(byte[] b, int from, int to) {
    if (to - from < 1 || to - from > 32) {
      return false;
    }
    for (int i = from; i < to; i++) {
      if (!kidChar((char) b[i])) {
        return false;
      }
    }
    return true;
  }

  private static boolean isKid(String s, int from, int to) {
    if (to - from < 1 || to - from > 32) {
      return false;
    }
    for (int i = from; i < to; i++) {
      if (!kidChar(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean kidChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  }
}
