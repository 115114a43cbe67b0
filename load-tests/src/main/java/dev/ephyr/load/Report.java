package dev.ephyr.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Writes {@code report.json} and a self-contained {@code report.html} (inline SVG charts, no scripts). */
final class Report {
  private static final int W = 640;
  private static final int H = 200;

  private Report() {}

  static void write(Path dir, JsonObject report) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("report.json"), report.encodePrettily());
    Files.writeString(dir.resolve("report.html"), html(report));
  }

  static String html(JsonObject report) {
    StringBuilder b = new StringBuilder();
    b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>Ephyr load test</title><style>")
        .append("body{font:14px system-ui,sans-serif;margin:2em;max-width:72em}table{border-collapse:collapse;margin:.5em 0}")
        .append("td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}th{background:#f4f4f4}")
        .append("td:first-child,th:first-child{text-align:left}.bad{color:#b00;font-weight:bold}.ok{color:#070}")
        .append("svg{border:1px solid #ddd;margin:.3em 1em .3em 0;background:#fff}.legend span{margin-right:1em}")
        .append("</style></head><body><h1>Ephyr load test</h1>");
    JsonObject env = report.getJsonObject("environment");
    b.append("<table>");
    env.forEach(e -> b.append("<tr><th>").append(esc(e.getKey())).append("</th><td>")
        .append(esc(String.valueOf(e.getValue()))).append("</td></tr>"));
    b.append("</table>");
    for (Object o : report.getJsonArray("scenarios")) {
      JsonObject s = (JsonObject) o;
      b.append("<h2>").append(esc(s.getString("scenario"))).append("</h2><p>").append(esc(s.getString("what", "")))
          .append("</p>");
      if (s.containsKey("error")) {
        b.append("<p class=\"bad\">failed: ").append(esc(s.getString("error"))).append("</p>");
        continue;
      }
      if (s.containsKey("rows")) {
        scalingTable(b, s.getJsonArray("rows"));
        continue;
      }
      summary(b, s);
      JsonObject r = s.getJsonObject("result");
      if (r != null) {
        b.append("<div>").append(overTime(r.getJsonArray("intervals"))).append(percentiles(r.getJsonArray("percentiles")))
            .append("</div><div class=\"legend\"><span style=\"color:#36c\">■ requests/s</span>")
            .append("<span style=\"color:#2a2\">■ p50</span><span style=\"color:#c33\">■ p99</span></div>");
      }
    }
    return b.append("</body></html>").toString();
  }

  private static void summary(StringBuilder b, JsonObject s) {
    JsonObject r = s.getJsonObject("result");
    b.append("<table><tr><th>requests</th><th>accepted</th><th>per second</th><th>p50 ms</th><th>p90 ms</th>")
        .append("<th>p99 ms</th><th>max ms</th><th>refusals</th></tr><tr><td>").append(r.getLong("requests"))
        .append("</td><td>").append(r.getLong("accepted")).append("</td><td>").append(r.getValue("throughput_per_s"))
        .append("</td><td>").append(r.getValue("p50_ms")).append("</td><td>").append(r.getValue("p90_ms"))
        .append("</td><td>").append(r.getValue("p99_ms")).append("</td><td>").append(r.getValue("max_ms"))
        .append("</td><td>").append(esc(r.getJsonObject("refusals").encode())).append("</td></tr></table>");
    if (s.containsKey("vs_baseline")) {
      JsonObject v = s.getJsonObject("vs_baseline");
      b.append("<p>against the baseline of this run: throughput <b>×").append(v.getValue("throughput"))
          .append("</b>, server CPU per request <b>×").append(v.getValue("cpu_per_request", "-")).append("</b> (")
          .append(s.getValue("cpu_us_per_request", "-")).append(" µs)</p>");
    }
    if (s.containsKey("accepted_after_ack")) {
      long v = s.getLong("accepted_after_ack");
      b.append("<p>revocations: ").append(s.getLong("revocations")).append(", requests sent after an acknowledged ")
          .append("revoke: ").append(s.getLong("requests_after_ack")).append(", <span class=\"")
          .append(v == 0 ? "ok" : "bad").append("\">accepted after acknowledged revoke: ").append(v).append("</span>")
          .append(", acknowledged revoke p50 ").append(s.getJsonObject("revoke").getValue("p50_ms")).append(" ms, p99 ")
          .append(s.getJsonObject("revoke").getValue("p99_ms")).append(" ms</p>");
    }
    if (s.containsKey("steps")) {
      b.append("<table><tr><th>step</th><th>p50 ms</th><th>p99 ms</th></tr>");
      s.getJsonObject("steps").forEach(e -> {
        JsonObject st = (JsonObject) e.getValue();
        b.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(st.getValue("p50_ms")).append("</td><td>")
            .append(st.getValue("p99_ms")).append("</td></tr>");
      });
      b.append("</table>");
    }
    if (s.containsKey("survivor_errors")) {
      b.append("<p>errors by phase, node and reason: ").append(esc(s.getJsonObject("errors_by_phase_node_reason").encode()))
          .append("</p>");
    }
    JsonArray nodes = s.getJsonArray("node_stats");
    if (nodes != null) {
      b.append("<table><tr><th>node</th><th>CPU s</th><th>cores busy</th><th>heap MiB</th></tr>");
      for (Object n : nodes) {
        JsonObject j = (JsonObject) n;
        b.append("<tr><td>").append(esc(j.getString("node"))).append("</td><td>").append(j.getValue("cpu_seconds", "-"))
            .append("</td><td>").append(j.getValue("cores_busy", "-")).append("</td><td>")
            .append(j.getValue("heap_mib", "-")).append("</td></tr>");
      }
      b.append("</table>");
    }
  }

  private static void scalingTable(StringBuilder b, JsonArray rows) {
    b.append("<table><tr><th>nodes</th><th>call</th><th>requests/s</th><th>per node</th><th>p50 ms</th><th>p99 ms</th>")
        .append("<th>cluster CPU s</th><th>CPU µs per request</th></tr>");
    for (Object o : rows) {
      JsonObject r = (JsonObject) o;
      b.append("<tr><td>").append(r.getValue("nodes")).append("</td><td>").append(r.getValue("call"))
          .append("</td><td>").append(r.getValue("throughput_per_s"))
          .append("</td><td>").append(r.getValue("throughput_per_node_per_s")).append("</td><td>")
          .append(r.getValue("p50_ms")).append("</td><td>").append(r.getValue("p99_ms")).append("</td><td>")
          .append(r.getValue("cluster_cpu_seconds")).append("</td><td>").append(r.getValue("cpu_us_per_request"))
          .append("</td></tr>");
    }
    b.append("</table>");
  }

  /** Requests per second (left scale) and p50/p99 in ms (right scale) per one-second interval. */
  private static String overTime(JsonArray intervals) {
    if (intervals == null || intervals.isEmpty()) {
      return "";
    }
    List<double[]> rate = new ArrayList<>();
    List<double[]> p50 = new ArrayList<>();
    List<double[]> p99 = new ArrayList<>();
    double previous = 0;
    for (Object o : intervals) {
      JsonObject i = (JsonObject) o;
      double t = i.getDouble("t");
      if (t - previous < 0.5) {
        continue; // the partial interval closing a phase: its rate would be noise
      }
      previous = t;
      rate.add(new double[] {t, i.getDouble("rate")});
      p50.add(new double[] {t, i.getDouble("p50_ms")});
      p99.add(new double[] {t, i.getDouble("p99_ms")});
    }
    if (rate.isEmpty()) {
      return "";
    }
    double maxT = Math.max(1, rate.get(rate.size() - 1)[0]);
    double maxRate = Math.max(1, rate.stream().mapToDouble(p -> p[1]).max().orElse(1));
    double maxMs = Math.max(0.001, p99.stream().mapToDouble(p -> p[1]).max().orElse(1));
    return svg("latency and throughput over time (s)", polyline(rate, maxT, maxRate, "#36c")
        + polyline(p50, maxT, maxMs, "#2a2") + polyline(p99, maxT, maxMs, "#c33"),
        fmt(maxRate) + " req/s", fmt(maxMs) + " ms");
  }

  /** The latency distribution: percentile (as 1/(1-p), log scale) against milliseconds. */
  private static String percentiles(JsonArray ps) {
    if (ps == null || ps.isEmpty()) {
      return "";
    }
    List<double[]> pts = new ArrayList<>();
    for (Object o : ps) {
      JsonObject p = (JsonObject) o;
      double q = Math.min(p.getDouble("p"), 99.999) / 100;
      pts.add(new double[] {Math.log10(1 / (1 - q)), p.getDouble("ms")});
    }
    double maxX = pts.get(pts.size() - 1)[0];
    double maxMs = Math.max(0.001, pts.stream().mapToDouble(p -> p[1]).max().orElse(1));
    return svg("latency by percentile (0 → 99.999, log)", polyline(pts, maxX, maxMs, "#c33"), "", fmt(maxMs) + " ms");
  }

  private static String svg(String title, String body, String leftLabel, String rightLabel) {
    return "<svg width=\"" + W + "\" height=\"" + (H + 30) + "\" viewBox=\"0 0 " + W + " " + (H + 30) + "\">"
        + "<text x=\"4\" y=\"14\" font-size=\"12\">" + esc(title) + "</text>"
        + "<text x=\"4\" y=\"" + (H + 26) + "\" font-size=\"11\" fill=\"#36c\">max " + esc(leftLabel) + "</text>"
        + "<text x=\"" + (W - 4) + "\" y=\"" + (H + 26) + "\" font-size=\"11\" text-anchor=\"end\" fill=\"#c33\">max "
        + esc(rightLabel) + "</text>" + body + "</svg>";
  }

  private static String polyline(List<double[]> pts, double maxX, double maxY, String color) {
    StringBuilder b = new StringBuilder("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"" + color + "\" points=\"");
    for (double[] p : pts) {
      double x = 4 + (W - 8) * (p[0] / maxX);
      double y = 20 + (H - 20) * (1 - p[1] / maxY);
      b.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }
    return b.append("\"/>").toString();
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.3g", v);
  }

  private static String esc(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
