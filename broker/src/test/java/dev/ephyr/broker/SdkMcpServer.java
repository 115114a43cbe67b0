package dev.ephyr.broker;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * A remote MCP server this project did not write: the official MCP Java SDK's server with its Streamable
 * HTTP servlet transport, in an embedded Tomcat on loopback. It records every tool call it runs and every
 * Authorization header it receives, so tests can assert what did (and did not) leave the broker.
 */
final class SdkMcpServer implements AutoCloseable {
  /** Tool names the remote ran, in order. */
  final List<String> calls = new CopyOnWriteArrayList<>();
  /** Arguments of each call, in order. */
  final List<Map<String, Object>> arguments = new CopyOnWriteArrayList<>();
  /** The Authorization header of every HTTP request (null when absent). */
  final List<String> authorizations = new CopyOnWriteArrayList<>();

  private Tomcat tomcat;
  private McpSyncServer server;
  private int port;

  private SdkMcpServer() {}

  int port() {
    return port;
  }

  String url() {
    return "http://127.0.0.1:" + port + "/mcp";
  }

  /** Starts the server on {@code port} (0 for any), with its base directory under {@code dir}. */
  static SdkMcpServer start(Path dir, int port) throws Exception {
    SdkMcpServer s = new SdkMcpServer();
    s.run(dir, port);
    return s;
  }

  private void run(Path dir, int wantedPort) throws Exception {
    McpJsonMapper json = McpJsonDefaults.getMapper();
    HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
        .jsonMapper(json).mcpEndpoint("/mcp").build();
    server = McpServer.sync(transport)
        .serverInfo("sdk-remote", "1.0")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(false).resources(false, false).build())
        .resources(new McpServerFeatures.SyncResourceSpecification(McpSchema.Resource.builder()
            .uri("memo://notes/1").name("note").mimeType("text/plain").build(), (exchange, req) -> {
              calls.add("resources/read " + req.uri());
              return new McpSchema.ReadResourceResult(List.of(new McpSchema.TextResourceContents(req.uri(),
                  "text/plain", "first note, read through the broker")));
            }))
        .tools(
            tool(json, "echo", "Echoes its text.", "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},"
                + "\"required\":[\"text\"]}", args -> text("echo: " + args.get("text"))),
            tool(json, "add", "Adds two integers.", "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},"
                + "\"b\":{\"type\":\"integer\"}}}", args -> {
                  long sum = ((Number) args.get("a")).longValue() + ((Number) args.get("b")).longValue();
                  return McpSchema.CallToolResult.builder().addTextContent(String.valueOf(sum))
                      .structuredContent(Map.of("sum", sum)).build();
                }),
            tool(json, "whoami_auth", "Tells what Authorization header it received (an indiscreet server).",
                "{\"type\":\"object\"}", args -> text("you sent: "
                    + (authorizations.isEmpty() ? null : authorizations.get(authorizations.size() - 1)))),
            tool(json, "link", "Returns a link to a report and an embedded resource.", "{\"type\":\"object\"}",
                args -> McpSchema.CallToolResult.builder()
                    .addContent(McpSchema.ResourceLink.builder().name("report").uri("file:///srv/reports/q3 final.txt")
                        .mimeType("text/plain").build())
                    .addContent(new McpSchema.EmbeddedResource(null, new McpSchema.TextResourceContents(
                        "memo://notes/1", "text/plain", "first note")))
                    .build()),
            tool(json, "read_uri", "Reads a resource by URI (returns what it was given).",
                "{\"type\":\"object\",\"properties\":{\"uri\":{\"type\":\"string\"}}}",
                args -> text("read " + args.get("uri"))),
            tool(json, "secret_tool", "Something the task is not meant to use.", "{\"type\":\"object\"}",
                args -> text("the secret tool ran")))
        .build();
    tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createDirectories(dir.resolve("tomcat-" + System.nanoTime())).toString());
    Connector connector = new Connector();
    connector.setPort(wantedPort);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    Context ctx = tomcat.addContext("", null);
    HttpServlet recording = new HttpServlet() {
      @Override
      protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException,
          jakarta.servlet.ServletException {
        authorizations.add(String.valueOf(req.getHeader("Authorization")));
        transport.service(req, resp);
      }
    };
    Wrapper w = Tomcat.addServlet(ctx, "mcp", recording);
    w.setAsyncSupported(true);
    ctx.addServletMappingDecoded("/mcp", "mcp");
    tomcat.start();
    port = connector.getLocalPort();
  }

  private interface Handler {
    McpSchema.CallToolResult run(Map<String, Object> args);
  }

  private McpServerFeatures.SyncToolSpecification tool(McpJsonMapper json, String name, String description,
      String schema, Handler h) {
    // echo says it only reads and stays local (and nothing else); the other tools give no annotations.
    McpSchema.ToolAnnotations annotations = name.equals("echo")
        ? new McpSchema.ToolAnnotations("Echo", true, null, null, false, null) : null;
    return McpServerFeatures.SyncToolSpecification.builder()
        .tool(McpSchema.Tool.builder().name(name).description(description).inputSchema(json, schema)
            .annotations(annotations).build())
        .callHandler((exchange, req) -> {
          Map<String, Object> args = req.arguments() == null ? Map.of() : req.arguments();
          calls.add(name);
          arguments.add(args);
          return h.run(args);
        })
        .build();
  }

  private static McpSchema.CallToolResult text(String s) {
    return McpSchema.CallToolResult.builder().addTextContent(s).build();
  }

  @Override
  public void close() throws Exception {
    try {
      server.closeGracefully();
    } finally {
      tomcat.stop();
      tomcat.destroy();
    }
  }
}
