package dev.ephyr.broker.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The monitoring files in the repository's {@code deploy/} folder and the PromQL expressions in them. */
public final class DeployFiles {
  private DeployFiles() {}

  /** The repository's {@code deploy/} folder (tests run in a module folder, one below the root). */
  public static Path deploy() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("deploy/prometheus"))) {
        return p.resolve("deploy");
      }
    }
    throw new IllegalStateException("no deploy/prometheus above " + dir);
  }

  public static Path alertRules() {
    return deploy().resolve("prometheus/ephyr-alerts.yml");
  }

  public static Path dashboard() {
    return deploy().resolve("grafana/ephyr-dashboard.json");
  }

  /** Alert name → expression, in file order. */
  public static Map<String, String> alertExpressions() throws IOException {
    JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(alertRules().toFile());
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonNode group : root.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        String name = rule.hasNonNull("alert") ? rule.get("alert").asText() : rule.path("record").asText();
        out.put(name, rule.path("expr").asText());
      }
    }
    return out;
  }

  /** "panel title / refId" → expression, for every query of every panel (rows included) and templating query. */
  public static Map<String, String> dashboardExpressions() throws IOException {
    JsonNode root = new ObjectMapper().readTree(dashboard().toFile());
    Map<String, String> out = new LinkedHashMap<>();
    List<JsonNode> panels = new ArrayList<>();
    root.path("panels").forEach(panels::add);
    for (int i = 0; i < panels.size(); i++) {
      JsonNode p = panels.get(i);
      p.path("panels").forEach(panels::add); // collapsed rows keep their panels inside
      for (JsonNode t : p.path("targets")) {
        out.put(p.path("title").asText() + " / " + t.path("refId").asText(), t.path("expr").asText());
      }
    }
    for (JsonNode v : root.path("templating").path("list")) {
      if ("query".equals(v.path("type").asText())) {
        out.put("variable " + v.path("name").asText(), v.path("query").isTextual() ? v.path("query").asText()
            : v.path("query").path("query").asText());
      }
    }
    return out;
  }
}
