package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The configuration snippets of {@code docs/mcp-clients.md} parse: every JSON block as JSON, every TOML block
 * with Python's {@code tomllib} (3.11+; skipped where missing, except under CI), and each names the endpoint
 * the way its client reads it.
 */
final class McpClientsDocTest {
  private static final Pattern BLOCK = Pattern.compile("```(json|toml)\\n(.*?)```", Pattern.DOTALL);

  private static List<String[]> blocks() throws Exception {
    Path p = Path.of("../docs/mcp-clients.md");
    String doc = Files.readString(Files.exists(p) ? p : Path.of("docs/mcp-clients.md"));
    List<String[]> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(doc);
    while (m.find()) {
      out.add(new String[] {m.group(1), m.group(2)});
    }
    return out;
  }

  @Test
  void everyJsonSnippet_parses_andNamesTheEndpoint() throws Exception {
    int n = 0;
    boolean vscode = false;
    for (String[] b : blocks()) {
      if (!b[0].equals("json")) {
        continue;
      }
      JsonObject o = new JsonObject(b[1]);
      n++;
      JsonObject servers = o.containsKey("servers") ? o.getJsonObject("servers") : o.getJsonObject("mcpServers");
      JsonObject ephyr = servers.getJsonObject("ephyr");
      assertTrue(ephyr.getString("url").endsWith("/mcp"), b[1]);
      assertTrue(ephyr.getJsonObject("headers").getString("Authorization").startsWith("Bearer "), b[1]);
      if (o.containsKey("servers")) {
        vscode = true;
        assertEquals("http", ephyr.getString("type"), "VS Code needs the transport named");
      }
    }
    assertTrue(n >= 3, n + " JSON snippets");
    assertTrue(vscode, "the VS Code snippet (servers map) is there");
  }

  @Test
  void everyTomlSnippet_parses() throws Exception {
    List<String> toml = blocks().stream().filter(b -> b[0].equals("toml")).map(b -> b[1]).toList();
    assertTrue(!toml.isEmpty(), "the Codex snippet is there");
    boolean python = Files.isExecutable(Path.of("/usr/bin/python3")) && run("import tomllib", "").equals("ok");
    if (!python) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("python3 3.11+ (tomllib) is needed to check the TOML snippets");
      }
      Assumptions.abort("python3 3.11+ with tomllib missing (apt-get install python3)");
    }
    for (String t : toml) {
      String parsed = run("import sys, tomllib, json; d = tomllib.loads(sys.stdin.read()); "
          + "s = d['mcp_servers']['ephyr']; print(json.dumps(s))", t);
      JsonObject s = new JsonObject(parsed);
      assertTrue(s.getString("url").endsWith("/mcp"), parsed);
      assertEquals("EPHYR_API_KEY", s.getString("bearer_token_env_var"), parsed);
    }
  }

  private static String run(String script, String stdin) throws Exception {
    Process p = new ProcessBuilder("/usr/bin/python3", "-c", script.isEmpty() ? "print('ok')"
        : script.equals("import tomllib") ? "import tomllib; print('ok')" : script).redirectErrorStream(true).start();
    p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "python3 did not finish");
    if (p.exitValue() != 0 && script.equals("import tomllib")) {
      return "missing";
    }
    assertEquals(0, p.exitValue(), out);
    return out;
  }
}
