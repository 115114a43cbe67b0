package dev.ephyr.broker.tools;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * MCP tool annotations: what a tool does to the world, so that clients can approve read-only tools
 * without asking and warn before destructive ones. The built-in tools' annotations are written here, one
 * row per tool, and {@link ToolSchemas#tool} attaches them. A federated tool keeps what its remote says,
 * and a hint the remote left out takes the specification's default, which is the cautious one
 * ({@link #federated}): the broker never claims a remote tool is safer than its remote does.
 *
 * @param title a human-readable name
 * @param readOnly it changes nothing
 * @param destructive a change it makes may destroy or overwrite (meaningful when not read-only)
 * @param idempotent calling it again with the same arguments changes nothing more
 * @param openWorld it reaches outside the broker (hosts, services, remote servers)
 */
public record ToolAnnotations(String title, boolean readOnly, boolean destructive, boolean idempotent,
    boolean openWorld) {

  /** A tool that only reads. */
  static ToolAnnotations reads(String title, boolean openWorld) {
    return new ToolAnnotations(title, true, false, true, openWorld);
  }

  /** The built-in tools, by name. */
  static final Map<String, ToolAnnotations> BUILT_IN = Map.ofEntries(
      // tasks: the broker's own state, never the outside world
      Map.entry(TaskTool.CREATE.toolName(), new ToolAnnotations("Create task", false, false, false, false)),
      Map.entry(TaskTool.DELEGATE.toolName(), new ToolAnnotations("Delegate to a child task", false, false, false,
          false)),
      Map.entry(TaskTool.BIND.toolName(), new ToolAnnotations("Bind task to a key", false, false, false, false)),
      Map.entry(TaskTool.INFO.toolName(), reads("Show task", false)),
      Map.entry(TaskTool.LIST.toolName(), reads("List tasks", false)),
      // revoking kills a whole subtree of tokens, once and for all; a second revoke adds nothing
      Map.entry(TaskTool.REVOKE.toolName(), new ToolAnnotations("Revoke task", false, true, true, false)),
      // every older copy of the token stops working, and each call kills the previous fresh one
      Map.entry(TaskTool.REISSUE.toolName(), new ToolAnnotations("Reissue task token", false, true, false, false)),
      // SSH: an arbitrary command on a host can do anything
      Map.entry("list_targets", reads("List SSH targets", false)),
      Map.entry("exec", new ToolAnnotations("Run a command over SSH", false, true, false, true)),
      Map.entry("session_create", new ToolAnnotations("Open an SSH session", false, false, false, true)),
      Map.entry("session_close", new ToolAnnotations("Close an SSH session", false, true, true, false)),
      Map.entry("list_sessions", reads("List SSH sessions", false)),
      Map.entry("list_certs", reads("List SSH certificates", false)),
      // HTTP: any allowed method, DELETE included, on a real service
      Map.entry("list_services", reads("List HTTP services", false)),
      Map.entry("http_request", new ToolAnnotations("Call an HTTP service", false, true, false, true)),
      // federation: the list is the broker's view; remote tools are annotated by federated()
      Map.entry("list_remotes", reads("List federated MCP servers", false)));

  /** The specification's defaults for a hint nobody gave: assume the worst. */
  static final ToolAnnotations DEFAULTS = new ToolAnnotations(null, false, true, false, true);

  /** The MCP {@code annotations} object. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    if (title != null) {
      o.put("title", title);
    }
    return o.put("readOnlyHint", readOnly).put("destructiveHint", destructive).put("idempotentHint", idempotent)
        .put("openWorldHint", openWorld);
  }

  /** The annotations of built-in tool {@code name}, or null when it has none here. */
  public static ToolAnnotations of(String name) {
    return BUILT_IN.get(name);
  }

  /**
   * The annotations to list for a federated tool whose remote sent {@code remote} (any JSON value, null when
   * absent): each boolean hint the remote gave is kept as it is, every other one takes the specification's
   * default (not read-only, destructive, not idempotent, open world); the title is the remote's, or
   * {@code fallbackTitle}.
   */
  public static JsonObject federated(Object remote, String fallbackTitle) {
    JsonObject given = remote instanceof JsonObject o ? o : new JsonObject();
    String title = given.getValue("title") instanceof String t && !t.isBlank() ? clip(t) : fallbackTitle;
    return new ToolAnnotations(title,
        hint(given, "readOnlyHint", DEFAULTS.readOnly),
        hint(given, "destructiveHint", DEFAULTS.destructive),
        hint(given, "idempotentHint", DEFAULTS.idempotent),
        hint(given, "openWorldHint", DEFAULTS.openWorld)).toJson();
  }

  private static boolean hint(JsonObject given, String key, boolean byDefault) {
    return given.getValue(key) instanceof Boolean b ? b : byDefault; // a string "true" is no hint
  }

  private static String clip(String s) {
    return s.length() > 200 ? s.substring(0, 200) : s;
  }
}
