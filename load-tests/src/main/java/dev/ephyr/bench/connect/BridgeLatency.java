package dev.ephyr.bench.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephyr.bench.BenchNode;
import dev.ephyr.broker.boot.Node;
import dev.ephyr.client.BrokerTransport;
import dev.ephyr.client.Credential;
import dev.ephyr.client.ProofSigner;
import dev.ephyr.client.TaskClient;
import dev.ephyr.protocol.dpop.HolderKeyPair;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What {@code ephyr connect} adds to a call: {@code tools/call task_info} with a holder-bound token against a
 * one-node broker, sent by a direct DPoP client (the client library in this JVM) and through the bridge (a
 * child JVM on stdio, which uses the same library). Calls alternate between the two so both see the same
 * machine; the figure is the difference of the medians. A third path, a line echoed by {@code cat}, gives the
 * floor any stdio bridge pays for crossing two pipes and waking another process.
 *
 * <p>Run: {@code java <ephyr.jvm.opens> -cp load-tests/target/benchmarks.jar dev.ephyr.bench.connect.BridgeLatency
 * [rounds] [callsPerRound] [warmupCalls]}
 */
public final class BridgeLatency {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] TASK_INFO = ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
      + "\"params\":{\"name\":\"task_info\",\"arguments\":{}}}").getBytes(StandardCharsets.UTF_8);

  private BridgeLatency() {}

  /** Prints the medians and the difference. */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 250;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 5000;
    SecureRandom random = new SecureRandom();
    BenchNode bench = BenchNode.prepare("ephyr-connect-bench");
    Path dir = bench.dir;
    String apiKey = bench.apiKey;
    Process bridge = null;
    try {
      Node node = bench.start(List.of(), List.of(), Map.of());
      List<String> urls = List.of(node.mcpUrl());
      TaskClient admin = new TaskClient(BrokerTransport.create(urls, null, Duration.ofSeconds(3), Duration.ofSeconds(30),
          null));

      // Direct: a task bound at creation to a key held in this JVM.
      HolderKeyPair key = HolderKeyPair.generate(random);
      String directToken = token(admin.create(apiKey, JSON.createObjectNode().put("ttl", 3600)
          .put("holder_jkt", key.jkt())));
      BrokerTransport direct = BrokerTransport.create(urls, new ProofSigner(key, random), Duration.ofSeconds(3),
          Duration.ofSeconds(30), null);
      Credential directCred = Credential.proofToken(directToken);

      // Bridge: a pending-bind task given to `ephyr connect` in a child JVM.
      String pending = token(admin.create(apiKey, JSON.createObjectNode().put("ttl", 3600).put("bind_within", 300)));
      Path tokenFile = dir.resolve("token");
      Files.writeString(tokenFile, pending);
      Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
      bridge = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
          "-cp", System.getProperty("java.class.path"), "dev.ephyr.broker.cli.Main", "connect", "--url", node.mcpUrl(),
          "--key-file", dir.resolve("holder.jwk").toString(), "--token-file", tokenFile.toString())
          .redirectError(dir.resolve("bridge.err").toFile()).start();
      OutputStream toBridge = bridge.getOutputStream();
      BufferedReader fromBridge = new BufferedReader(new InputStreamReader(bridge.getInputStream(), StandardCharsets.UTF_8));
      line(toBridge, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
          + "\"capabilities\":{},\"clientInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}");
      check(fromBridge.readLine());
      line(toBridge, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

      // The floor of any stdio bridge: one line to a child process and back (cat), no work at all.
      Process cat = new ProcessBuilder("cat").start();
      OutputStream toCat = cat.getOutputStream();
      BufferedReader fromCat = new BufferedReader(new InputStreamReader(cat.getInputStream(), StandardCharsets.UTF_8));

      Map<String, String> headers = Map.of("Content-Type", "application/json", "Accept",
          "application/json, text/event-stream");
      String call = new String(TASK_INFO, StandardCharsets.UTF_8);
      // Warm-up: both paths, JIT and connections.
      for (int i = 0; i < warmup; i++) {
        directCall(direct, directCred, headers);
        line(toBridge, call);
        check(fromBridge.readLine());
        line(toCat, call);
        fromCat.readLine();
      }
      long[] p = new long[rounds * perRound];
      long[] d = new long[rounds * perRound];
      long[] b = new long[rounds * perRound];
      int n = 0;
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < perRound; i++) {
          long t0 = System.nanoTime();
          directCall(direct, directCred, headers);
          long t1 = System.nanoTime();
          line(toBridge, call);
          check(fromBridge.readLine());
          long t2 = System.nanoTime();
          line(toCat, call);
          fromCat.readLine();
          long t3 = System.nanoTime();
          d[n] = t1 - t0;
          b[n] = t2 - t1;
          p[n] = t3 - t2;
          n++;
        }
      }
      Arrays.sort(d);
      Arrays.sort(b);
      Arrays.sort(p);
      System.out.printf("calls per path      %d (%d rounds, interleaved)%n", n, rounds);
      System.out.printf("direct DPoP client  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms%n", ms(d, 0.5), ms(d, 0.9), ms(d, 0.99));
      System.out.printf("through the bridge  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms%n", ms(b, 0.5), ms(b, 0.9), ms(b, 0.99));
      System.out.printf("added by the bridge p50 %.3f ms  (ratio %.2f)%n", ms(b, 0.5) - ms(d, 0.5), ms(b, 0.5) / ms(d, 0.5));
      System.out.printf("stdio floor (cat)   p50 %.3f ms  p90 %.3f ms  (a line to a child process and back)%n",
          ms(p, 0.5), ms(p, 0.9));
      toCat.close();
      cat.waitFor(5, TimeUnit.SECONDS);
      toBridge.close();
      bridge.waitFor(20, TimeUnit.SECONDS);
    } finally {
      if (bridge != null) {
        bridge.destroyForcibly();
      }
      bench.close();
    }
    System.exit(0);
  }

  private static void directCall(BrokerTransport t, Credential c, Map<String, String> headers) throws Exception {
    BrokerTransport.Outcome o = t.send("POST", c, TASK_INFO, headers, BrokerTransport.Repeat.NEVER_AFTER_SEND);
    if (!(o instanceof BrokerTransport.Outcome.Answered a) || a.status() != 200) {
      throw new IllegalStateException("direct call failed: " + o);
    }
    check(new String(a.body().readAllBytes(), StandardCharsets.UTF_8));
  }

  private static void line(OutputStream out, String s) throws Exception {
    out.write((s + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void check(String reply) throws Exception {
    if (reply == null) {
      throw new IllegalStateException("the bridge ended");
    }
    JsonNode n = JSON.readTree(reply);
    if (n.has("error") || n.path("result").path("isError").asBoolean(false)) {
      throw new IllegalStateException("call failed: " + reply);
    }
  }

  private static String token(TaskClient.Outcome o) {
    if (!(o instanceof TaskClient.Outcome.Ok ok)) {
      throw new IllegalStateException("task_create failed: " + o);
    }
    return ok.value().path("token").asText();
  }

  private static double ms(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
  }
}
