package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.policy.ApiKeys;
import dev.ephyr.broker.policy.Policy;
import dev.ephyr.protocol.keys.Keyring;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevCommandTest {
  @TempDir Path cwd;

  private Io io(CliHarness h) {
    return new Io(new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()),
        System.in, h.env, cwd, new java.security.SecureRandom(), java.time.Clock.systemUTC(), h.stop);
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void prepare_createsPrivateState_withAWorkingKey() throws Exception {
    Path dir = cwd.resolve(".ephyr-dev");
    DevCommand.DevState s = DevCommand.prepare(dir, io(new CliHarness(cwd)));
    assertTrue(s.created());
    assertEquals("rwx------", mode(dir));
    assertEquals("rw-------", mode(dir.resolve("keyring.json")));
    assertEquals("rw-------", mode(dir.resolve("agent.key")));
    Keyring.parse(Files.readAllBytes(s.keyring()));
    Policy p = Policy.load(s.policy());
    assertEquals(java.util.List.of(), p.warnings());
    assertNotNull(s.apiKey());
    assertEquals(DevCommand.AGENT, p.agentForApiKey(s.apiKey()).orElseThrow().name());
    assertTrue(!Files.readString(s.policy()).contains(s.apiKey()), "the policy holds the hash only");
    assertTrue(Files.readString(s.policy()).contains(ApiKeys.hash(s.apiKey())));
  }

  @Test
  void prepare_again_reusesKeyringPolicyAndKey() throws Exception {
    Path dir = cwd.resolve(".ephyr-dev");
    CliHarness h = new CliHarness(cwd);
    DevCommand.DevState first = DevCommand.prepare(dir, io(h));
    byte[] keyring = Files.readAllBytes(first.keyring());
    String policy = Files.readString(first.policy());
    DevCommand.DevState second = DevCommand.prepare(dir, io(h));
    assertEquals(false, second.created());
    assertEquals(first.apiKey(), second.apiKey());
    assertEquals(policy, Files.readString(second.policy()));
    assertTrue(java.util.Arrays.equals(keyring, Files.readAllBytes(second.keyring())));
  }

  @Test
  void prepare_withoutTheStoredKey_saysSo() throws Exception {
    Path dir = cwd.resolve(".ephyr-dev");
    DevCommand.prepare(dir, io(new CliHarness(cwd)));
    Files.delete(dir.resolve("agent.key"));
    assertNull(DevCommand.prepare(dir, io(new CliHarness(cwd))).apiKey());
  }

  @Test
  void prepare_withABrokenPolicy_failsWithTheLine() throws Exception {
    Path dir = cwd.resolve(".ephyr-dev");
    DevCommand.prepare(dir, io(new CliHarness(cwd)));
    Files.writeString(dir.resolve("policy.yaml"), "version: 1\nagents:\n  demo: { oops: 1 }\n");
    CliException e = org.junit.jupiter.api.Assertions.assertThrows(CliException.class,
        () -> DevCommand.prepare(dir, io(new CliHarness(cwd))));
    assertTrue(e.getMessage().startsWith(".ephyr-dev/policy.yaml:3: unknown key 'oops'"), e.getMessage());
    assertTrue(e.getMessage().contains("ephyr dev --reset"), e.getMessage());
  }

  @Test
  void reset_deletesOnlyADirectoryDevMade() throws Exception {
    Path dir = cwd.resolve(".ephyr-dev");
    CliHarness h = new CliHarness(cwd);
    String oldKey = DevCommand.prepare(dir, io(h)).apiKey();
    DevCommand.reset(dir, io(h));
    assertTrue(!Files.exists(dir));
    String newKey = DevCommand.prepare(dir, io(h)).apiKey();
    assertTrue(!oldKey.equals(newKey));

    Path foreign = cwd.resolve("precious");
    Files.createDirectories(foreign);
    Files.writeString(foreign.resolve("data.txt"), "keep me");
    CliException e = org.junit.jupiter.api.Assertions.assertThrows(CliException.class,
        () -> DevCommand.reset(foreign, io(h)));
    assertTrue(e.getMessage().startsWith("refusing to delete"), e.getMessage());
    assertTrue(Files.exists(foreign.resolve("data.txt")));
  }

  @Test
  void dev_startsANode_printsAWorkingConfig_andStopsCleanly() throws Exception {
    CliHarness h = new CliHarness(cwd);
    OutputWatch out = new OutputWatch("Stop with Ctrl-C");
    OutputWatch err = new OutputWatch("stopped");
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
        () -> h.run(out, err, "", "dev", "--port", "0"));
    try {
      CompletableFuture.anyOf(out.seen, exit).get(120, TimeUnit.SECONDS);
      assertTrue(out.seen.isDone(), "dev did not start: exit " + exit.getNow(null) + "\n" + out.text() + err.text());
      String banner = out.text();
      Matcher url = Pattern.compile("MCP endpoint  (http://127\\.0\\.0\\.1:\\d+/mcp)").matcher(banner);
      Matcher key = Pattern.compile("API key       (ek_[A-Za-z0-9_-]{43})").matcher(banner);
      assertTrue(url.find() && key.find(), banner);
      assertTrue(banner.contains("claude mcp add --transport http ephyr " + url.group(1)
          + " --header \"Authorization: Bearer " + key.group(1) + "\""), banner);
      assertTrue(banner.contains("\"mcpServers\""), banner);

      // The printed key works against the printed endpoint.
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      String init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
          + "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
      // The signer child process is up and its CA key is published for TrustedUserCAKeys.
      HttpResponse<String> ca = http.send(HttpRequest.newBuilder(URI.create(url.group(1).replace("/mcp", "/v1/ssh/ca")))
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
      assertTrue(ca.statusCode() == 200 && ca.body().startsWith("ssh-ed25519 ") && ca.body().contains("ephyr-ca:dev"),
          ca.body());
      HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(url.group(1)))
          .header("Authorization", "Bearer " + key.group(1))
          .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
          .POST(HttpRequest.BodyPublishers.ofString(init)).timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ok.statusCode(), ok.body());
      HttpResponse<String> denied = http.send(HttpRequest.newBuilder(URI.create(url.group(1)))
          .header("Authorization", "Bearer ek_" + "Z".repeat(43))
          .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
          .POST(HttpRequest.BodyPublishers.ofString(init)).timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(401, denied.statusCode(), denied.body());
    } finally {
      h.stop.fire();
      assertEquals(0, exit.get(60, TimeUnit.SECONDS), out.text() + err.text());
    }
    assertTrue(err.text().contains("stopped"), err.text());
  }

  /** Starts {@code ephyr dev} in {@link #cwd}; returns the endpoint and key it printed, and the running command. */
  private record Running(String url, String key, CompletableFuture<Integer> exit, CliHarness h, OutputWatch out,
      OutputWatch err) {}

  private Running runDev() throws Exception {
    CliHarness h = new CliHarness(cwd);
    OutputWatch out = new OutputWatch("Stop with Ctrl-C");
    OutputWatch err = new OutputWatch("stopped");
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> h.run(out, err, "", "dev", "--port", "0"));
    CompletableFuture.anyOf(out.seen, exit).get(120, TimeUnit.SECONDS);
    assertTrue(out.seen.isDone(), "dev did not start: exit " + exit.getNow(null) + "\n" + out.text() + err.text());
    Matcher url = Pattern.compile("MCP endpoint  (http://127\\.0\\.0\\.1:\\d+/mcp)").matcher(out.text());
    Matcher key = Pattern.compile("API key       (ek_[A-Za-z0-9_-]{43})").matcher(out.text());
    assertTrue(url.find() && key.find(), out.text());
    return new Running(url.group(1), key.group(1), exit, h, out, err);
  }

  private static HttpResponse<String> call(String url, String bearer, String tool, String args) throws Exception {
    String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
        + "\",\"arguments\":" + args + "}}";
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", "Bearer " + bearer).header("MCP-Protocol-Version", "2025-06-18")
        .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void stop(Running r) throws Exception {
    r.h().stop.fire(); // what Ctrl-C does
    assertEquals(0, r.exit().get(60, TimeUnit.SECONDS), r.out().text() + r.err().text());
  }

  @Test
  void dev_revoke_ctrlC_start_theTokenStaysRefused() throws Exception {
    Running first = runDev();
    String token;
    String taskId;
    try {
      HttpResponse<String> created = call(first.url(), first.key(), "task_create", "{\"ttl\":600}");
      assertEquals(200, created.statusCode(), created.body());
      io.vertx.core.json.JsonObject result = new io.vertx.core.json.JsonObject(created.body())
          .getJsonObject("result").getJsonObject("structuredContent");
      token = result.getString("token");
      taskId = result.getString("task_id");
      assertEquals(200, call(first.url(), token, "task_info", "{}").statusCode());
      HttpResponse<String> revoked = call(first.url(), first.key(), "task_revoke",
          "{\"task_id\":\"" + taskId + "\"}");
      assertTrue(revoked.body().contains("\"revoked\":true"), revoked.body());
      assertEquals(401, call(first.url(), token, "task_info", "{}").statusCode());
    } finally {
      stop(first);
    }
    assertTrue(Files.isDirectory(cwd.resolve(".ephyr-dev").resolve("state")), "dev keeps its state in .ephyr-dev/");

    Running second = runDev();
    try {
      // The banner waits until the node has loaded its state: the first call already sees the revocation.
      HttpResponse<String> after = call(second.url(), token, "task_info", "{}");
      assertEquals(401, after.statusCode(), after.body());
      assertTrue(after.body().contains("revoked"), after.body());
      HttpResponse<String> info = call(second.url(), second.key(), "task_info", "{\"task_id\":\"" + taskId + "\"}");
      assertTrue(info.body().contains("\"status\":\"revoked\""), "the task is still known, as revoked: " + info.body());
    } finally {
      stop(second);
    }
  }
}
