package dev.ephyr.load;

import dev.ephyr.testing.FreePorts;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * N broker nodes as separate JVM processes on loopback, sharing a fresh keyring and a policy with one load
 * agent. Every node runs with {@code --watch-parent}, so even a driver killed with SIGKILL leaves no node
 * behind; {@link #close()} stops them and removes the folder (the node logs are copied out first).
 */
final class LocalCluster implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

  private final Path dir;
  private final List<Process> processes = new ArrayList<>();
  private final List<String> urls = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  private final String apiKey;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private LocalCluster(Path dir, String apiKey) {
    this.dir = dir;
    this.apiKey = apiKey;
  }

  /**
   * Starts {@code n} nodes from {@code jar} in a fresh folder under {@code workParent} (removed on close; left
   * behind only if the driver is killed, and then inside the report folder, not hidden in /tmp) and waits
   * until every one is ready.
   */
  static LocalCluster start(int n, Path jar, List<String> jvmOpens, Path workParent)
      throws IOException, InterruptedException {
    if (!Files.isRegularFile(jar)) {
      throw new IOException(jar + " is missing: build it with 'mvn -B -DskipTests package -pl broker -am'");
    }
    Files.createDirectories(workParent);
    Path dir = Files.createTempDirectory(workParent, "cluster-");
    LocalCluster c = null;
    try {
      run(jar, jvmOpens, dir, "keys", "init", dir.resolve("keyring.json").toString());
      JsonObject key = new JsonObject(run(jar, jvmOpens, dir, "agent-key", "--agent", "load", "--json"));
      c = new LocalCluster(dir, key.getString("key"));
      Files.writeString(dir.resolve("policy.yaml"), policy(key.getString("hash")));
      int[] httpPorts = new int[n];
      int[] clusterPorts = new int[n];
      List<String> members = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        httpPorts[i] = FreePorts.next();
        clusterPorts[i] = FreePorts.next();
        members.add("127.0.0.1:" + clusterPorts[i]);
      }
      String clusterName = "ephyr-load-" + UUID.randomUUID().toString().substring(0, 8);
      for (int i = 0; i < n; i++) {
        Path config = dir.resolve("n" + (i + 1) + ".yaml");
        Files.writeString(config, nodeConfig(dir, i + 1, httpPorts[i], clusterPorts[i], clusterName, members));
        c.launch(jar, jvmOpens, config, i + 1);
        c.urls.add("http://127.0.0.1:" + httpPorts[i]);
      }
      for (int i = 0; i < n; i++) {
        c.awaitReady(i);
      }
      return c;
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (c != null) {
        c.close();
      } else {
        deleteTree(dir);
      }
      throw e;
    }
  }

  private static String policy(String keyHash) {
    return """
        version: 1
        agents:
          load:
            description: the load driver's agent
            api_keys: ["%s"]
            delegate: true
            max_depth: 3
            max_task_ttl: 2h
            default_task_ttl: 1h
        """.formatted(keyHash);
  }

  private static String nodeConfig(Path dir, int i, int httpPort, int clusterPort, String name, List<String> members) {
    return """
        node:
          id: n%d
          data-dir: %s
          keyring: %s
          policy: %s
        http:
          host: 127.0.0.1
          port: %d
        cluster:
          name: %s
          bind-host: 127.0.0.1
          port: %d
          members: "%s"
        """.formatted(i, dir.resolve("n" + i), dir.resolve("keyring.json"), dir.resolve("policy.yaml"), httpPort,
        name, clusterPort, String.join(",", members));
  }

  private void launch(Path jar, List<String> jvmOpens, Path config, int i) throws IOException {
    List<String> cmd = new ArrayList<>(javaCommand(jvmOpens));
    cmd.addAll(List.of("-Xmx768m", "-jar", jar.toString(), "node", "--config", config.toString(), "--watch-parent"));
    Path log = dir.resolve("n" + i + ".log");
    logs.add(log);
    processes.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start());
  }

  private static List<String> javaCommand(List<String> jvmOpens) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOpens);
    // Extra JVM options for the nodes only (e.g. -XX:ThreadPriorityPolicy=1), space-separated.
    String extra = System.getenv("EPHYR_NODE_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) {
      cmd.addAll(List.of(extra.trim().split("\\s+")));
    }
    return cmd;
  }

  /** Runs a short CLI command of the broker jar and returns its stdout. */
  private static String run(Path jar, List<String> jvmOpens, Path dir, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(javaCommand(jvmOpens));
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "cli-", ".out");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectOutput(out.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("'ephyr " + String.join(" ", args) + "' failed");
    }
    String text = Files.readString(out).trim();
    Files.delete(out);
    return text;
  }

  private void awaitReady(int i) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    HttpRequest req = HttpRequest.newBuilder(URI.create(urls.get(i) + "/readyz")).timeout(Duration.ofSeconds(2)).build();
    while (System.nanoTime() < deadline) {
      if (!processes.get(i).isAlive()) {
        throw new IOException("node n" + (i + 1) + " exited with " + processes.get(i).exitValue() + "; its log: "
            + tail(logs.get(i)));
      }
      try {
        if (http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200); // polling a process we do not control; there is no event to wait for
    }
    throw new IOException("node n" + (i + 1) + " not ready within " + READY_TIMEOUT.toSeconds() + " s; its log: "
        + tail(logs.get(i)));
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  List<String> urls() {
    return List.copyOf(urls);
  }

  String apiKey() {
    return apiKey;
  }

  /** CPU time node {@code i} has used so far (0 when the OS does not say). */
  Duration cpu(int i) {
    return processes.get(i).info().totalCpuDuration().orElse(Duration.ZERO);
  }

  long pid(int i) {
    return processes.get(i).pid();
  }

  boolean alive(int i) {
    return processes.get(i).isAlive();
  }

  /** Heap in use on node {@code i}, from its /metrics, or -1. */
  long heapBytes(int i) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(urls.get(i) + "/metrics"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      Matcher m = Pattern.compile("(?m)^ephyr_jvm_heap_used_bytes\\s+([0-9.eE+]+)").matcher(r.body());
      return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /**
   * The sum of the samples of {@code metric} (a Prometheus sample name, e.g. {@code ephyr_revoke_seconds_sum}) on
   * node {@code i} whose labels contain {@code label} (e.g. {@code outcome="acknowledged"}), or NaN.
   */
  double metric(int i, String metric, String label) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(urls.get(i) + "/metrics"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      Matcher m = Pattern.compile("(?m)^" + Pattern.quote(metric) + "\\{([^}]*)\\}\\s+([0-9.eE+-]+)").matcher(r.body());
      double sum = Double.NaN;
      while (m.find()) {
        if (m.group(1).contains(label)) {
          sum = (Double.isNaN(sum) ? 0 : sum) + Double.parseDouble(m.group(2));
        }
      }
      return sum;
    } catch (IOException | NumberFormatException e) {
      return Double.NaN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Double.NaN;
    }
  }

  /** Node {@code i}'s data directory (its state store is in {@code state/} below it by default). */
  Path dataDir(int i) {
    return dir.resolve("n" + (i + 1));
  }

  /** Starts node {@code i} again from its config (after {@link #kill}) and waits until it is ready. */
  void relaunch(Path jar, List<String> jvmOpens, int i) throws IOException, InterruptedException {
    Path config = dir.resolve("n" + (i + 1) + ".yaml");
    List<String> cmd = new ArrayList<>(javaCommand(jvmOpens));
    cmd.addAll(List.of("-Xmx768m", "-jar", jar.toString(), "node", "--config", config.toString(), "--watch-parent"));
    Path log = dir.resolve("n" + (i + 1) + "-restart.log");
    logs.set(i, log);
    processes.set(i, new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start());
    awaitReady(i);
  }

  /** SIGKILL for node {@code i}: no shutdown, no goodbye to the cluster. */
  void kill(int i) throws InterruptedException {
    processes.get(i).destroyForcibly();
    processes.get(i).waitFor(30, TimeUnit.SECONDS);
  }

  /** Copies the node logs into {@code folder}. */
  void keepLogs(Path folder) {
    try {
      Files.createDirectories(folder);
      for (Path log : logs) {
        if (Files.exists(log)) {
          Files.copy(log, folder.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      System.err.println("loadtest: could not keep node logs: " + e.getMessage());
    }
  }

  /** Stops every node (SIGTERM, then SIGKILL after 20 s) and deletes the folder. Idempotent. */
  @Override
  public synchronized void close() {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    deleteTree(dir);
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("loadtest: could not delete " + dir + ": " + e.getMessage());
    }
  }

}
