package dev.ephyr.broker.state;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The {@code manifest.json} of a backup: what it holds, under which keyring, and a SHA-256 and length per file.
 * Parsing is strict and bounded: an unknown format, a missing field, a path outside the backup's two folders or
 * a malformed checksum is refused with one line.
 *
 * @param created when the backup was written (ISO-8601)
 * @param node the node it was taken on
 * @param fingerprint the keyring fingerprint of that node
 * @param activeKid the active key id of that keyring
 * @param keyChecks key id → public check value ({@link KeyringChecks})
 * @param counts watermarks, tasks, certificates and serial_high of the state copy
 * @param auditSeq the seq of the last audit record in the backup (0 when the trail was empty)
 * @param files every file of the backup
 */
public record BackupManifest(String created, String node, String fingerprint, String activeKid,
    Map<String, String> keyChecks, Map<String, Long> counts, long auditSeq, List<Entry> files) {
  /** The file name of the manifest in a backup directory. */
  public static final String FILE = "manifest.json";
  static final String FORMAT = "ephyr-backup/1";
  /** The state store's copy, relative to the backup directory. */
  static final String STATE_FILE = "state/ephyr-state.mv.db";
  static final int MAX_BYTES = 4 << 20;
  static final int MAX_FILES = 100_000;
  private static final Pattern PATH = Pattern.compile(
      "state/ephyr-state\\.mv\\.db|audit/audit-\\d{8}\\.jsonl|audit/audit\\.head");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  public BackupManifest {
    keyChecks = Map.copyOf(keyChecks);
    counts = Map.copyOf(counts);
    files = List.copyOf(files);
  }

  /**
   * One file of a backup.
   *
   * @param path relative to the backup directory ({@code state/...} or {@code audit/...})
   * @param bytes its length
   * @param sha256 lowercase hex SHA-256 of its content
   */
  public record Entry(String path, long bytes, String sha256) {}

  JsonObject toJson() {
    JsonArray list = new JsonArray();
    for (Entry e : files) {
      list.add(new JsonObject().put("path", e.path()).put("bytes", e.bytes()).put("sha256", e.sha256()));
    }
    JsonObject checks = new JsonObject();
    new TreeMap<>(keyChecks).forEach(checks::put);
    JsonObject state = new JsonObject();
    new TreeMap<>(counts).forEach(state::put);
    return new JsonObject().put("format", FORMAT).put("created", created).put("node", node)
        .put("keyring", new JsonObject().put("fingerprint", fingerprint).put("active_kid", activeKid)
            .put("checks", checks))
        .put("state", state).put("audit", new JsonObject().put("seq", auditSeq)).put("files", list);
  }

  /** Reads a manifest's text; throws with one line naming the first problem. */
  static BackupManifest parse(String text) throws BackupException {
    JsonObject o;
    try {
      o = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new BackupException("the manifest is not a JSON object (damaged or not an Ephyr backup)");
    }
    if (!FORMAT.equals(o.getValue("format"))) {
      throw new BackupException("the manifest's format is " + quoted(o.getValue("format")) + ", expected " + FORMAT);
    }
    JsonObject keyring = object(o, "keyring");
    Map<String, String> checks = new TreeMap<>();
    JsonObject c = object(keyring, "checks");
    for (String kid : c.fieldNames()) {
      if (!(c.getValue(kid) instanceof String v) || kid.length() > 64) {
        throw new BackupException("the manifest's keyring.checks." + clip(kid) + " is not a string");
      }
      checks.put(kid, v);
    }
    Map<String, Long> counts = new TreeMap<>();
    JsonObject state = object(o, "state");
    for (String k : List.of("watermarks", "tasks", "certificates", "serial_high")) {
      counts.put(k, number(state, k, "state." + k));
    }
    JsonArray list = o.getValue("files") instanceof JsonArray a ? a : null;
    if (list == null || list.isEmpty() || list.size() > MAX_FILES) {
      throw new BackupException("the manifest's files list is missing, empty or longer than " + MAX_FILES);
    }
    List<Entry> files = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Object item : list) {
      if (!(item instanceof JsonObject f)) {
        throw new BackupException("the manifest's files list holds a non-object");
      }
      String path = string(f, "path", "files[].path");
      if (!PATH.matcher(path).matches()) {
        throw new BackupException("the manifest names a file outside the backup's layout: " + clip(path));
      }
      if (!seen.add(path)) {
        throw new BackupException("the manifest names " + path + " twice");
      }
      String sha = string(f, "sha256", path + ".sha256");
      if (!SHA256.matcher(sha).matches()) {
        throw new BackupException("the manifest's checksum of " + path + " is not a SHA-256 in hex");
      }
      files.add(new Entry(path, number(f, "bytes", path + ".bytes"), sha));
    }
    if (!seen.contains(STATE_FILE)) {
      throw new BackupException("the manifest lists no " + STATE_FILE);
    }
    return new BackupManifest(string(o, "created", "created"), string(o, "node", "node"),
        string(keyring, "fingerprint", "keyring.fingerprint"), string(keyring, "active_kid", "keyring.active_kid"),
        checks, counts, number(object(o, "audit"), "seq", "audit.seq"), files);
  }

  private static JsonObject object(JsonObject o, String key) throws BackupException {
    if (o.getValue(key) instanceof JsonObject v) {
      return v;
    }
    throw new BackupException("the manifest has no " + key + " object");
  }

  private static String string(JsonObject o, String key, String name) throws BackupException {
    if (o.getValue(key) instanceof String v && !v.isEmpty() && v.length() <= 512) {
      return v;
    }
    throw new BackupException("the manifest's " + name + " is missing or not a string");
  }

  private static long number(JsonObject o, String key, String name) throws BackupException {
    if (o.getValue(key) instanceof Number n && n.longValue() >= 0 && n.doubleValue() == n.longValue()) {
      return n.longValue();
    }
    throw new BackupException("the manifest's " + name + " is missing or not a whole number >= 0");
  }

  private static String quoted(Object v) {
    return v == null ? "missing" : "'" + clip(String.valueOf(v)) + "'";
  }

  static String clip(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
