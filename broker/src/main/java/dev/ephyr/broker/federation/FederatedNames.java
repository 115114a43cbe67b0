package dev.ephyr.broker.federation;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The names agents see for federated tools: {@code remote__tool}, within the {@code ^[a-zA-Z0-9_-]{1,64}$}
 * that clients and model APIs accept. A name that would be longer, or whose remote tool name holds other
 * characters (a dot), becomes a prefix, {@code -} and a short hash of {@code remote.tool}: the same on every
 * node and after restarts. Remote names never hold {@code __} nor end in {@code _} (the policy refuses them),
 * so the remote of a name ends at its first {@code __}.
 */
public final class FederatedNames {
  /** Longest name clients accept. */
  public static final int MAX_CHARS = 64;
  /** Separates the remote from the tool. */
  public static final String SEPARATOR = "__";
  private static final int HASH_CHARS = 10;

  private FederatedNames() {}

  /** The listed name of {@code tool} of {@code remote}. */
  public static String listed(String remote, String tool) {
    String plain = remote + SEPARATOR + tool;
    if (plain.length() <= MAX_CHARS && allowed(plain)) {
      return plain;
    }
    StringBuilder safe = new StringBuilder(plain.length());
    for (int i = 0; i < plain.length(); i++) {
      char c = plain.charAt(i);
      safe.append(isAllowed(c) ? c : '_');
    }
    int keep = Math.min(safe.length(), MAX_CHARS - 1 - HASH_CHARS);
    return safe.substring(0, keep) + "-" + hash(remote + "." + tool);
  }

  /** Whether the name is spelled as one the mapping may produce. */
  public static boolean allowed(String name) {
    if (name.isEmpty() || name.length() > MAX_CHARS) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (!isAllowed(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAllowed(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  }

  private static String hash(String full) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(full.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, HASH_CHARS);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
